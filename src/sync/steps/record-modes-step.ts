// Step `record-modes` (SPEC §6.1): in the commit's transaction, after the snapshots, each replaced
// snapshot's mode, dependency hash, rows_read and last full as_of in `run_modes`; and every
// definition's line of the output gains its mode.
import { modeFields, recordRunModes, type RunModes } from '../run-modes.js';
import type { Guarded } from './guardrail-step.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';

export const recordModesStep: RunStep<RunContext & InTransaction & Guarded & { readonly runModes: RunModes }, Pick<Guarded, 'summaries'>> = {
  name: 'record-modes',
  run: async ({ tx, schema, passing, summaries, runModes, stamp }) => {
    await recordRunModes(tx, schema, passing, runModes.modes, runModes.rowsRead, stamp);
    return { summaries: summaries.map((s) => ({ ...s, ...modeFields(s.name, runModes.modes, runModes.rowsRead) })) };
  },
};
