// Step `outbox` (SPEC §6): one call per change into the outbox, in the transaction that replaces the
// snapshots. Each definition's next snapshot generation goes into its messageIds (snapshot-records.ts).
// Each insert's shared head goes once to outbox_heads, over the sequences the insert wrote.
import { crashPoint } from '../crash.js';
import { outboxInserts } from '../diff-sql.js';
import { changeSetTransitions } from '../change-set-sql.js';
import { writeOutboxHead } from '../outbox-heads.js';
import { nextGenerations, outboxHighWater, readSnapshotRecords } from '../snapshot-records.js';
import { stateRefs, stateTable } from '../state-sql.js';
import type { Guarded } from './guardrail-step.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';
import type { Diffed } from './diff-step.js';

export interface OutboxWritten {
  /** the generation each passing definition's new snapshot gets */
  readonly generations: ReadonlyMap<string, number>;
}

export const outboxStep: RunStep<RunContext & InTransaction & Guarded & Pick<Diffed, 'staged'>, OutboxWritten> = {
  name: 'outbox',
  run: async ({ tx, schema, definitions, passing, stamp, staged }) => {
    const generations = nextGenerations(await readSnapshotRecords(tx, tx.printer, schema), definitions);
    const outbox = stateTable(schema, 'outbox');
    const transitions = changeSetTransitions(stateTable(schema, 'changes'), staged);
    let high = (await outboxHighWater(tx, tx.printer, schema)) ?? 0;
    for (const d of passing) {
      for (const insert of outboxInserts(outbox, stateRefs(schema), d, stamp, generations.get(d.name)!, transitions)) {
        await tx.run(insert.build(high));
        const after = (await outboxHighWater(tx, tx.printer, schema)) ?? 0;
        if (after > high) await writeOutboxHead(tx, schema, { runId: stamp.runId, destination: insert.destination, first: high + 1, last: after, head: insert.head });
        high = after;
        crashPoint('outbox-written');
      }
    }
    return { generations };
  },
};
