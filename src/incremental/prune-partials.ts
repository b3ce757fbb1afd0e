// Dropping the state tables no definition reads any more (docs/incremental.md "Pruning"). A
// partial table is named by the signature of what it keeps, so a changed definition writes a new
// table and a removed one stops writing its own; without pruning the old ones would stay forever.
// Runs inside the run's transaction: the bookkeeping rows leave with the tables, or neither does.
// Where the warehouse commits on DDL (DialectCapabilities.transactionalDdl false), the tables are
// only forgotten, so that the transaction never holds DDL: they stay behind, never read again (a
// table that a definition uses again is rebuilt, as it has no bookkeeping row).
import { col, deleteFrom, oneOf, select, str, tableOf } from '../sql/ast.js';
import type { StateWriter } from '../sync/state-sql.js';
import { FUNNEL_TABLE_PREFIX } from '../plan/physical/funnel-pass.js';
import { stateRef } from './partial-tables.js';

/**
 * The tables a bookkeeping key stands for: a partial table (and its per-value table), a fact table
 * (and its scratch table) or a funnel's answers (and the identity owners they were computed with).
 */
function tablesOf(key: string): { table: string; companions: string[] } {
  const fact = key.indexOf(':');
  if (fact >= 0) {
    const table = key.slice(0, fact);
    return { table, companions: table.startsWith(FUNNEL_TABLE_PREFIX) ? [`${table}_o`, `${table}_on`] : [`${table}_new`] };
  }
  return { table: key, companions: [`${key}_v`] };
}

/**
 * Forgets every bookkeeping key that is not in `live` (the keys the project's definitions keep,
 * whatever this run selected) and drops the tables that no live key uses. Returns the tables dropped.
 */
export async function pruneStaleTables(w: StateWriter, schema: string, live: ReadonlySet<string>): Promise<string[]> {
  const state = stateRef(schema);
  const rows = await w.rows(select({ columns: [{ expr: col('partial_table', 's'), alias: 'partial_table' }], from: tableOf(state, 's') }));
  const stale = rows.map((r) => String(r.partial_table)).filter((key) => !live.has(key));
  if (stale.length === 0) return [];
  await w.run(deleteFrom(state, oneOf(col('partial_table'), stale.map(str))));
  if (!w.printer.capabilities.transactionalDdl) return [];
  const liveTables = new Set([...live].map((key) => tablesOf(key).table));
  const dropped = [...new Set(stale.map((key) => tablesOf(key).table))].filter((t) => !liveTables.has(t));
  for (const table of dropped) {
    for (const name of [table, ...tablesOf(stale.find((k) => tablesOf(k).table === table)!).companions]) {
      await w.query(w.printer.printDdl({ kind: 'drop_table', schema, name }));
    }
  }
  return dropped;
}
