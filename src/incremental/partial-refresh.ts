// Refreshing one scan's partials (SPEC §6.1), inside the run's transaction. Never add a row twice.
// A partial table holds, per (raw key, day), rows whose aggregates together are those of the
// source rows of that key and day with an arrival value at or below the watermark of the run that
// wrote them (plus a margin, seenBound), or with none. A pair may hold several rows: the merge
// (merge-sql.ts) sums, mins, maxes and ranks across them as it does across days.
//
// A run sorts the rows of the closed days the previous run stored into
//   - certainly unseen: arrival above the previous watermark's bound. No run wrote them (every write
//     is bounded by its own watermark), so their aggregates are appended as rows of their own,
//     without re-reading anything else;
//   - possibly seen: arrival null, or within the lag below that bound (a row may land up to
//     `arrival_lag` behind arrival-column order, SPEC §6.1). Their (raw key, day) pairs are deleted
//     and recomputed from every source row of that key and day, so a row read by two runs is
//     counted once; certainly unseen rows of those pairs are left to the recompute;
//   - every other row was there at the previous run and is already counted.
// Days the previous run did not store (the day that was open then and any later one closed since)
// are inserted whole. Each of these reads is one range of the arrival or event-time column, which
// engines prune by block statistics.
import type { Expr, Query } from '../sql/ast.js';
import { aggregate, and, bin, col, countAll, deleteFrom, exists, insertInto, isNull, not, num, or, select, str, subquery, table, tableOf, ts, TRUE, union } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import { columnValue } from '../sql/finite-values.js';
import { toIso, toNumber, type StateWriter } from '../sync/state-sql.js';
import { bucketRange, dayFloor, windowRange, type IncrementalScan } from '../plan/physical/incremental-pass.js';
import {
  bucketOf,
  eventNarrowing,
  eventTimeOf,
  hasRawKey,
  isDistinct,
  measureMatch,
  rawIdentity,
  rawKey,
  scanPartialAggregates,
  scanRowCondition,
  type RowContext,
} from './partial-columns.js';
import { partialRef, partialTableColumns, touchedRef, valueRef, valueTableColumns } from './partial-tables.js';
import { keepWinners, type CompactionMutation } from './partial-compaction.js';
import { newness, seenBound, type PreviousRefresh, type RefreshRecord, type WatermarkReads } from './arrival-sql.js';

export interface RefreshResult {
  readonly rebuilt: boolean;
  readonly touchedPairs: number;
  /** Rows of the source the refresh's statements read (rows found new, the recomputed pairs' days, the days closed since). */
  readonly rowsRead: number;
  /** The bookkeeping row the run writes for it, with the others (recordRefreshes). */
  readonly record: RefreshRecord;
}

