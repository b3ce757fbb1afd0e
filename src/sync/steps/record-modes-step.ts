// Step `record-modes` (SPEC §6.1): in the commit's transaction, after the snapshots, each replaced
// snapshot's mode, dependency hash, rows_read and last full as_of in `run_modes`; and every
// definition's line of the output gains its mode. When the incremental engine evaluated the run,
// a definition decided incremental that the engine still read in full says so (`not_incremental`),
// and rows_read is what the engine's statements read.
import type { DefinitionSummary } from '../run-types.js';
import { modeFields, recordRunModes, type RunModes } from '../run-modes.js';
import type { Evaluated } from './evaluate-step.js';
import type { Guarded } from './guardrail-step.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';

export const recordModesStep: RunStep<RunContext & InTransaction & Guarded & Evaluated & { readonly runModes: RunModes }, Pick<Guarded, 'summaries'>> = {
  name: 'record-modes',
  run: async ({ tx, schema, passing, summaries, runModes, stamp, incrementalSummary }) => {
    const engine = new Map((incrementalSummary?.definitions ?? []).map((d) => [d.name, d]));
    // A definition decided incremental reports what the engine's statements read, a full one what
    // its statement reads; both are counted on request only (run-modes.ts, incremental-stage.ts).
    const rowsRead = new Map(runModes.rowsRead);
    for (const d of engine.values()) if (runModes.modes.get(d.name)?.mode === 'incremental' && d.rowsRead !== null) rowsRead.set(d.name, d.rowsRead);
    await recordRunModes(tx, schema, passing, runModes.modes, rowsRead, stamp);
    return {
      summaries: summaries.map((s): DefinitionSummary => {
        const fields = modeFields(s.name, runModes.modes, rowsRead);
        const byEngine = engine.get(s.name);
        const readInFull = fields.mode === 'incremental' && byEngine !== undefined && byEngine.mode === 'full';
        // SPEC §6.1: a part read in full each run is said, with why, in the run's summary
        const detail = readInFull && byEngine.reasons.length > 0 ? { mode_detail: byEngine.reasons.join('; ') } : {};
        return { ...s, ...fields, ...(readInFull ? { mode: 'full' as const, mode_reason: 'not_incremental' as const, ...detail } : {}) };
      }),
    };
  },
};
