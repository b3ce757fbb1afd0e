// Step `check-state` (SPEC §6 "State integrity"): under the lock, an old state format is upgraded
// and the data checked; a damaged state stops the run before it delivers anything, leftovers too.
import { guardState } from '../state-guard.js';
import type { Locked } from './lock-step.js';
import type { Nothing, RunContext, RunStep } from './run-step.js';

export const checkStateStep: RunStep<RunContext & Locked, Nothing> = {
  name: 'check-state',
  run: async ({ connection, schema, shape }) => {
    await guardState(connection, schema, shape);
    return {};
  },
};
