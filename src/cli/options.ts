import type { Command } from 'commander';
import path from 'node:path';

export interface GlobalOptions {
  readonly project: string;
  readonly asOf?: string;
  readonly json?: boolean;
  readonly select?: string[];
}

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {}

/** The command has already reported why it failed (e.g. failing test cases): exit code 1, nothing more to print. */
export class CommandFailed extends Error {}

export function parseAsOf(text: string | undefined, now: Date = new Date()): string {
  if (text === undefined) return now.toISOString();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const time = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) {
    throw new UsageError(`--as-of "${text}" is not an ISO-8601 timestamp; write it like 2024-06-01 or 2024-06-01T12:00:00Z`);
  }
  return new Date(time).toISOString();
}

/** The global flags as every command sees them, with --project absolute and --as-of parsed. */
export function globals(command: Command): GlobalOptions & { asOfIso: string } {
  const options = command.optsWithGlobals() as GlobalOptions;
  return { ...options, project: path.resolve(options.project), asOfIso: parseAsOf(options.asOf) };
}

export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
