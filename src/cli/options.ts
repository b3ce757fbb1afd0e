import { InvalidArgumentError, type Command } from 'commander';
import { didYouMean } from '../definitions/did-you-mean.js';
import path from 'node:path';
import { AS_OF_FORMAT, readAsOf } from './as-of.js';

export interface GlobalOptions {
  readonly project: string;
  readonly asOf?: string;
  readonly json?: boolean;
  readonly select?: string[];
}

/** A mistake in the command line itself: exit code 2, printed as error[usage] with its hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

/** The command has already reported why it failed (e.g. failing test cases): exit code 1, nothing more to print. */
export class CommandFailed extends Error {}

export function parseAsOf(text: string | undefined, now: Date = new Date()): string {
  if (text === undefined) return now.toISOString();
  const read = readAsOf(text);
  if ('problem' in read) throw new UsageError(`--as-of "${text}" ${read.problem}.`, `write ${AS_OF_FORMAT}; quorum help as-of says more`);
  return read.iso;
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

/** An option's parser that takes one of `allowed`, and suggests the closest when it is misspelt. */
export function oneOf(allowed: readonly string[]): (value: string) => string {
  return (value) => {
    if (allowed.includes(value)) return value;
    const suggestion = didYouMean(value, allowed);
    throw new InvalidArgumentError(`"${value}" is not one of ${allowed.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`);
  };
}
