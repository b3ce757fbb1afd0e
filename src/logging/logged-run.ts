// One `quorum run` with every stage logged and timed: load (read the YAML), validate (connect,
// read the catalog, check the definitions against it), then compile, execute, diff and deliver
// inside run(). What `quorum schedule` calls for each run.
import { checkProject } from '../definitions/check-references.js';
import { loadProject, sortDiagnostics } from '../definitions/load-project.js';
import { DiagnosticsError } from '../diagnostics/diagnostic.js';
import type { Destination, DestinationOptions } from '../destinations/destination.js';
import { readCatalog } from '../evaluation/evaluate.js';
import { connect, type DialectLookup } from '../evaluation/session.js';
import { run, type RunOutput, type RunRequest, type RunStage } from '../sync/run.js';
import type { Logger } from './logger.js';

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

/** Times consecutive stages: each begins when the previous one ends. */
class StageClock {
  private current: { stage: string; detail?: string; start: number } | null = null;
  constructor(private readonly logger: Logger) {}

  begin(stage: 'load' | 'validate' | RunStage, detail?: string): void {
    this.end();
    this.current = { stage, detail, start: performance.now() };
    this.logger.status(`${stage}${detail ? ` (${detail})` : ''}`);
  }

  end(fields: Record<string, unknown> = {}): void {
    if (!this.current) return;
    const { stage, detail, start } = this.current;
    this.current = null;
    const code = `stage.${stage}` as const;
    this.logger.event('info', code as Parameters<Logger['event']>[1], detail ?? '', {
      ms: Math.round(performance.now() - start),
      ...fields,
    });
  }
}

export async function loggedRun(request: LoggedRunRequest): Promise<RunOutput> {
  const { logger } = request;
  const clock = new StageClock(logger);
  clock.begin('load');
  const loaded = await loadProject(request.root);
  if (loaded.diagnostics.some((d) => d.severity === 'error')) {
    clock.end({ failed: true });
    throw new DiagnosticsError(sortDiagnostics(loaded.diagnostics));
  }
  const project = loaded.project!;
  const known = new Set(project.definitions.map((d) => d.name));
  const definitions = request.definitions.filter((n) => known.has(n));
  const gone = request.definitions.filter((n) => !known.has(n));
  clock.end({ definitions: project.definitions.length });
  if (gone.length > 0) logger.event('warn', 'run.progress', 'definitions no longer in the project are skipped', { skipped: gone });

  clock.begin('validate');
  const connection = await connect(project, request.dialects);
  try {
    const catalog = await readCatalog(connection, project);
    const diagnostics = [...loaded.diagnostics, ...checkProject(project, catalog)];
    if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(sortDiagnostics(diagnostics));
    clock.end();

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
      onStage: (stage, detail) => clock.begin(stage, detail),
    };
    const output = await run(runRequest);
    clock.end();
    const failed = output.definitions.some((d) => d.status === 'blocked') || Object.values(output.failed).some((n) => n > 0);
    logger.event(
      failed ? 'warn' : 'info',
      failed ? 'run.failed' : 'run.succeeded',
      failed ? output.errors.concat(output.definitions.filter((d) => d.message).map((d) => d.message!)).join('; ') : '',
      {
        ms: Math.round(performance.now() - started),
        run_id: output.run_id,
        as_of: output.as_of,
        definitions: output.definitions.map(
          (d) => `${d.name}:${d.size}+${d.entered}-${d.exited}~${d.changed}${d.status === 'blocked' ? ':blocked' : ''}`,
        ),
        delivered: output.delivered,
        failed: output.failed,
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
