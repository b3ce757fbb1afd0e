// Step `snapshot`: the passing definitions' snapshots replaced from the change set, and their
// records (generation, row counts: what the next run's state check compares) written.
import { crashPoint } from '../crash.js';
import { replaceSnapshots } from '../diff-sql.js';
import { recordSnapshots } from '../snapshot-records.js';
import { stateRefs, stateTable } from '../state-sql.js';
import type { Guarded } from './guardrail-step.js';
import type { OutboxWritten } from './outbox-step.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';
import type { Diffed } from './diff-step.js';
import type { Evaluated } from './evaluate-step.js';

export const snapshotStep: RunStep<RunContext & InTransaction & Guarded & OutboxWritten & Pick<Diffed, 'staged'> & Partial<Diffed & Pick<Evaluated, 'covered'>>, Nothing> = {
  name: 'snapshot',
  crashPoint: 'snapshots-written',
  run: async ({ tx, schema, passing, stamp, generations, covered, counts, staged }) => {
    const replace = replaceSnapshots(stateRefs(schema), stateTable(schema, 'changes'), stateTable(schema, 'snapshot_runs'), passing, stamp, staged);
    for (const [i, statement] of replace.entries()) {
      await tx.run(statement);
      if (i === 0) crashPoint('snapshots-deleted');
    }
    // A covered definition's staging holds its covered entities only: its size is the diff's (covered-sql.ts).
    const sizes = new Map((covered?.definitions ?? []).map((name) => [name, counts?.get(name)?.size ?? 0]));
    await recordSnapshots(tx, tx, schema, passing, stamp, generations, sizes);
    return {};
  },
};
