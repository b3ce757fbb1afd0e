// Under --json, a command that fails still prints JSON on stdout (SPEC §8): one object
// {"error": {"code", "message", "hint", "file", "line"}} for the first error, so a script that
// parses stdout gets a reason instead of nothing. The human text still goes to stderr.
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface JsonError {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string | null; readonly file: string | null; readonly line: number | null };
}

export function jsonError(diagnostics: readonly Diagnostic[]): JsonError | null {
  const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
  if (first === undefined) return null;
  return { error: { code: first.code, message: first.message, hint: first.hint, file: first.loc?.file ?? null, line: first.loc?.line ?? null } };
}

/** Whether the command line asked for --json (read from argv: commander may not have parsed it). */
export function wantsJson(args: readonly string[]): boolean {
  return args.includes('--json');
}

export function printJsonError(diagnostics: readonly Diagnostic[]): void {
  const json = jsonError(diagnostics);
  if (json !== null) process.stdout.write(`${JSON.stringify(json)}\n`);
}
