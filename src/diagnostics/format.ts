// The one way a diagnostic is shown to a person:
//
//   audiences/at_risk.yml:4:9 error[unknown_reference]: unknown trait "logins_past_30d" ...
//      4 |     - { trait: logins_past_30d, lt: 10 }
//        |         ^
//   hint: did you mean "logins_past_30_days"?
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** The project root, to read the offending line from disk for the code frame. */
  readonly root?: string;
  /** File texts by project-relative path; used before the disk. */
  readonly sources?: ReadonlyMap<string, string>;
}

function sourceLine(file: string, line: number, options: FormatOptions): string | null {
  let text = options.sources?.get(file) ?? null;
  if (text === null && options.root !== undefined) {
    try {
      text = readFileSync(path.resolve(options.root, file), 'utf8');
    } catch {
      text = null;
    }
  }
  if (text === null) return null;
  const lines = text.split(/\r?\n/);
  return line >= 1 && line <= lines.length ? lines[line - 1] : null;
}

/** One diagnostic: the header line, a code frame when the file can be read, and the hint. */
export function formatDiagnostic(diagnostic: Diagnostic, rootOrOptions: string | FormatOptions = {}): string {
  const options: FormatOptions = typeof rootOrOptions === 'string' ? { root: rootOrOptions } : rootOrOptions;
  const { loc } = diagnostic;
  const place = loc ? `${loc.file}:${loc.line}:${loc.col} ` : '';
  const out = [`${place}${diagnostic.severity}[${diagnostic.code}]: ${diagnostic.message}`];
  if (loc) {
    const line = sourceLine(loc.file, loc.line, options);
    if (line !== null) {
      const number = String(loc.line);
      const gutter = ' '.repeat(number.length);
      const shown = line.replace(/\t/g, ' ');
      const rest = shown.slice(loc.col - 1);
      const token = /^[A-Za-z0-9_$.-]+/.exec(rest)?.[0] ?? '';
      const caret = '^'.repeat(Math.max(1, Math.min(token.length, 40)));
      out.push(`  ${number} | ${shown}`);
      out.push(`  ${gutter} | ${' '.repeat(Math.max(0, loc.col - 1))}${caret}`);
    }
  }
  if (diagnostic.hint) out.push(`hint: ${diagnostic.hint}`);
  return out.join('\n');
}

/** Every diagnostic, separated by blank lines, with a closing count. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], rootOrOptions: string | FormatOptions = {}): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return [...diagnostics.map((d) => formatDiagnostic(d, rootOrOptions)), summary].filter(Boolean).join('\n\n');
}
