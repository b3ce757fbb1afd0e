// `quorum run` (SPEC §6): compile, then the steps of steps/run-steps.ts. They evaluate inside the
// warehouse, diff against the previous snapshot inside the warehouse, write the changes to the
// outbox and replace the snapshot in one transaction, then deliver. Undelivered calls of earlier
// runs go out first, with their original messageIds. A dry run takes none of the steps (dry-run.ts).
import { randomBytes } from 'node:crypto';
import type { Project } from '../definitions/model.js';
import type { Destination, DestinationOptions } from '../destinations/destination.js';
import { openDestination } from '../destinations/open-destination.js';
import { planFor } from '../evaluation/evaluate.js';
import type { RunStamp } from './diff-sql.js';
import { dryRun } from './dry-run.js';
import type { RunOutput, RunRequest } from './run-types.js';
import { StateWriter } from './state-sql.js';
import { RUN_STEPS } from './steps/run-steps.js';
import { ExitWork } from './steps/step-list.js';
import { syncDefinitions } from './run-definitions.js';

export type { DefinitionSummary, RunOutput, RunRequest, RunStage, RunWarning } from './run-types.js';
export type { LockHandle } from './lock.js';
export { lockTtlFromEnv } from './lock.js';
export { syncDefinitions } from './run-definitions.js';

export function newRunId(now = new Date()): string {
  return `r${now.toISOString().replace(/[-:.]/g, '').replace('T', 't').toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

export async function run(request: RunRequest): Promise<RunOutput> {
  const { connection, project } = request;
  const now = new Date();
  const stamp: RunStamp = {
    runId: request.runId ?? newRunId(now),
    asOf: new Date(request.asOf).toISOString(),
    now: now.toISOString(),
    namespace: project.config.personas.namespace,
    spaceId: project.config.personas.spaceId,
  };
  request.onStage?.('compile');
  const plan = planFor({ project, catalog: request.catalog, asOf: stamp.asOf, targets: request.definitions });
  const definitions = syncDefinitions(project, plan);
  if (request.dryRun) return dryRun(request, plan, definitions, stamp);

  const destinations = request.destinations ?? openAll(project, request.destinationOptions);
  const exits = new ExitWork();
  try {
    const done = await RUN_STEPS.run(
      {
        request,
        connection,
        project,
        schema: project.config.stateSchema,
        stamp,
        plan,
        definitions,
        destinations,
        writer: new StateWriter(connection.dialect.printer, connection),
        log: request.log ?? (() => undefined),
        onExit: exits.add,
      },
      exits,
    );
    return done.output;
  } finally {
    if (!request.destinations) for (const d of destinations.values()) await d.close();
  }
}

function openAll(project: Project, options: DestinationOptions | undefined): Map<string, Destination> {
  return new Map(Object.entries(project.config.destinations).map(([name, config]) => [name, openDestination(name, config, project.root, options)]));
}
