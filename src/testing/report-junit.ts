// JUnit XML for CI servers (GitHub Actions reporters, GitLab, Jenkins). It keeps to the
// elements and attributes of Jenkins' junit-10.xsd, the schema those readers accept:
// testsuites > testsuite (one per test file) > testcase > failure | error | skipped.
// https://github.com/jenkinsci/junit-plugin/blob/master/src/main/resources/hudson/tasks/junit/types/junit-10.xsd
import { diagnosticFormatter } from '../diagnostics/format.js';
import { failureLines } from './report-text.js';
import type { CaseResult, TestRun } from './run-tests.js';

export interface JUnitOptions {
  /** The suite's timestamp; default: when the run started. */
  readonly timestamp?: string;
}

export function formatJUnit(run: TestRun, options: JUnitOptions = {}): string {
  const timestamp = (options.timestamp ?? run.startedAt).slice(0, 19); // xs:dateTime without zone, as junit-10.xsd wants
  const suites: string[] = [];
  let totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };

  // Malformed files, or a project that does not validate: one errored case per file (or one for
  // the project), so that a CI page shows why nothing ran.
  const problems = run.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0) {
    const byFile = new Map<string, string[]>();
    const format = diagnosticFormatter(run.root);
    for (const d of problems) {
      const file = d.loc?.file ?? 'quorum.yml';
      const texts = byFile.get(file) ?? [];
      texts.push(format(d));
      byFile.set(file, texts);
    }
    const cases = [...byFile].map(([file, texts]) =>
      testcase(`${file} is valid`, 'quorum.validation', 0, `<error message="${attr(`${texts.length} problem${texts.length === 1 ? '' : 's'} in ${file}`)}" type="invalid_input">${text(texts.join('\n\n'))}</error>`),
    );
    suites.push(suite('quorum test files', timestamp, { tests: cases.length, failures: 0, errors: cases.length, skipped: 0 }, 0, cases));
    totals = { tests: cases.length, failures: 0, errors: cases.length, skipped: 0 };
  }

  const files = [...new Set(run.results.map((r) => r.testCase.file))];
  for (const file of files) {
    const results = run.results.filter((r) => r.testCase.file === file);
    const n = {
      tests: results.length,
      failures: results.filter((r) => r.status === 'failed').length,
      errors: results.filter((r) => r.status === 'error').length,
      skipped: results.filter((r) => r.status === 'skipped').length,
    };
    const time = results.reduce((sum, r) => sum + r.durationMs, 0);
    const classname = file.replace(/\.test\.ya?ml$/, '').replace(/\//g, '.');
    suites.push(suite(file, timestamp, n, time, results.map((r) => testcase(r.testCase.name, classname, r.durationMs, outcome(r)))));
    totals = { tests: totals.tests + n.tests, failures: totals.failures + n.failures, errors: totals.errors + n.errors, skipped: totals.skipped + n.skipped };
  }
  const head = `<testsuites name="quorum test" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${seconds(run.durationMs)}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}

function outcome(result: CaseResult): string {
  switch (result.status) {
    case 'passed':
      return '';
    case 'skipped':
      return `<skipped message="${attr(result.testCase.skip ?? 'skipped')}"/>`;
    case 'failed': {
      const count = result.evaluations.reduce((sum, e) => sum + e.differences.length, 0);
      const message = `${count} difference${count === 1 ? '' : 's'} from the expected result`;
      return `<failure message="${attr(message)}" type="difference">${text(failureLines(result).join('\n'))}</failure>`;
    }
    case 'error':
      return `<error message="${attr(result.error ?? 'error')}" type="error">${text(failureLines(result).join('\n'))}</error>`;
  }
}

function suite(name: string, timestamp: string, n: { tests: number; failures: number; errors: number; skipped: number }, ms: number, cases: string[]): string {
  return [
    `  <testsuite name="${attr(name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="${seconds(ms)}" timestamp="${timestamp}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

function testcase(name: string, classname: string, ms: number, body: string): string {
  const open = `    <testcase name="${attr(name)}" classname="${attr(classname)}" time="${seconds(ms)}"`;
  return body === '' ? `${open}/>` : `${open}>\n      ${body}\n    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 up, except the
// surrogate range and U+FFFE / U+FFFF; anything else is dropped.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): string {
  return value.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
