// Step `guardrail` (SPEC §6): an audience that would lose more than max_exit_fraction of its
// members is blocked: the next steps write neither its calls nor its snapshot.
import type { SyncDefinition } from '../diff-sql.js';
import { definitionSummary, guardrailBreach } from '../guardrail.js';
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
    for (const d of definitions) {
      const c = counts.get(d.name)!;
      const breach = guardrailBreach(project, d, c, request.allowMassExit ?? false);
      summaries.push({ name: d.name, ...definitionSummary(c, breach, 'run') });
      if (breach === null) passing.push(d);
    }
    return { summaries, passing };
  },
};
