// Step `clear-staging`: the scratch tables are empty again before COMMIT, so a committed state
// never holds a half-used staging area.
import { clearStagingArea } from '../staging-area.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';

export const clearStagingStep: RunStep<RunContext & InTransaction, Nothing> = {
  name: 'clear-staging',
  crashPoint: 'staging-cleared',
  run: async ({ tx, schema }) => {
    await clearStagingArea(tx, schema);
    return {};
  },
};
