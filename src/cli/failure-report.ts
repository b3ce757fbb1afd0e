// What a person sees when a command does not succeed, and its exit code (SPEC §7: 1 invalid input
// or a failed run, 2 usage error). Only a real bug in quorum is called one: a file the user named
// that is a folder, unwritable or missing is their environment, and gets a hint instead.
import { CommanderError } from 'commander';
import path from 'node:path';
import { DiagnosticsError, diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { CommandFailed, UsageError } from './options.js';
import { printDiagnostics, printedJson } from './print.js';

/** Node's codes for a file system or process limit the user can fix, with how. */
const ENVIRONMENT_HINTS: Readonly<Record<string, string>> = {
  EISDIR: 'a folder is where a file was expected; name a file inside it, e.g. --out <folder>/report.html',
  ENOTDIR: 'part of the path is a file, not a folder; check the path',
  ENOENT: 'check the path exists and is spelt as you meant',
  EEXIST: 'something already exists at that path; choose another path or remove it',
  EACCES: 'you do not have permission there; choose a path you can write, or fix its permissions',
  EPERM: 'the operating system refused the operation; choose a path you can write, or fix its permissions',
  EROFS: 'that file system is read-only; choose a path on a writable disk',
  ENOSPC: 'the disk is full; free some space and run again',
  EDQUOT: 'your disk quota is used up; free some space and run again',
  ENAMETOOLONG: 'the path is too long; choose a shorter one',
  ELOOP: 'the path goes round a loop of symbolic links; check the links',
  EMFILE: 'too many files are open; raise the limit (ulimit -n) and run again',
  ENFILE: 'the system has too many files open; close some programs and run again',
  EBUSY: 'the file is in use by another program; close it and run again',
  ETXTBSY: 'the file is in use by another program; close it and run again',
};

interface SystemError {
  readonly code: string;
  readonly path?: string;
  readonly syscall?: string;
  readonly message: string;
}

function systemError(cause: unknown): SystemError | null {
  if (!(cause instanceof Error)) return null;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && code in ENVIRONMENT_HINTS ? (cause as Error & SystemError) : null;
}

function environmentDiagnostic(cause: SystemError): Diagnostic {
  const reason = cause.message.replace(/^[A-Z]+: /, '').split(',')[0];
  const params = { action: cause.syscall ?? 'use', path: cause.path === undefined ? null : path.resolve(cause.path), reason, errno: cause.code, fix: ENVIRONMENT_HINTS[cause.code] };
  return diagnostic('file_system', params, null);
}

function bugDiagnostic(cause: unknown): Diagnostic {
  const message = cause instanceof Error ? cause.message : String(cause);
  return diagnostic('internal_error', { detail: message.split('\n')[0] }, null);
}

/** The body of `{"error": {...}}` (SPEC §8): the first error, read without the list beside it. */
function jsonErrorBody(d: Diagnostic): { code: string; message: string; hint: string | null; file: string | null; line: number | null } {
  return { code: d.code, message: d.message, hint: d.hint, file: d.loc?.file ?? null, line: d.loc?.line ?? null };
}

/**
 * `{"error": {...}, "diagnostics": [...]}` on stdout under --json (SPEC §8), the human text still
 * on stderr. Validation reports every problem at once, so every one of them is beside the first,
 * each as the success outputs' `"diagnostics"` list holds it.
 */
function printJsonError(first: Diagnostic, all: readonly Diagnostic[]): void {
  process.stdout.write(`${JSON.stringify({ error: jsonErrorBody(first), diagnostics: all }, null, 2)}\n`);
}

function report(diagnostics: readonly Diagnostic[], root: string, json: boolean): void {
  printDiagnostics(diagnostics, root);
  const first = diagnostics.find((d) => d.severity === 'error');
  if (json && first && !printedJson()) printJsonError(first, diagnostics);
}

/** Prints why the command failed and returns the exit code. */
export function reportFailure(cause: unknown, options: { root: string; json: boolean }): number {
  // commander has printed its own message (unknown option, missing argument, help)
  if (cause instanceof CommanderError) {
    if (cause.exitCode === 0) return 0;
    if (options.json && !printedJson()) {
      const usage = diagnostic('usage', { problem: cause.message.replace(/^error: /, ''), fix: 'add --help for the options and examples' }, null);
      printJsonError(usage, [usage]);
    }
    return 2;
  }
  if (cause instanceof CommandFailed) return 1;
  if (cause instanceof UsageError) {
    report([diagnostic('usage', { problem: cause.message, fix: cause.hint }, null)], options.root, options.json);
    return 2;
  }
  if (cause instanceof DiagnosticsError) {
    report(cause.diagnostics, options.root, options.json);
    return cause.diagnostics.every((d) => d.code === 'usage') ? 2 : 1;
  }
  const system = systemError(cause);
  report([system ? environmentDiagnostic(system) : bugDiagnostic(cause)], options.root, options.json);
  if (process.env.QUORUM_DEBUG) process.stderr.write(`${cause instanceof Error ? cause.stack : ''}\n`);
  return 1;
}

/**
 * A reader that stops early (`quorum members ... | head`) closes the pipe: the rest of the output
 * has nowhere to go, which is not an error. Anything else on the stream still is.
 */
let pipesWatched = false;

export function endQuietlyOnClosedPipe(): void {
  if (pipesWatched) return; // main() may run many times in one process (the CLI tests)
  pipesWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (cause: NodeJS.ErrnoException) => {
      if (cause.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw cause;
    });
  }
}
