// Human and JSON printing for the CLI. JSON goes to stdout; diagnostics and logs to stderr.
import type { Project } from '../definitions/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnostic } from '../diagnostics/format.js';
import type { ExplainOutput, MembersOutput, PreviewOutput } from '../evaluation/inspect.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], root: string): void {
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, root)}\n\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}\n`);
}

export function printValidation(project: Project, diagnostics: readonly Diagnostic[], options: { offline: boolean; json?: boolean }): void {
  const note = options.offline
    ? 'offline: custom trait names, columns and literal types against the warehouse were not checked'
    : 'checked against the warehouse catalog';
  if (options.json) {
    printJson({ valid: true, offline: options.offline, definitions: project.definitions.length, diagnostics });
    return;
  }
  if (diagnostics.length > 0) printDiagnostics(diagnostics, project.root);
  process.stdout.write(`${project.definitions.length} definitions are valid (${note})\n`);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Cells starting with = + - @ are quoted with a leading apostrophe so spreadsheets don't run them.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function printMembers(result: MembersOutput): void {
  const columns = result.members.length > 0 ? Object.keys(result.members[0]) : ['id'];
  const lines = [columns.join(',')];
  for (const member of result.members) lines.push(columns.map((c) => csvCell(member[c])).join(','));
  process.stdout.write(`${lines.join('\n')}\n`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function printPreview(result: PreviewOutput): void {
  const out: string[] = [];
  out.push(`${result.name} (${result.level} level) as of ${result.as_of}`);
  out.push(`size: ${result.size}`);
  if (result.breakdown.length > 0) {
    out.push('', 'breakdown (entities matching each condition):');
    for (const b of result.breakdown) out.push(`  ${String(b.matched).padStart(8)}  ${'  '.repeat(b.depth)}${b.condition}`);
  }
  out.push('', `sample (${result.sample.length}):`);
  for (const s of result.sample) out.push(`  ${s.id}${'value' in s ? ` = ${show(s.value)}` : ''}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export function printExplain(result: ExplainOutput): void {
  const out: string[] = [];
  out.push(`${result.name} for ${result.level} ${result.id} as of ${result.as_of}: ${result.member ? 'MEMBER' : 'not a member'}`);
  if (!result.known) out.push(`(no ${result.level} "${result.id}" exists at this time)`);
  out.push('', 'conditions:');
  for (const c of result.conditions) out.push(`  ${c.value ? '✓' : '✗'} ${'  '.repeat(c.depth)}${c.condition}`);
  out.push('', 'values:');
  for (const [label, value] of Object.entries(result.values)) {
    const stitched = result.stitched?.[label];
    out.push(`  ${label} = ${show(value)}${stitched === undefined ? '' : ` (${stitched} through identity stitching)`}`);
  }
  if (result.users) {
    out.push('', `users of the account: ${result.users.total}`);
    for (const [label, n] of Object.entries(result.users.matching)) out.push(`  ${n} satisfy ${label}`);
  }
  if (result.history !== undefined) {
    out.push('', result.history.some((h) => h.run_id !== null) ? 'history (conditions replayed at each run of the audience):' : 'history: no run of this audience recorded yet');
    for (const h of result.history) {
      const what = h.transition ?? (h.member ? 'member' : 'not a member');
      const sent = h.recorded.length > 0 ? `  (sent: ${h.recorded.join(', ')})` : '';
      out.push(`  ${h.as_of}  ${h.run_id ?? 'now (no run)'}  ${h.transition ? what.toUpperCase() : what}${sent}`);
      for (const c of h.changed) out.push(`      ${c.to ? '✓' : '✗'} ${c.condition}  (was ${c.from ? 'true' : 'false'})`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
