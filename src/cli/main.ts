// Argument parsing and printing only: every command calls into the pipeline and prints what it
// returns. Exit codes (SPEC §7): 0 success, 1 invalid input or a failed run, 2 usage error.
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { DiagnosticsError, error } from '../diagnostics/diagnostic.js';
import { CommandFailed, UsageError, type GlobalOptions } from './options.js';
import { printDiagnostics } from './print.js';
import { VERSION } from './version.js';
import { registerInit } from './commands/init.js';
import { registerValidate } from './commands/validate.js';
import { registerCompile } from './commands/compile.js';
import { registerPreview } from './commands/preview.js';
import { registerMembers } from './commands/members.js';
import { registerExplain } from './commands/explain.js';
import { registerTest } from './commands/test.js';
import { registerRun } from './commands/run.js';
import { registerHistory } from './commands/history.js';
import { registerSchedule } from './commands/schedule.js';
import { registerReport } from './commands/report.js';

export function buildProgram(): Command {
  const program = new Command('quorum')
    .description('Account-level and user-level audiences and traits, computed inside your warehouse')
    .version(VERSION, '-V, --version')
    .option('--project <dir>', 'the project folder', '.')
    .option('--as-of <timestamp>', 'evaluate at this instant (ISO-8601, UTC); default now')
    .option('--json', 'machine-readable output on stdout, logs on stderr')
    .option('--select <patterns...>', 'only these definitions (names, or globs such as at_risk_*)')
    .showHelpAfterError()
    .exitOverride();

  registerInit(program);
  registerValidate(program);
  registerCompile(program);
  registerPreview(program);
  registerMembers(program);
  registerExplain(program);
  registerTest(program);
  registerRun(program);
  registerHistory(program);
  registerSchedule(program);
  registerReport(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
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
