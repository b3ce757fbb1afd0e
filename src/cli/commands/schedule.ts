import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { connect, openProject } from '../../evaluation/session.js';
import { loggedRun } from '../../logging/logged-run.js';
import { createLogger, parseLogFormat } from '../../logging/logger.js';
import { lastRuns } from '../../schedule/last-runs.js';
import { schedulePlan } from '../../schedule/schedule-plan.js';
import { Scheduler, stopOnSignals } from '../../schedule/scheduler.js';
import { selectDefinitions } from '../../sync/select.js';
import { globals, UsageError } from '../options.js';

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('long-running: run each definition on its schedule (docs/operating.md); SIGTERM finishes the run in flight, then exits 0')
    .option('--log-format <format>', 'text | json (one JSON object a line; default: json with --json, else text)')
    .action(async (options: { logFormat?: string }, command: Command) => {
      const g = globals(command);
      // schedule's only output is its log: --json asks for it as JSON
      const format = parseLogFormat(options.logFormat ?? (g.json ? 'json' : 'text'));
      if (format === null) throw new UsageError(`--log-format "${options.logFormat}" is not text or json`);
      if (g.json && format !== 'json') throw new UsageError('--json logs JSON, and --log-format text asks for text', 'keep one of them: --json (or --log-format json), or --log-format text');
      const { project } = await openProject(g.project, dialectNamed);
      const only = g.select ? new Set(selectDefinitions(project, g.select)) : undefined;
      const plan = schedulePlan(project, only);
      const logger = createLogger({ format });
      const scheduler = new Scheduler({
        plan,
        logger,
        lastRuns: async () => {
          const connection = await connect(project, dialectNamed);
          try {
            return await lastRuns(connection, project.config.stateSchema);
          } finally {
            await connection.close();
          }
        },
        execute: (job) =>
          loggedRun({
            root: g.project,
            dialects: dialectNamed,
            definitions: job.definitions,
            asOf: job.asOf,
            logger,
            context: { reason: job.reason, attempt: job.attempt },
          }),
      });
      const dispose = stopOnSignals(scheduler, logger);
      try {
        await scheduler.start();
      } finally {
        dispose();
        logger.close();
      }
    });
}
