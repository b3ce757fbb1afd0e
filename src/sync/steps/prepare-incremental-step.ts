// Step `prepare-incremental`: an incremental run's state tables (partials, facts, bookkeeping) are
// created before the run's transaction, like the other state tables: some warehouses commit on DDL.
import { ensureIncrementalTables } from '../../incremental/evaluate-incremental.js';
import type { Nothing, RunContext, RunStep } from './run-step.js';

export const prepareIncrementalStep: RunStep<RunContext, Nothing> = {
  name: 'prepare-incremental',
  run: async ({ request, connection, plan, schema }) => {
    if (request.incremental !== undefined) await ensureIncrementalTables(connection, { plan, stateSchema: schema, settings: request.incremental.settings });
    return {};
  },
};
