// The one way a diagnostic is shown to a person:
//
//   audiences/at_risk.yml:4:14 error[missing_column]: ... uses trait "logins_past_30d", which ...
//      4 |   - { trait: logins_past_30d, lt: 10 }
//        |              ^^^^^^^^^^^^^^^
//   hint: did you mean "logins_past_30_days"?
//
// The carets underline the diagnostic's span: to its end on the same line, or to the end of the
// line when the span goes on (a mapping, a block scalar); one caret when it is a point.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceLocation } from '../definitions/model.js';
import { misplacedPath } from '../files/inside-project.js';
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** The project root, to read the offending line from disk for the code frame. */
  readonly root?: string;
  /** File texts by project-relative path; used before the disk. */
  readonly sources?: ReadonlyMap<string, string>;
}

const MAX_FRAME_FILE_BYTES = 20 * 1024 * 1024;
/** Characters of the offending line shown in a code frame; a hostile line may be megabytes long. */
const FRAME_WIDTH = 100;

/**
 * The part of a long line around `col` that the frame shows, with the caret's column in it.
 * Control characters are shown as their visible pictures (a NUL as ␀) so the frame stays one line.
 */
export function frameExcerpt(line: string, col: number): { shown: string; col: number } {
  const visible = (text: string): string =>
    text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
  if (line.length <= FRAME_WIDTH) return { shown: visible(line), col };
  const start = Math.max(0, Math.min(col - 1 - Math.floor(FRAME_WIDTH / 3), line.length - FRAME_WIDTH));
  const end = start + FRAME_WIDTH;
  const head = start > 0 ? '…' : '';
  const tail = end < line.length ? '…' : '';
  return { shown: `${head}${visible(line.slice(start, end))}${tail}`, col: col - start + head.length };
}

/** Messages quote the user's own names; a hostile name may be megabytes long. */
const MAX_MESSAGE = 500;

function bounded(text: string): string {
  if (text.length <= MAX_MESSAGE) return text;
  const half = Math.floor((MAX_MESSAGE - 20) / 2);
  return `${text.slice(0, half)} … (${text.length - 2 * half} characters left out) … ${text.slice(-half)}`;
}

/** The lines of `file`, from `sources` or the disk; null when it cannot be read. */
function sourceLines(file: string, options: FormatOptions): readonly string[] | null {
  let text = options.sources?.get(file) ?? null;
  if (text === null && options.root !== undefined) {
    try {
      // What a link leads to outside the project is not quoted (readYamlText refuses such a file).
      const real = realpathSync(path.resolve(options.root, file));
      if (misplacedPath(realpathSync(options.root), real) !== null) return null;
      // A file refused for its size is not read again just to show one line of it.
      if (statSync(real).size > MAX_FRAME_FILE_BYTES) return null;
      text = readFileSync(real, 'utf8');
    } catch {
      text = null;
    }
  }
  return text === null ? null : text.split(/\r?\n/);
}

/** How many characters of the shown line the span covers from `col` (at least one). */
function caretWidth(loc: SourceLocation, line: string, shown: string, col: number): number {
  const end = loc.end;
  if (end === undefined || end.line < loc.line || (end.line === loc.line && end.col <= loc.col)) return 1;
  const lineEnd = line.trimEnd().length + 1;
  const endCol = end.line === loc.line ? Math.min(end.col, lineEnd) : lineEnd;
  const room = shown.length - (col - 1);
  return Math.max(1, Math.min(endCol - loc.col, room));
}

/** One diagnostic: the header line, a code frame when the file can be read, and the hint. */
export function formatDiagnostic(diagnostic: Diagnostic, rootOrOptions: string | FormatOptions = {}): string {
  return diagnosticFormatter(rootOrOptions)(diagnostic);
}

/**
 * formatDiagnostic for many diagnostics: each file is read and split into lines once. Read per
 * diagnostic, 8,000 errors in one 160 KB definition took 17 s, and a 1 MB file's 50,000 hung.
 */
export function diagnosticFormatter(rootOrOptions: string | FormatOptions = {}): (diagnostic: Diagnostic) => string {
  const options: FormatOptions = typeof rootOrOptions === 'string' ? { root: rootOrOptions } : rootOrOptions;
  const files = new Map<string, readonly string[] | null>();
  const lineOf = (file: string, line: number): string | null => {
    if (!files.has(file)) files.set(file, sourceLines(file, options));
    const lines = files.get(file);
    return lines && line >= 1 && line <= lines.length ? lines[line - 1] : null;
  };
  return (diagnostic) => {
    const { loc } = diagnostic;
    const place = loc ? `${loc.file}:${loc.line}:${loc.col} ` : '';
    const out = [`${place}${diagnostic.severity}[${diagnostic.code}]: ${bounded(diagnostic.message)}`];
    if (loc) {
      const line = lineOf(loc.file, loc.line);
      if (line !== null) {
        const number = String(loc.line);
        const gutter = ' '.repeat(number.length);
        const { shown, col } = frameExcerpt(line, loc.col);
        const caret = '^'.repeat(caretWidth(loc, line, shown, col));
        out.push(`  ${number} | ${shown}`);
        out.push(`  ${gutter} | ${' '.repeat(Math.max(0, col - 1))}${caret}`);
      }
    }
    if (diagnostic.hint) out.push(`hint: ${bounded(diagnostic.hint)}`);
    return out.join('\n');
  };
}

/** Every diagnostic, separated by blank lines, with a closing count. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], rootOrOptions: string | FormatOptions = {}): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return [...diagnostics.map(diagnosticFormatter(rootOrOptions)), summary].filter(Boolean).join('\n\n');
}
