// The run's scratch tables: `staging` (what the definitions evaluate to now) and `changes` (the
// change set the diff writes once). Both are empty between runs; a run empties them before it
// stages and again before it commits.
import { bin, col, countAll, deleteFrom, isNull, num, select, tableOf } from '../sql/ast.js';
import { type StateWriter, stateRefs, stateTable } from './state-sql.js';

export async function clearStagingArea(w: StateWriter, schema: string): Promise<void> {
  await w.run(deleteFrom(stateRefs(schema).staging));
  await w.run(deleteFrom(stateTable(schema, 'changes')));
}

/** A SQL trait's key staged twice with different values (docs/semantics.md), or null. */
export async function stagedDuplicateKey(w: StateWriter, schema: string): Promise<{ definition: string; entityId: unknown } | null> {
  const staging = stateRefs(schema).staging;
  const rows = await w.rows(
    select({
      columns: [
        { expr: col('definition', 's'), alias: 'definition' },
        { expr: col('entity_id', 's'), alias: 'entity_id' },
      ],
      from: tableOf(staging, 's'),
      where: isNull(col('user_id', 's')),
      groupBy: [col('definition', 's'), col('entity_id', 's')],
      having: bin('>', countAll(), num(1)),
      limit: 1,
    }),
  );
  return rows.length === 0 ? null : { definition: String(rows[0].definition), entityId: rows[0].entity_id };
}
