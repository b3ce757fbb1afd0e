// Step `lock`: two runs never overlap on one state schema (SPEC §6). The lock is a row in the state,
// so a first run creates the state (state-guard.ts `openState`) before it can take it.
import { acquireLock, lockTtlFromEnv, type LockHandle } from '../lock.js';
import type { StateShape } from '../state-format.js';
import { openState } from '../state-guard.js';
import type { RunContext, RunStep } from './run-step.js';

export interface Locked {
  readonly lock: LockHandle;
  /** the state as the catalog showed it before the lock: checked under the lock next */
  readonly shape: StateShape;
}

export const lockStep: RunStep<RunContext, Locked> = {
  name: 'lock',
  crashPoint: 'lock-acquired',
  run: async ({ connection, schema, stamp, request, onExit }) => {
    const shape = await openState(connection, schema);
    const lock = await acquireLock(connection, schema, stamp.runId, { ttlSeconds: request.lockTtlSeconds ?? lockTtlFromEnv() });
    onExit(() => lock.release());
    return { lock, shape };
  },
};
