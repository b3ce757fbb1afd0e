// Which source tables an incremental run looks for new rows in without an index to find them by.
// Those statements filter each table on its arrival column and on the event time (arrival-sql.ts,
// newness), as one OR on Postgres: unless both columns lead an index, Postgres reads the whole
// table in each of them, and the run costs more than recomputing everything with the engine off
// (BENCHMARKS.md, "Postgres: indexes on the arrival column and the event time"). quorum's role only
// reads the source, so the run says which indexes would help instead of making them.
import type { Plan } from '../plan/plan.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { planIncremental } from './evaluate-incremental.js';
import type { IncrementalSettings } from './incremental-settings.js';

export interface UnindexedTable {
  readonly table: string;
  /** The columns no index starts with: the arrival column, the event time, or both. */
  readonly columns: readonly string[];
}

/** The tables whose new rows the run reads, each with the columns it filters them on. */
function newRowFilters(plan: Plan, settings: IncrementalSettings): Map<string, Set<string>> {
  const { pass, facts } = planIncremental(plan, settings);
  const reads = [...pass.scans, ...facts.flatMap((f) => f.sources), ...pass.funnels.flatMap((f) => f.tables), ...pass.scopes.sources];
  const out = new Map<string, Set<string>>();
  for (const r of reads) out.set(r.table, (out.get(r.table) ?? new Set()).add(r.arrivalColumn).add(plan.layout.eventTime));
  return out;
}

/** `indexed`: per table, the columns some index starts with (WarehouseConnection.readIndexedColumns). */
export function unindexedNewRowReads(plan: Plan, settings: IncrementalSettings, indexed: ReadonlyMap<string, ReadonlySet<string>>): UnindexedTable[] {
  return [...newRowFilters(plan, settings)]
    .map(([table, columns]) => ({ table, columns: [...columns].filter((c) => !indexed.get(table)?.has(c)).sort() }))
    .filter((t) => t.columns.length > 0)
    .sort((a, b) => a.table.localeCompare(b.table));
}

/**
 * The same, with the indexes read from the warehouse. Advice only: a warehouse without indexes
 * (DuckDB, Redshift, BigQuery, Snowflake) or a catalog that cannot be read this way gives none.
 */
export async function readUnindexedNewRows(connection: WarehouseConnection, plan: Plan, settings: IncrementalSettings): Promise<UnindexedTable[]> {
  if (connection.readIndexedColumns === undefined) return [];
  let indexed: Map<string, Set<string>> | null;
  try {
    indexed = await connection.readIndexedColumns(plan.layout.schema);
  } catch {
    return [];
  }
  return indexed === null ? [] : unindexedNewRowReads(plan, settings, indexed);
}
