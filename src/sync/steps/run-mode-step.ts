// Step `run-mode` (SPEC §6.1): each definition's mode (full or incremental) and its reason, from
// what the checked state remembers of the run that committed its snapshot; rows_read counted when
// asked. Until the incremental engine evaluates incrementally, every definition is evaluated full
// (exact); the decision is recorded so that the next run, and the engine, read it.
import { runModes, type RunModes } from '../run-modes.js';
import type { Locked } from './lock-step.js';
import type { RunContext, RunStep } from './run-step.js';

export const runModeStep: RunStep<RunContext & Locked, { readonly runModes: RunModes }> = {
  name: 'run-mode',
  // A definition decided incremental runs through the engine (incremental.enabled is on, or it would be `disabled`), which counts its reads.
  run: async ({ request, definitions, stamp }) => ({ runModes: await runModes(request, definitions, stamp.asOf, 'current', true) }),
};
