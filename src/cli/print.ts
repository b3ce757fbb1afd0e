// Human and JSON printing for the CLI. JSON goes to stdout; diagnostics and logs to stderr.
import type { Project } from '../definitions/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnosticFormatter } from '../diagnostics/format.js';
import type { MemberList, MembersOutput, PreviewOutput } from '../evaluation/inspect.js';
import { shownValue, terminalText } from './terminal-text.js';

let jsonPrinted = false;

/** Whether this command has printed its JSON document (a failure after it must not add a second one). */
export function printedJson(): boolean {
  return jsonPrinted;
}

/** main() may run many times in one process (the CLI tests): each command starts with nothing printed. */
export function forgetPrintedJson(): void {
  jsonPrinted = false;
}

export function printJson(value: unknown): void {
  jsonPrinted = true;
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], root: string): void {
  const format = diagnosticFormatter(root);
  for (const d of diagnostics) process.stderr.write(`${format(d)}\n\n`);
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
  // Cells starting with = + - @ are quoted with a leading apostrophe so spreadsheets don't run them;
  // a number is no formula, and -5 stays a number a spreadsheet can add up.
  const safe = typeof value !== 'number' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function printMembers(result: MembersOutput): void {
  const columns = result.members.length > 0 ? Object.keys(result.members[0]) : ['id'];
  const lines = [columns.join(',')];
  for (const member of result.members) lines.push(columns.map((c) => csvCell(member[c])).join(','));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Lines per write of a long member list: whole lines, so that each write is redacted whole. */
const LINES_PER_WRITE = 8192;

/** What printMembers prints for the same members, without an object per row. */
export function printMemberList(list: MemberList): void {
  const { ids, values } = list;
  let lines = [values !== null && ids.length > 0 ? 'id,value' : 'id'];
  for (let i = 0; i < ids.length; i += 1) {
    lines.push(values === null ? csvCell(ids[i]) : `${csvCell(ids[i])},${csvCell(values[i])}`);
    if (lines.length === LINES_PER_WRITE) {
      process.stdout.write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
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
  for (const s of result.sample) out.push(`  ${terminalText(String(s.id))}${'value' in s ? ` = ${shownValue(s.value)}` : ''}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
