// The human report of `quorum test`: one line per case (✓ passed, ✗ failed, ! could not run,
// - skipped) grouped by file, every difference under its failing case, and a summary line.
// Deterministic (no durations), so that it can be asserted exactly.
import type { Difference } from './compare.js';
import type { CaseResult, TestRun } from './run-tests.js';

export interface TextReportOptions {
  /** ANSI colours, for an interactive terminal. */
  readonly color?: boolean;
}

const KIND_LABEL: Readonly<Record<Difference['kind'], string>> = {
  members: 'expect',
  values: 'expect',
  entered: 'expect_entered',
  exited: 'expect_exited',
  changed: 'expect_changed',
  calls: 'expect_calls',
  guardrail: 'expect_guardrail',
};

export function formatTextReport(run: TestRun, options: TextReportOptions = {}): string {
  const paint = (code: number) => (text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const green = paint(32);
  const red = paint(31);
  const yellow = paint(33);
  const dim = paint(2);
  const out: string[] = [];
  let file: string | null = null;
  for (const result of run.results) {
    const c = result.testCase;
    if (c.file !== file) {
      if (file !== null) out.push('');
      file = c.file;
      out.push(c.file);
    }
    switch (result.status) {
      case 'passed':
        out.push(`  ${green('✓')} ${c.name}`);
        break;
      case 'skipped':
        out.push(`  ${yellow('-')} ${c.name} ${dim(`(skipped${c.skip && c.skip !== 'skipped' ? `: ${c.skip}` : ''})`)}`);
        break;
      case 'error':
        out.push(`  ${red('!')} ${c.name}`);
        out.push(...failureLines(result).map((line) => `      ${line}`));
        break;
      case 'failed':
        out.push(`  ${red('✗')} ${c.name}`);
        out.push(...failureLines(result).map((line) => `      ${line}`));
        break;
    }
  }
  if (out.length > 0) out.push('');
  out.push(summaryLine(run));
  return `${out.join('\n')}\n`;
}

/** What went wrong in a case, as plain lines: the JUnit report uses them too. */
export function failureLines(result: CaseResult): string[] {
  const lines: string[] = [];

  for (const evaluation of result.evaluations) {
    const groups = new Map<string, Difference[]>();
    for (const d of evaluation.differences) {
      const key = `${d.kind}\u0000${d.definition}`;
      const group = groups.get(key) ?? [];
      group.push(d);
      groups.set(key, group);
    }
    const ordered = [...groups.values()].sort((a, b) => a[0].expectationLoc.line - b[0].expectationLoc.line || a[0].expectationLoc.col - b[0].expectationLoc.col);
    for (const differences of ordered) {
      const first = differences[0];
      const where = `${first.expectationLoc.file}:${first.expectationLoc.line}:${first.expectationLoc.col}`;
      const when = evaluation.step > 0 ? `step ${evaluation.step}, at ${evaluation.at}` : `as of ${evaluation.at}`;
      const label = KIND_LABEL[first.kind] === 'expect' ? first.definition : `${KIND_LABEL[first.kind]} ${first.definition}`;
      lines.push(`${where} ${label} (${when})`);
      for (const d of differences) lines.push(`  ${d.entity === null ? '' : `${d.level} ${JSON.stringify(d.entity)}: `}expected ${d.expected}, actual ${d.actual}`);
    }
  }
  if (result.error !== null) {
    const loc = result.testCase.loc;
    lines.push(`${loc.file}:${loc.line}:${loc.col} error: ${result.error}`);
  }
  return lines;
}

export function counts(run: TestRun): { passed: number; failed: number; errors: number; skipped: number; total: number } {
  const count = (status: CaseResult['status']) => run.results.filter((r) => r.status === status).length;
  return { passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), total: run.results.length };
}

export function summaryLine(run: TestRun): string {
  if (run.files.length === 0) return 'no test files: write tests/*.test.yml (see docs/testing.md)';
  const n = counts(run);
  const parts = [
    n.failed ? `${n.failed} failed` : '',
    n.errors ? `${n.errors} could not run` : '',
    n.passed ? `${n.passed} passed` : '',
    n.skipped ? `${n.skipped} skipped` : '',
  ].filter(Boolean);
  const selected = n.total < run.totalCases ? ` (${n.total} of ${run.totalCases} selected)` : '';
  const files = new Set(run.results.map((r) => r.testCase.file)).size;
  return `cases: ${parts.join(', ') || 'none'}; ${n.total} in ${files} file${files === 1 ? '' : 's'}${selected}`;
}
