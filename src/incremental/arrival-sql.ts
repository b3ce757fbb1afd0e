// What is new to a run (SPEC §6.1), shared by the partials and the universe facts: the previous
// refresh of a state table, the rows that arrived since its watermark (minus the lag), the new
// watermark, and the bookkeeping row written in the run's transaction.
import type { Expr } from '../sql/ast.js';
import { aggregate, and, bin, cast, col, deleteFrom, insertInto, isNull, NULL, oneOf, or, select, str, table, tableOf, ts, TRUE, union } from '../sql/ast.js';
import { toIso, type StateWriter } from '../sync/state-sql.js';
import { stateRef } from './partial-tables.js';

/** What the previous run of a state table left: its as_of and arrival watermark. */
export interface PreviousRefresh {
  readonly asOf: string;
  readonly watermark: string | null;
}

export const isoOf = (ms: number): string => new Date(ms).toISOString();

export async function readPreviousRefreshes(w: StateWriter, schema: string): Promise<Map<string, PreviousRefresh>> {
  const rows = await w.rows(
    select({
      columns: ['partial_table', 'as_of', 'watermark'].map((c) => ({ expr: col(c, 's'), alias: c })),
      from: tableOf(stateRef(schema), 's'),
    }),
  );
  return new Map(rows.map((r) => [String(r.partial_table), { asOf: toIso(r.as_of)!, watermark: toIso(r.watermark) }]));
}

export interface Newness {
  /** null: nothing to build on (no previous refresh, or one at a later as_of): rebuild. */
  readonly previous: PreviousRefresh | null;
  /** Arrival values above this are new; null: every row is. */
  readonly since: string | null;
  readonly isNew: Expr;
  /**
   * The same rows as isNew, as disjoint conditions that each read one range of one column (which
   * engines prune by block statistics, where an OR of them reads every block); null: every row.
   */
  readonly branches: readonly Expr[] | null;
}

/**
 * The stored watermark is the largest arrival value the run saw, uncapped; what a run compares
 * with is capped at that run's as_of: a run replayed at an earlier `as_of` (or a warehouse holding
 * rows stamped after it) must not move the lag's window past rows that land later with earlier
 * stamps. A lower bound only makes more rows new, which recomputation absorbs.
 */
export function cappedWatermark(previous: PreviousRefresh): number | null {
  return previous.watermark === null ? null : Math.min(Date.parse(previous.watermark), Date.parse(previous.asOf));
}

/**
 * Drivers hand timestamps back in milliseconds while warehouses keep microseconds: a stored
 * watermark may be up to a millisecond below (truncated) or half of one above (rounded) the value
 * it stands for. Every arrival value at or below `watermark + 1 ms` is therefore taken as possibly
 * seen by that run, and only those above it as certainly unseen.
 */
export const SEEN_MARGIN_MS = 1;
export const seenBound = (watermark: string): string => isoOf(Date.parse(watermark) + SEEN_MARGIN_MS);

/**
 * Rows new to a run: arrival later than the previous (capped) watermark minus the lag, arrival
 * null, or event time at or after `timeFrom` (at most the previous as_of).
 */
export function newness(previous: PreviousRefresh | null, asOf: string, lagSeconds: number, arrival: Expr, time: Expr, timeFrom: (previousAsOf: number) => number): Newness {
  const usable = previous !== null && Date.parse(previous.asOf) <= Date.parse(asOf) ? previous : null;
  const capped = usable === null ? null : cappedWatermark(usable);
  const since = capped === null ? null : isoOf(capped - lagSeconds * 1000);
  if (usable === null || since === null) return { previous: usable, since, isNew: TRUE, branches: null };
  const recent = bin('>=', time, ts(isoOf(timeFrom(Date.parse(usable.asOf)))));
  const isNew = or(bin('>', arrival, ts(since)), isNull(arrival), recent);
  return { previous: usable, since, isNew, branches: [bin('>', arrival, ts(since)), isNull(arrival), and(recent, bin('<=', arrival, ts(since)))] };
}

/**
 * The new watermarks of one run, each read once per (source table, arrival column, lower bound)
 * however many state tables of the run read that table, and before their new rows: a row landing
 * after the read is new to the next run. Stored uncapped (the next run caps it, cappedWatermark):
 * the partials take it as the largest arrival value they hold, so that rows above it can be added
 * without a recompute.
 *
 * One read serves a later refresh as well as its own read would: the partials write only rows at or
 * below the watermark they record, and the facts, dirty users and a funnel's touched users hold the
 * same answer when they also read rows above it (sets, minimums and maximums, recomputation), which
 * the next run reads again as new. On Postgres, without an index on the arrival column, every read
 * is a scan of the table: the six bench definitions read fifteen watermarks of six tables.
 */
export class WatermarkReads {
  private readonly reads = new Map<string, Promise<string | null>>();

  constructor(private readonly w: StateWriter) {}

  async read(schema: string, tableName: string, arrivalColumn: string, n: Newness): Promise<string | null> {
    const key = JSON.stringify([schema, tableName, arrivalColumn, n.since]);
    let read = this.reads.get(key);
    if (read === undefined) {
      const arrival = col(arrivalColumn, 'e');
      const query = select({ columns: [{ expr: aggregate('max', arrival), alias: 'w' }], from: table(tableName, 'e', schema), where: n.since === null ? null : bin('>', arrival, ts(n.since)) });
      read = this.w.rows(query).then((rows) => toIso(rows[0]?.w));
      this.reads.set(key, read);
    }
    // No row above the lower bound: the previous watermark stands.
    return (await read) ?? n.previous?.watermark ?? null;
  }
}

/** What a refresh of one state table (or one source of a fact) leaves for the next run. */
export interface RefreshRecord {
  readonly key: string;
  readonly sourceTable: string;
  readonly asOf: string;
  readonly watermark: string | null;
}

/** The bookkeeping rows of every refresh of a run: one DELETE and one INSERT, whatever their number. */
export async function recordRefreshes(w: StateWriter, schema: string, refreshes: readonly RefreshRecord[]): Promise<void> {
  // Two scans whose partials are the same (say, one measure at user and at account level) share a table and its row.
  const records = [...new Map(refreshes.map((r) => [r.key, r])).values()];
  if (records.length === 0) return;
  const state = stateRef(schema);
  const now = ts(new Date().toISOString());
  await w.run(deleteFrom(state, oneOf(col('partial_table'), records.map((r) => str(r.key)))));
  const rows = records.map((r) =>
    select({
      columns: [
        { expr: str(r.key), alias: 'partial_table' },
        { expr: str(r.sourceTable), alias: 'source_table' },
        { expr: ts(r.asOf), alias: 'as_of' },
        { expr: r.watermark === null ? cast(NULL, 'timestamp') : ts(r.watermark), alias: 'watermark' },
        { expr: now, alias: 'refreshed_at' },
      ],
    }),
  );
  await w.run(insertInto(state, ['partial_table', 'source_table', 'as_of', 'watermark', 'refreshed_at'], rows.length === 1 ? rows[0] : union(rows)));
}