export interface RefreshOptions {
  readonly plan: Plan;
  readonly schema: string;
  readonly lagSeconds: number;
  readonly previous: PreviousRefresh | null;
  /** The run's watermark reads, shared by every state table it refreshes. */
  readonly watermarks: WatermarkReads;
  readonly mutation?: CompactionMutation;
  /** Count the recomputed days' rows, which only rows_read needs (default true). */
  readonly countRowsRead?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const DAY_MS = 86_400_000;

/** The first stored day of a scan at another as_of: its windows moved with as_of, its table did not. */
function storedFromAt(s: IncrementalScan, asOfMs: number): number | null {
  const froms = s.measures.map((m) => bucketRange(windowRange(m.measure.window, asOfMs), asOfMs).from);
  return froms.includes(null) ? null : Math.min(...(froms as number[]));
}

export async function refreshScan(w: StateWriter, s: IncrementalScan, options: RefreshOptions): Promise<RefreshResult> {
  const { plan, schema } = options;
  const ctx: RowContext = { plan, table: s.table, alias: 'e' };
  const source = table(s.table, 'e', plan.layout.schema);
  const arrival = col(s.arrivalColumn, 'e');
  const time = eventTimeOf(ctx);
  const n = newness(options.previous, plan.asOf, options.lagSeconds, arrival, time, dayFloor);
  const stored: Expr[] = [bin('<', time, ts(iso(s.closedEnd)))];
  if (s.storedFrom !== null) stored.push(bin('>=', time, ts(iso(s.storedFrom))));
  const rowsOfScan = and(hasRawKey(ctx), ...eventNarrowing(s, ctx), ...scanRowCondition(s, ctx), ...stored);
  const watermark = await options.watermarks.read(plan.layout.schema, s.table, s.arrivalColumn, n);
  // Every write stops at this run's watermark: a row above it is certainly unseen by the next run.
  const written = watermark === null ? TRUE : or(bin('<=', arrival, ts(seenBound(watermark))), isNull(arrival));
  const partial = partialRef(schema, s);
  const values = s.valueProperty === null ? null : valueRef(schema, s);
  const targets = values === null ? [partial] : [partial, values];
  const record = { key: s.partialTable, sourceTable: s.table, asOf: plan.asOf, watermark };
  const { ru, ra } = rawIdentity(ctx);
  const keys = [rawKey(ctx), ru, ra, bucketOf(ctx), ...(s.context ? [col(plan.layout.columns.contextGroupId, 'e')] : [])];
  const keyColumns = keys.map((expr, i) => ({ expr, alias: ['rk', 'ru', 'ra', 'bucket', 'ctx'][i] }));
  // The rows of `where`, grouped into partial rows of the table and of its per-value table.
  const partialRows = (where: Expr): Query => {
    const aggregates = [countAll(), ...scanPartialAggregates(plan, s, ctx, [])];
    return select({ columns: [...keyColumns, ...aggregates.map((expr, i) => ({ expr, alias: `a${i}` }))], from: source, where, groupBy: keys });
  };
  const valueRows = (where: Expr): Query => {
    const k = columnValue(plan, s.table, s.valueProperty!, 'e');
    const distinct = s.scan.measures.filter(isDistinct);
    return select({
      columns: [...keyColumns, { expr: k, alias: 'k' }, ...distinct.map((m) => ({ expr: countAll(and(...measureMatch(m, ctx))), alias: m.column }))],
      from: source,
      where: and(where, isNull(k, true)),
      groupBy: [...keys, k],
    });
  };
  // One query per range where the engine skips the blocks outside each, one OR of them elsewhere (SqlPrinter.prunesBlocksByRange).
  const perRange = w.printer.prunesBlocksByRange;
  const insertRows = async (branches: readonly Expr[]): Promise<void> => {
    if (branches.length === 0) return;
    // Disjoint branches: as one OR they select the same rows, grouped into fewer partial rows that merge alike.
    const many = (of: (where: Expr) => Query): Query => (branches.length === 1 ? of(branches[0]) : perRange ? union(branches.map(of)) : of(or(...branches)));
    await w.run(insertInto(partial, partialTableColumns(plan, s).map((c) => c.name), many(partialRows)));
    if (values !== null) await w.run(insertInto(values, valueTableColumns(plan, s).map((c) => c.name), many(valueRows)));
  };
  const countRows = async (where: Expr): Promise<number> => toNumber((await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: source, where })))[0]?.n);
  // Counts that only rows_read needs are left out of a run not asked for it.
  const counting = options.countRowsRead !== false;

  const previous = n.previous;
  if (previous === null || previous.watermark === null || n.since === null) {
    // Nothing to build on (first run, an earlier as_of, a table that had no arrival value): rebuild.
    for (const t of targets) await w.run(deleteFrom(t));
    const where = and(rowsOfScan, written);
    await insertRows([where]);
    // Every row written is one the rebuild read: the partials count them, in far fewer rows.
    const read = !counting ? [] : await w.rows(select({ columns: [{ expr: aggregate('sum', col('n_rows', 'p')), alias: 'n' }], from: tableOf(partial, 'p') }));
    await keepWinners(w, plan, schema, s, options.mutation);
    // Written whole in this transaction: without statistics Postgres took the new partials for a few
    // rows and the staging statement that reads them ran 5 to 80 s at random where 1 s was due
    // (BENCHMARKS.md, "Postgres: statistics of a rebuilt state"). Later runs change a small share.
    for (const t of targets) await w.refreshStatistics(t);
    return { rebuilt: true, touchedPairs: 0, rowsRead: toNumber(read[0]?.n), record };
  }

  const previousMs = Date.parse(previous.asOf);
  // Days no window reaches any more.
  if (s.storedFrom !== null && storedFromAt(s, previousMs) !== s.storedFrom) {
    for (const t of targets) await w.run(deleteFrom(t, bin('<', col('bucket'), ts(iso(s.storedFrom)))));
  }
  const previousEnd = dayFloor(previousMs);
  const storedBefore = and(rowsOfScan, bin('<', time, ts(iso(previousEnd))));
  const bound = seenBound(previous.watermark);
  // Possibly seen: two ranges, each pruned on its own where the engine prunes by range (one OR of them would read every block).
  const possiblySeen = [and(storedBefore, bin('>', arrival, ts(n.since)), bin('<=', arrival, ts(bound))), and(storedBefore, isNull(arrival))];
  const unseen = watermark === null || Date.parse(watermark) <= Date.parse(previous.watermark) ? null : and(storedBefore, bin('>', arrival, ts(bound)), bin('<=', arrival, ts(seenBound(watermark))));
  const closedSince = s.closedEnd > previousEnd ? and(rowsOfScan, bin('>=', time, ts(iso(previousEnd))), written) : null;

  // Only this scan's pairs: the run empties the table once, after the last scan.
  const touched = touchedRef(schema);
  await w.run(deleteFrom(touched, bin('=', col('partial_table'), str(s.partialTable))));
  const foundWhere = (where: Expr) => select({ columns: [{ expr: rawKey(ctx), alias: 'k' }, { expr: bucketOf(ctx), alias: 'b' }], from: source, where });
  const found = perRange ? union(possiblySeen.map(foundWhere)) : foundWhere(or(...possiblySeen));
  await w.run(
    insertInto(
      touched,
      ['partial_table', 'touched_key', 'touched_bucket', 'touched_rows'],
      select({
        columns: [
          { expr: str(s.partialTable), alias: 'partial_table' },
          { expr: col('k', 'f'), alias: 'touched_key' },
          { expr: col('b', 'f'), alias: 'touched_bucket' },
          { expr: countAll(), alias: 'touched_rows' },
        ],
        from: subquery(found, 'f'),
        groupBy: [col('k', 'f'), col('b', 'f')],
      }),
    ),
  );
  const summary = await w.rows(
    select({
      columns: [
        { expr: countAll(), alias: 'pairs' },
        { expr: aggregate('sum', col('touched_rows', 't')), alias: 'found' },
        { expr: aggregate('min', col('touched_bucket', 't')), alias: 'first_day' },
        { expr: aggregate('max', col('touched_bucket', 't')), alias: 'last_day' },
      ],
      from: tableOf(touched, 't'),
      where: bin('=', col('partial_table', 't'), str(s.partialTable)),
    }),
  );
  const pairs = toNumber(summary[0]?.pairs);
  const isTouched = (keyOf: Expr, bucket: Expr): Expr =>
    exists(
      select({
        columns: [{ expr: num(1), alias: null }],
        from: tableOf(touched, 'x'),
        where: and(bin('=', col('partial_table', 'x'), str(s.partialTable)), bin('=', col('touched_key', 'x'), keyOf), bin('=', col('touched_bucket', 'x'), bucket)),
      }),
    );
  const branches: Expr[] = [];
  let recomputed = 0;
  if (pairs > 0) {
    const firstDay = Date.parse(toIso(summary[0].first_day)!);
    const lastDay = Date.parse(toIso(summary[0].last_day)!);
    // The day range first: engines skip whole blocks of partials and source rows on it.
    const touchedDays = and(bin('>=', col('bucket'), ts(iso(firstDay))), bin('<=', col('bucket'), ts(iso(lastDay))));
    for (const t of targets) await w.run(deleteFrom(t, and(touchedDays, isTouched(col('rk'), col('bucket')))));
    const days = and(storedBefore, bin('>=', time, ts(iso(firstDay))), bin('<', time, ts(iso(lastDay + DAY_MS))));
    branches.push(and(days, written, isTouched(rawKey(ctx), bucketOf(ctx))));
    // The recompute reads the touched days of the scan's rows: what a day-partitioned warehouse scans.
    if (counting) recomputed = await countRows(days);
  }
  // Counted, a branch without rows is left out; not counted, it costs the insert what the count would have.
  let added = 0;
  if (unseen !== null) {
    added = counting ? await countRows(unseen) : 1;
    if (added > 0) branches.push(pairs > 0 ? and(unseen, not(isTouched(rawKey(ctx), bucketOf(ctx)))) : unseen);
  }
  let closed = 0;
  if (closedSince !== null) {
    closed = counting ? await countRows(closedSince) : 1;
    if (closed > 0) branches.push(closedSince);
  }
  await insertRows(branches);
  await keepWinners(w, plan, schema, s, options.mutation);
  return { rebuilt: false, touchedPairs: pairs, rowsRead: toNumber(summary[0]?.found) + recomputed + added + closed, record };
}
