// Step `summarise`: the run row says what this transaction wrote, so `quorum history` is right even
// if the process dies before it finishes delivering (and state-history.ts reads generations from it).
import { recordRunSummary } from '../run-records.js';
import type { Guarded } from './guardrail-step.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';

export const summariseStep: RunStep<RunContext & InTransaction & Guarded, Nothing> = {
  name: 'summarise',
  crashPoint: 'run-summarised',
  run: async ({ tx, schema, stamp, summaries }) => {
    await recordRunSummary(tx, schema, { run_id: stamp.runId, as_of: stamp.asOf, dry_run: false, definitions: summaries, delivered: {}, failed: {}, errors: [] });
    return {};
  },
};
