// Step `prune` (prune.ts): delivered calls past the retention leave the outbox. A failure to prune
// costs space, not correctness: it is reported and the run goes on.
import { pruneOutbox } from '../prune.js';
import type { RunContext, RunStep } from './run-step.js';

export const pruneStep: RunStep<RunContext, { readonly pruneErrors: readonly string[] }> = {
  name: 'prune',
  run: async ({ writer, schema, project }) => {
    try {
      await pruneOutbox(writer, schema, project.config.outboxRetentionDays);
      return { pruneErrors: [] };
    } catch (cause) {
      return { pruneErrors: [`the outbox was not pruned: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`] };
    }
  },
};
