// Argument parsing and printing only: every command calls into the pipeline and prints what it
// returns. Exit codes (SPEC §7): 0 success, 1 invalid input or a failed run, 2 usage error.
import { Command } from 'commander';
import path from 'node:path';
import { endQuietlyOnClosedPipe, reportFailure } from './failure-report.js';
import { refuseInapplicable } from './global-flags.js';
import { teachHelp } from './help-command.js';
import { UsageError, type GlobalOptions } from './options.js';
import { forgetPrintedJson } from './print.js';
import { quietDependencyWarnings } from '../logging/dependency-log.js';
import { guardStream } from '../secrets/secret-redactor.js';
import { VERSION } from '../version.js';

// Command modules load when the program is built, not when this file is imported: `quorum
// --version` needs none of them, and the warehouse clients behind them take most of a second. A
// command named on the command line loads alone (its module graph is a fraction of all of them,
// which `quorum members` would otherwise pay in every process); help and mistakes load them all.
const COMMANDS: Readonly<Record<string, () => Promise<(program: Command) => void>>> = {
  init: () => import('./commands/init.js').then((m) => m.registerInit),
  validate: () => import('./commands/validate.js').then((m) => m.registerValidate),
  compile: () => import('./commands/compile.js').then((m) => m.registerCompile),
  preview: () => import('./commands/preview.js').then((m) => m.registerPreview),
  members: () => import('./commands/members.js').then((m) => m.registerMembers),
  explain: () => import('./commands/explain.js').then((m) => m.registerExplain),
  test: () => import('./commands/test.js').then((m) => m.registerTest),
  run: () => import('./commands/run.js').then((m) => m.registerRun),
  history: () => import('./commands/history.js').then((m) => m.registerHistory),
  schedule: () => import('./commands/schedule.js').then((m) => m.registerSchedule),
  report: () => import('./commands/report.js').then((m) => m.registerReport),
  state: () => import('./commands/state.js').then((m) => m.registerState),
};

/** Global options that take the next argument as their value (see buildProgram). */
const VALUE_OPTIONS = new Set(['--project', '--as-of']);

/** The command the arguments name, if they name one before anything else; null otherwise. */
export function commandNamed(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (VALUE_OPTIONS.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : null;
  }
  return null;
}

/**
 * `quorum --select x run`: commander's variadic --select takes every word up to the next option
 * as a pattern, the command among them, and then fails on the command's own options. A word after
 * the patterns could be a command or a definition named like one, so this is a usage error that
 * shows the command line with --select moved after the command, not a guess.
 */
export function selectBeforeCommand(args: readonly string[]): UsageError | null {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (VALUE_OPTIONS.has(arg)) i += 1;
    else if (arg === '--select') {
      let end = i + 1;
      while (end < args.length && !args[end].startsWith('-')) end += 1;
      const patterns = args.slice(i + 1, end);
      const at = patterns.findIndex((word) => Object.hasOwn(COMMANDS, word) || word === 'help');
      if (at < 0) return null;
      const rest = [...args.slice(0, i), ...args.slice(i + 1 + at)];
      return new UsageError(
        `--select before the command takes every word after it as a pattern, the command "${patterns[at]}" too`,
        `put --select after the command: quorum ${rest.join(' ')} --select ${patterns.slice(0, at).join(' ')}`,
      );
    } else if (!arg.startsWith('-')) return null;
  }
  return null;
}

export async function buildProgram(only: string | null = null): Promise<Command> {
  const program = new Command('quorum')
    .description('Account-level and user-level audiences and traits, computed inside your warehouse')
    .version(VERSION, '-V, --version')
    .option('--project <dir>', 'the project folder', '.')
    .option('--as-of <timestamp>', 'evaluate at this instant: a date (midnight UTC) or ISO-8601, see `quorum help as-of` (default: now)')
    .option('--json', 'machine-readable output on stdout, logs on stderr')
    .option('--select <patterns...>', 'only these definitions (names, or globs such as at_risk_*)')
    .showHelpAfterError('(add --help for the options and examples)')
    .exitOverride();

  const loaders = only === null ? Object.values(COMMANDS) : [COMMANDS[only]];
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  program.hook('preAction', (_program, action) => refuseInapplicable(action));
  teachHelp(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // Whatever writes to the terminal, a secret of the loaded project is redacted on the way (SPEC §8).
  guardStream(process.stdout);
  guardStream(process.stderr);
  quietDependencyWarnings();
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  endQuietlyOnClosedPipe();
  forgetPrintedJson();
  const program = await buildProgram(commandNamed(args));
  try {
    const misplaced = selectBeforeCommand(args);
    if (misplaced !== null) throw misplaced;
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (cause) {
    const options = program.opts() as Partial<GlobalOptions>;
    // commander may fail before it has parsed --json (an unknown option): read argv as well
    const json = options.json === true || args.includes('--json');
    return reportFailure(cause, { root: path.resolve(options.project ?? '.'), json });
  }
}
