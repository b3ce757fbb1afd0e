// Step `outbox` (SPEC §6): one call per change into the outbox, in the transaction that replaces the
// snapshots. Each definition's next snapshot generation goes into its messageIds (snapshot-records.ts).
// Each insert's shared head goes once to outbox_heads, over the sequences the insert wrote. A first
// run's entered calls of a user-level definition are one outbox_generations row instead of an
// insert (outbox-generations.ts): the same sequences, rebuilt from the snapshot when read.
import { crashPoint } from '../crash.js';
import { outboxInserts, type OutboxInsert } from '../diff-sql.js';
import { and, bin, col, num, select, str, tableOf, type Statement } from '../../sql/ast.js';
import { changeSetTransitions } from '../change-set-sql.js';
import { writeOutboxGeneration } from '../outbox-generations.js';
import { writeOutboxHead } from '../outbox-heads.js';
import { nextGenerations, outboxHighWater, readSnapshotRecords } from '../snapshot-records.js';
import { everyoneEntered, recordSnapshotTargets } from '../snapshot-targets.js';
import type { RunModes } from '../run-modes.js';
import { stateRefs, stateTable, type StateWriter } from '../state-sql.js';
import type { Guarded } from './guardrail-step.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';
import type { Diffed } from './diff-step.js';

export interface OutboxWritten {
  /** the generation each passing definition's new snapshot gets */
  readonly generations: ReadonlyMap<string, number>;
}

/**
 * The most rows one outbox statement numbers. A larger insert is written in slices of entities,
 * each a top-N of at most this many rows, so DuckDB's working memory follows the slice, not the
 * change set; an insert of this size or less (every insert of the SF 1 bench: its largest is
 * 100,000) stays one statement.
 */
export const OUTBOX_SLICE_ROWS = 100_000;

export const outboxStep: RunStep<RunContext & InTransaction & Guarded & Pick<Diffed, 'staged'> & Partial<Pick<Diffed, 'counts'>> & { readonly runModes?: Pick<RunModes, 'newTargets'> }, OutboxWritten> = {
  name: 'outbox',
  run: async ({ request, tx, schema, definitions, passing, stamp, staged, counts, runModes }) => {
    const sliceRows = request.outboxSliceRows ?? OUTBOX_SLICE_ROWS;
    const generations = nextGenerations(await readSnapshotRecords(tx, tx.printer, schema), definitions);
    const outbox = stateTable(schema, 'outbox');
    const refs = stateRefs(schema);
    const transitions = changeSetTransitions(stateTable(schema, 'changes'), staged);
    let high = (await outboxHighWater(tx, tx.printer, schema)) ?? 0;
    for (const d of passing) {
      // A destination new to the definition is told every current member; the others, the changes.
      const fresh = runModes?.newTargets.get(d.name) ?? new Set<string>();
      const told = { ...d, targets: d.targets.filter((t) => !fresh.has(t.destination)) };
      const backfilled = { ...d, targets: d.targets.filter((t) => fresh.has(t.destination)) };
      const inserts = [
        ...outboxInserts(outbox, refs, told, stamp, generations.get(d.name)!, transitions).map((insert) => ({ insert, expected: counts?.get(d.name)?.[insert.transition] })),
        // every staged entity enters (so a large one is written in slices), nothing exits or changes
        ...outboxInserts(outbox, refs, backfilled, stamp, generations.get(d.name)!, everyoneEntered(refs)).map((insert) => ({
          insert,
          expected: insert.transition === 'entered' ? counts?.get(d.name)?.size : 0,
        })),
      ];
      for (const { insert, expected } of inserts) {
        // Nothing to write (a first run's exits and changes, say): the insert and its high-water read are not sent.
        if (expected === 0 && insert.byEntity) continue;
        const after =
          insert.generation !== null && expected !== undefined && request.outboxByGeneration !== false
            ? await writeGeneration(tx, schema, insert, insert.generation, d.name, stamp, high, expected)
            : await writeOutboxInsert(tx, schema, insert, high, expected ?? 0, sliceRows);
        if (after > high) await writeOutboxHead(tx, schema, { runId: stamp.runId, destination: insert.destination, first: high + 1, last: after, head: insert.head });
        high = after;
        crashPoint('outbox-written');
      }
    }
    await recordSnapshotTargets(tx, schema, passing, stamp.runId);
    return { generations };
  },
};

/**
 * A first run's insert as one record of its `entered` calls, sequences `high + 1` to `high + rows`:
 * `rows` is the diff's count of the definition's staged entities, every one of which entered.
 */
async function writeGeneration(
  tx: StateWriter,
  schema: string,
  insert: OutboxInsert,
  generation: NonNullable<OutboxInsert['generation']>,
  definition: string,
  stamp: { readonly runId: string; readonly now: string },
  high: number,
  rows: number,
): Promise<number> {
  if (rows === 0) return high;
  await writeOutboxGeneration(tx, schema, {
    runId: stamp.runId,
    destination: insert.destination,
    first: high + 1,
    last: high + rows,
    definition,
    callType: generation.callType,
    withValue: generation.withValue,
    createdAt: stamp.now,
  });
  return high + rows;
}

/**
 * One insert's rows after the sequence `high`, given about how many rows it has; the new high-water
 * mark. Above `sliceRows` rows, in slices of equal size by entity where the insert allows it.
 */
export async function writeOutboxInsert(tx: StateWriter, schema: string, insert: OutboxInsert, high: number, expectedRows: number, sliceRows = OUTBOX_SLICE_ROWS): Promise<number> {
  if (insert.slice === null || expectedRows <= sliceRows) return writeWhole(tx, schema, insert.build(high), high);
  return writeSliced(tx, schema, insert.destination, insert.slice, high, Math.ceil(expectedRows / Math.ceil(expectedRows / sliceRows)));
}

async function writeWhole(tx: StateWriter, schema: string, statement: Statement, high: number): Promise<number> {
  await tx.run(statement);
  return (await outboxHighWater(tx, tx.printer, schema)) ?? high;
}

/**
 * The insert's rows, `limit` at a time in entity order, each slice after the last entity the one
 * before wrote (the row at the high-water mark): the same rows and sequences as one statement, in
 * the same transaction. Ends at the first slice that writes fewer than `limit` rows.
 */
async function writeSliced(tx: StateWriter, schema: string, destination: string, slice: NonNullable<OutboxInsert['slice']>, high: number, limit: number): Promise<number> {
  let last: string | null = null;
  for (;;) {
    const base = high;
    high = await writeWhole(tx, schema, slice(base, last, limit), base);
    if (high - base < limit) return high;
    last = await entityAtSequence(tx, schema, destination, high);
    crashPoint('outbox-slice-written');
  }
}

async function entityAtSequence(tx: StateWriter, schema: string, destination: string, sequence: number): Promise<string> {
  const rows = await tx.rows(
    select({
      columns: [{ expr: col('entity_id'), alias: 'entity_id' }],
      from: tableOf(stateTable(schema, 'outbox')),
      where: and(bin('=', col('destination'), str(destination)), bin('=', col('sequence'), num(sequence))),
    }),
  );
  if (rows.length !== 1) throw new Error(`internal error: ${rows.length} outbox rows at sequence ${sequence} of ${destination}`);
  return String(rows[0].entity_id);
}
