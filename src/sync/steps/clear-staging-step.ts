// Step `clear-staging`: the scratch tables are empty again before COMMIT, so a committed state
// never holds a half-used staging area, nor an incremental run's dirty keys.
import { clearCoveredEntities } from '../../incremental/entity-scope.js';
import { clearStagingArea } from '../staging-area.js';
import type { Evaluated } from './evaluate-step.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';

export const clearStagingStep: RunStep<RunContext & InTransaction & Partial<Pick<Evaluated, 'covered'>>, Nothing> = {
  name: 'clear-staging',
  crashPoint: 'staging-cleared',
  run: async ({ tx, schema, covered, request }) => {
    await clearStagingArea(tx, schema);
    if (covered !== undefined && covered !== null && request.keepDirtyKeys !== true) await clearCoveredEntities(tx, covered);
    return {};
  },
};
