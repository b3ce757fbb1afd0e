// Step `guardrail` (SPEC §6): an audience that would lose more than max_exit_fraction of its
// members is blocked, and so is every audience that reads it: the next steps write neither their
// calls nor their snapshots.
import type { SyncDefinition } from '../diff-sql.js';
import { definitionSummary, guardrailBreaches } from '../guardrail.js';
import type { DefinitionSummary } from '../run-types.js';
import type { Diffed } from './diff-step.js';
import type { RunContext, RunStep } from './run-step.js';

export interface Guarded {
  /** every definition's line of the output, blocked ones included */
  readonly summaries: DefinitionSummary[];
  /** the definitions not blocked: their calls go to the outbox and their snapshots are replaced */
  readonly passing: readonly SyncDefinition[];
}

export const guardrailStep: RunStep<RunContext & Diffed, Guarded> = {
  name: 'guardrail',
  run: async ({ project, definitions, counts, request }) => {
    const summaries: DefinitionSummary[] = [];
    const passing: SyncDefinition[] = [];
    const breaches = guardrailBreaches(project, definitions, counts, request.allowMassExit ?? false);
    for (const d of definitions) {
      const breach = breaches.get(d.name) ?? null;
      summaries.push({ name: d.name, ...definitionSummary(counts.get(d.name)!, breach, 'run') });
      if (breach === null) passing.push(d);
    }
    return { summaries, passing };
  },
};
