// One `quorum run` with every stage logged and timed: load (read the YAML), validate (connect,
// read the catalog, check the definitions against it), then compile, execute, diff and deliver
// inside run(). What `quorum schedule` calls for each run.
import type { Destination, DestinationOptions } from '../destinations/destination.js';
import type { DialectLookup } from '../evaluation/session.js';
import { tooLargeProblems } from '../sync/delivery-problems.js';
import type { RunOutput, RunRequest } from '../sync/run.js';
import { runThenVerify } from '../sync/run-and-verify.js';
import type { Logger } from './logger.js';
import { StageClock } from './stage-clock.js';
import { openTimedSession } from './timed-session.js';

export interface LoggedRunRequest {
  readonly root: string;
  readonly dialects: DialectLookup;
  /** Definitions to run; names the project no longer has are left out (and said so). */
  readonly definitions: readonly string[];
  readonly asOf: string;
  readonly logger: Logger;
  readonly allowMassExit?: boolean;
  readonly destinations?: ReadonlyMap<string, Destination>;
  readonly destinationOptions?: DestinationOptions;
  /** Extra fields on run.* events (e.g. the scheduler's reason). */
  readonly context?: Record<string, unknown>;
}

export async function loggedRun(request: LoggedRunRequest): Promise<RunOutput> {
  const { logger } = request;
  const clock = new StageClock(logger);
  const { project, connection, catalog } = await openTimedSession(request.root, request.dialects, clock);
  try {
    const known = new Set(project.definitions.map((d) => d.name));
    const definitions = request.definitions.filter((n) => known.has(n));
    const gone = request.definitions.filter((n) => !known.has(n));
    if (gone.length > 0) logger.event('warn', 'run.progress', 'definitions no longer in the project are skipped', { skipped: gone });

    const started = performance.now();
    logger.event('info', 'run.started', '', { as_of: request.asOf, definitions, ...request.context });
    const runRequest: RunRequest = {
      connection,
      project,
      catalog,
      asOf: request.asOf,
      definitions,
      allowMassExit: request.allowMassExit,
      destinations: request.destinations,
      destinationOptions: request.destinationOptions,
      log: (line) => logger.event('debug', 'run.progress', line),
      onWarning: (w) => logger.event('warn', w.code, w.message, w.fields),
      onStage: (stage, detail) => clock.begin(stage, detail),
    };
    const output = await runThenVerify(runRequest);
    clock.end();
    const failed = output.definitions.some((d) => d.status === 'blocked') || Object.values(output.failed).some((n) => n > 0);
    logger.event(
      failed ? 'warn' : 'info',
      failed ? 'run.failed' : 'run.succeeded',
      failed ? [...output.errors, ...tooLargeProblems(output, project).map((d) => d.message), ...output.definitions.filter((d) => d.message).map((d) => d.message!)].join('; ') : '',
      {
        ms: Math.round(performance.now() - started),
        run_id: output.run_id,
        as_of: output.as_of,
        definitions: output.definitions.map(
          (d) => `${d.name}:${d.size}+${d.entered}-${d.exited}~${d.changed}${d.status === 'blocked' ? ':blocked' : ''}`,
        ),
        delivered: output.delivered,
        failed: output.failed,
        ...(output.too_large ? { too_large: output.too_large.length } : {}),
        ...request.context,
      },
    );
    return output;
  } finally {
    clock.end({ failed: true }); // only when a stage threw; a finished one has ended already
    logger.status(null);
    await connection.close();
  }
}
