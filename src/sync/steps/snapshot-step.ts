// Step `snapshot`: the passing definitions' snapshots replaced from the change set, and their
// records (generation, row counts: what the next run's state check compares) written.
import { crashPoint } from '../crash.js';
import { keepChangedEntities } from '../outbox-generations.js';
import { definitionSnapshotWrites } from '../snapshot-delta-sql.js';
import { recordSnapshots } from '../snapshot-records.js';
import { inList, stateRefs, stateTable, toNumber, type StateWriter } from '../state-sql.js';
import { col, countAll, select, tableOf } from '../../sql/ast.js';
import type { Guarded } from './guardrail-step.js';
import type { OutboxWritten } from './outbox-step.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';
import type { Diffed } from './diff-step.js';
import type { Evaluated } from './evaluate-step.js';

export const snapshotStep: RunStep<RunContext & InTransaction & Guarded & OutboxWritten & Pick<Diffed, 'staged'> & Partial<Diffed & Pick<Evaluated, 'covered'>>, Nothing> = {
  name: 'snapshot',
  crashPoint: 'snapshots-written',
  run: async ({ tx, schema, passing, stamp, generations, covered, counts, staged, stagedUsers }) => {
    // Snapshot rows that earlier first runs' records stand on are kept before this delta changes them.
    await keepChangedEntities(tx, schema, stateTable(schema, 'changes'), passing.filter((d) => !staged.names.has(d.name)).map((d) => d.name));
    crashPoint('record-rows-kept');
    // recordSnapshots below writes the snapshot_runs rows, whole.
    const replace = definitionSnapshotWrites(stateRefs(schema), stateTable(schema, 'changes'), passing, stamp, staged);
    for (const [i, statement] of replace.entries()) {
      await tx.run(statement);
      if (i === 0) crashPoint('snapshots-deleted');
    }
    // A covered definition's staging holds its covered entities only: its size is the diff's (covered-sql.ts).
    // Every other definition's size is staging's, which the diff counted too, as it counted staging's users.
    const restricted = counts === undefined ? [...(covered?.definitions ?? []), ...(covered?.accountDefinitions ?? [])] : passing.map((d) => d.name);
    const sizes = new Map(restricted.map((name) => [name, counts?.get(name)?.size ?? 0]));
    // A covered account-level definition's users: the replaced snapshot's, counted (the diff counts accounts only).
    const users = await snapshotUserCounts(tx, schema, (covered?.accountDefinitions ?? []).filter((name) => passing.some((d) => d.name === name)));
    if (counts !== undefined && stagedUsers !== undefined)
      for (const d of passing) if (!users.has(d.name)) users.set(d.name, d.kind === 'audience' && d.level === 'account' ? (stagedUsers.get(d.name) ?? 0) : 0);
    await recordSnapshots(tx, tx, schema, passing, stamp, generations, sizes, users);
    return {};
  },
};

async function snapshotUserCounts(w: StateWriter, schema: string, names: readonly string[]): Promise<Map<string, number>> {
  const out = new Map(names.map((name) => [name, 0]));
  if (names.length === 0) return out;
  const rows = await w.rows(select({ columns: [{ expr: col('definition', 'u'), alias: 'definition' }, { expr: countAll(), alias: 'n' }], from: tableOf(stateRefs(schema).snapshotUsers, 'u'), where: inList(col('definition', 'u'), names), groupBy: [col('definition', 'u')] }));
  for (const r of rows) out.set(String(r.definition), toNumber(r.n));
  return out;
}
