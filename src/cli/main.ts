// Argument parsing and printing only: every command calls into the pipeline and prints what it
// returns. Exit codes (SPEC §7): 0 success, 1 invalid input or a failed run, 2 usage error.
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { DiagnosticsError, error } from '../diagnostics/diagnostic.js';
import { CommandFailed, UsageError, type GlobalOptions } from './options.js';
import { printDiagnostics } from './print.js';
import { VERSION } from './version.js';

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

export async function buildProgram(only: string | null = null): Promise<Command> {
  const program = new Command('quorum')
    .description('Account-level and user-level audiences and traits, computed inside your warehouse')
    .version(VERSION, '-V, --version')
    .option('--project <dir>', 'the project folder', '.')
    .option('--as-of <timestamp>', 'evaluate at this instant (ISO-8601, UTC); default now')
    .option('--json', 'machine-readable output on stdout, logs on stderr')
    .option('--select <patterns...>', 'only these definitions (names, or globs such as at_risk_*)')
    .showHelpAfterError()
    .exitOverride();

  const loaders = only === null ? Object.values(COMMANDS) : [COMMANDS[only]];
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const program = await buildProgram(commandNamed(args));
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (cause) {
    if (cause instanceof CommanderError) {
      // help and version are "errors" to commander with exit code 0
      return cause.exitCode === 0 ? 0 : 2;
    }
    if (cause instanceof CommandFailed) return 1;
    if (cause instanceof UsageError) {
      process.stderr.write(`error: ${cause.message}\n`);
      return 2;
    }
    if (cause instanceof DiagnosticsError) {
      const root = (program.opts() as GlobalOptions).project ?? '.';
      printDiagnostics(cause.diagnostics, path.resolve(root));
      return 1;
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    printDiagnostics(
      [
        error(
          'warehouse_error',
          null,
          `quorum failed: ${message.split('\n')[0]}`,
          'this looks like a bug in quorum; please report it with the command you ran (QUORUM_DEBUG=1 prints details)',
        ),
      ],
      '.',
    );
    if (process.env.QUORUM_DEBUG) process.stderr.write(`${cause instanceof Error ? cause.stack : ''}\n`);
    return 1;
  }
}
