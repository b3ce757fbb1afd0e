// Step `diff` (SPEC §6): the difference against the previous snapshots, computed in the warehouse
// and written once as the change set, then counted per definition.
import { changeSetCountsQuery, changeSetInsert } from '../change-set-sql.js';
import { readCounts, type DefinitionCounts } from '../diff-sql.js';
import { stateRefs, stateTable } from '../state-sql.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';

export interface Diffed {
  readonly counts: ReadonlyMap<string, DefinitionCounts>;
}

export const diffStep: RunStep<RunContext & InTransaction, Diffed> = {
  name: 'diff',
  stage: { stage: 'diff' },
  crashPoint: 'counted',
  run: async ({ tx, schema, definitions }) => {
    const refs = stateRefs(schema);
    const changes = stateTable(schema, 'changes');
    await tx.run(changeSetInsert(refs, changes, definitions));
    return { counts: readCounts(await tx.rows(changeSetCountsQuery(refs, changes, definitions)), definitions) };
  },
};
