import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { DiagnosticsError, diagnostic } from '../../diagnostics/diagnostic.js';
import type { Project } from '../../definitions/model.js';
import type { Session } from '../../evaluation/session.js';
import { commandLogger, parseLogFormat } from '../../logging/logger.js';
import { StageClock } from '../../logging/stage-clock.js';
import { openTimedSession } from '../../logging/timed-session.js';
import { type RunOutput, type RunStage, type RunWarning } from '../../sync/run.js';
import { deliveryProblems, waitingCalls } from '../../sync/delivery-problems.js';
import { runThenVerify } from '../../sync/run-and-verify.js';
import { selectDefinitions } from '../../sync/select.js';
import { globals, UsageError } from '../options.js';
import { printJson } from '../print.js';
import { terminalText } from '../terminal-text.js';

/**
 * Where the human summary goes: standard error when a stdout destination may write calls to
 * standard output in this run (delivery sends every configured destination's waiting calls,
 * whichever definitions are selected), so that `quorum run | jq` reads calls and nothing else.
 */
function summaryStream(project: Project, dryRun: boolean): NodeJS.WritableStream {
  const callsOnStdout = !dryRun && Object.values(project.config.destinations).some((d) => d.type === 'stdout');
  return callsOnStdout ? process.stderr : process.stdout;
}

function printRun(output: RunOutput, warnings: readonly RunWarning[], stream: NodeJS.WritableStream): void {
  const out: string[] = [];
  out.push(`${output.dry_run ? 'dry run (nothing written, nothing delivered)' : `run ${output.run_id}`} as of ${output.as_of}`);
  const width = Math.max(10, ...output.definitions.map((d) => d.name.length));
  out.push(`  ${'definition'.padEnd(width)}  ${'size'.padStart(8)}  ${'entered'.padStart(8)}  ${'exited'.padStart(8)}  ${'changed'.padStart(8)}  mode`);
  for (const d of output.definitions) {
    const flag = d.status === 'blocked' ? '  BLOCKED' : '';
    const reason = d.mode_reason && d.mode_reason !== 'incremental' ? ` (${d.mode_reason.replace(/_/g, ' ')}${d.mode_detail ? `: ${d.mode_detail}` : ''})` : '';
    const mode = d.mode === undefined ? '' : `  ${d.mode}${reason}${typeof d.rows_read === 'number' ? `, ${d.rows_read} rows read` : ''}`;
    out.push(`  ${d.name.padEnd(width)}  ${String(d.size).padStart(8)}  ${String(d.entered).padStart(8)}  ${String(d.exited).padStart(8)}  ${String(d.changed).padStart(8)}${mode}${flag}`);
    if (d.sample) {
      for (const [transition, ids] of Object.entries(d.sample)) {
        if (ids.length > 0) out.push(`    ${transition}: ${ids.map(terminalText).join(', ')}${ids.length >= 10 ? ', ...' : ''}`);
      }
    }
  }
  const destinations = new Set([...Object.keys(output.delivered), ...Object.keys(output.failed)]);
  if (destinations.size > 0) {
    out.push('', 'delivery:');
    for (const name of [...destinations].sort()) {
      const waiting = waitingCalls(output, name);
      const tooLarge = (output.failed[name] ?? 0) - waiting;
      out.push(
        `  ${name}: ${output.delivered[name] ?? 0} delivered${waiting > 0 ? `, ${waiting} waiting in the outbox` : ''}${tooLarge > 0 ? `, ${tooLarge} set aside as too large (never sent)` : ''}`,
      );
    }
  }
  for (const e of output.errors) out.push(`note: ${e}`);
  for (const w of warnings) out.push(`warning[${w.code}]: ${w.message}${Object.entries(w.fields).map(([key, value]) => `; ${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`).join('')}`);
  stream.write(`${out.join('\n')}\n`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .argument('[names...]', 'definitions to run (default: all; --select takes globs)')
    .description('evaluate, diff against the previous run in the warehouse, write state, deliver the changes')
    .option('--dry-run', 'print the diff; write and deliver nothing')
    .option('--allow-mass-exit', 'let audiences lose more than max_exit_fraction of their members')
    .option('--full', 'recompute every definition from all of history instead of incrementally (SPEC §6.1)')
    .option('--log-format <format>', 'stage events with timings on stderr: text | json (default: text on a terminal, none when piped)')
    .action(async (names: string[], options: { dryRun?: boolean; allowMassExit?: boolean; full?: boolean; logFormat?: string }, command: Command) => {
      const g = globals(command);
      const format = options.logFormat === undefined ? undefined : parseLogFormat(options.logFormat);
      if (format === null) throw new UsageError(`--log-format "${options.logFormat}" is not text or json`);
      const logger = commandLogger({ format, json: g.json });
      const clock = new StageClock(logger);
      let output: RunOutput;
      let session: Session;
      const warnings: RunWarning[] = [];
      try {
        session = await openTimedSession(g.project, dialectNamed, clock);
        try {
          const definitions = selectDefinitions(session.project, [...names, ...(g.select ?? [])]);
          const log = (line: string) => logger.event('debug', 'run.progress', line);
          // Also in the summary: without --log-format a piped run (cron, CI) logs nothing.
          const onWarning = (w: RunWarning) => {
            warnings.push(w);
            logger.event('warn', w.code, w.message, w.fields);
          };
          const onStage = (stage: RunStage, detail?: string) => clock.begin(stage, detail);
          // rows_read costs a COUNT per source table: counted for machine-readable output only
          const countRowsRead = g.json === true || format === 'json';
          output = await runThenVerify({ ...session, asOf: g.asOfIso, definitions, dryRun: options.dryRun, allowMassExit: options.allowMassExit, full: options.full, countRowsRead, log, onWarning, onStage, destinationOptions: { stdoutReserved: g.json === true } });
          clock.end();
        } finally {
          clock.end({ failed: true }); // only when a stage threw
          await session.close();
        }
      } finally {
        logger.close();
      }
      if (g.json) printJson(warnings.length > 0 ? { ...output, warnings } : output);
      else printRun(output, warnings, summaryStream(session.project, options.dryRun === true));
      const problems = [
        ...output.definitions
          .filter((d) => d.status === 'blocked' && !output.dry_run)
          .map((d) => diagnostic('mass_exit', { definition: d.name, detail: d.message ?? null }, session.project.definitions.find((x) => x.name === d.name)?.loc ?? null)),
        ...deliveryProblems(output, session.project),
      ];
      if (problems.length > 0) throw new DiagnosticsError(problems);
    });
}
