// Refreshing one scan's partials (SPEC §6.1), inside the run's transaction. Never add a row
// twice: the run finds the (raw key, day) pairs that rows new to it touch, deletes those partial
// rows and inserts them again, recomputed from every source row of that key on that day. A row
// read by two runs is therefore counted once, whatever the overlap of `arrival_lag`.
//
// New to a run (SPEC §6.1): arrival > previous watermark - lag, or arrival null, or event time
// on or after the start of the previous as_of's day (which also covers the bucket that was open
// then and is closed now). Only closed days (ending at or before as_of) are stored.
import type { Expr } from '../sql/ast.js';
import { aggregate, and, bin, col, countAll, deleteFrom, exists, insertInto, isNull, num, select, str, table, tableOf, ts } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import { toIso, toNumber, type StateWriter } from '../sync/state-sql.js';
import { dayFloor, type IncrementalScan } from '../plan/physical/incremental-pass.js';
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
import { newness, readWatermark, type PreviousRefresh, type RefreshRecord } from './arrival-sql.js';

export interface RefreshResult {
  readonly rebuilt: boolean;
  readonly touchedPairs: number;
  /** Rows of the source the refresh's statements read (new rows found, then the touched days recomputed). */
  readonly rowsRead: number;
  /** The bookkeeping row the run writes for it, with the others (recordRefreshes). */
  readonly record: RefreshRecord;
}

export interface RefreshOptions {
  readonly plan: Plan;
  readonly schema: string;
  readonly lagSeconds: number;
  readonly previous: PreviousRefresh | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function refreshScan(w: StateWriter, s: IncrementalScan, options: RefreshOptions): Promise<RefreshResult> {
  const { plan, schema } = options;
  const ctx: RowContext = { plan, table: s.table, alias: 'e' };
  const source = table(s.table, 'e', plan.layout.schema);
  const arrival = col(s.arrivalColumn, 'e');
  const time = eventTimeOf(ctx);
  const n = newness(options.previous, plan.asOf, options.lagSeconds, arrival, time, dayFloor);
  const previous = n.previous;
  const isNew = n.isNew;
  const stored: Expr[] = [bin('<', time, ts(iso(s.closedEnd)))];
  if (s.storedFrom !== null) stored.push(bin('>=', time, ts(iso(s.storedFrom))));
  const rowsOfScan = and(hasRawKey(ctx), ...eventNarrowing(s, ctx), ...scanRowCondition(s, ctx), ...stored);
  const watermark = await readWatermark(w, source, arrival, n, plan.asOf);

  // Only this scan's pairs: the run empties the table once, after the last scan.
  const touched = touchedRef(schema);
  await w.run(deleteFrom(touched, bin('=', col('partial_table'), str(s.partialTable))));
  await w.run(
    insertInto(
      touched,
      ['partial_table', 'touched_key', 'touched_bucket', 'touched_rows'],
      select({
        columns: [
          { expr: str(s.partialTable), alias: 'partial_table' },
          { expr: rawKey(ctx), alias: 'touched_key' },
          { expr: bucketOf(ctx), alias: 'touched_bucket' },
          { expr: countAll(), alias: 'touched_rows' },
        ],
        from: source,
        where: and(rowsOfScan, isNew),
        groupBy: [rawKey(ctx), bucketOf(ctx)],
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
  const found = toNumber(summary[0]?.found);
  const partial = partialRef(schema, s);
  const values = s.valueProperty === null ? null : valueRef(schema, s);
  const targets = values === null ? [partial] : [partial, values];

  // Days no window reaches any more, and (rebuilding) everything.
  for (const t of targets) {
    if (previous === null) await w.run(deleteFrom(t));
    else if (s.storedFrom !== null) await w.run(deleteFrom(t, bin('<', col('bucket'), ts(iso(s.storedFrom)))));
  }
  let recomputed = 0;
  if (pairs > 0) {
    const isTouched = (keyOf: Expr, bucket: Expr): Expr =>
      exists(
        select({
          columns: [{ expr: num(1), alias: null }],
          from: tableOf(touched, 'x'),
          where: and(bin('=', col('partial_table', 'x'), str(s.partialTable)), bin('=', col('touched_key', 'x'), keyOf), bin('=', col('touched_bucket', 'x'), bucket)),
        }),
      );
    const firstDay = ts(toIso(summary[0].first_day)!);
    const lastDay = ts(toIso(summary[0].last_day)!);
    // The day range first: engines skip whole blocks of partials and source rows on it.
    const touchedDays = (bucket: Expr) => and(bin('>=', bucket, firstDay), bin('<=', bucket, lastDay));
    if (previous !== null) for (const t of targets) await w.run(deleteFrom(t, and(touchedDays(col('bucket')), isTouched(col('rk'), col('bucket')))));
    const days = and(bin('>=', time, firstDay), bin('<', time, ts(iso(Date.parse(toIso(summary[0].last_day)!) + 86_400_000))));
    const where = and(rowsOfScan, days, ...(previous === null ? [] : [isTouched(rawKey(ctx), bucketOf(ctx))]));
    const { ru, ra } = rawIdentity(ctx);
    const keys = [rawKey(ctx), ru, ra, bucketOf(ctx), ...(s.context ? [col(plan.layout.columns.contextGroupId, 'e')] : [])];
    const keyColumns = keys.map((expr, i) => ({ expr, alias: ['rk', 'ru', 'ra', 'bucket', 'ctx'][i] }));
    const aggregates = [countAll(), ...scanPartialAggregates(plan, s, ctx, [])];
    await w.run(
      insertInto(
        partial,
        partialTableColumns(plan, s).map((c) => c.name),
        select({ columns: [...keyColumns, ...aggregates.map((expr, i) => ({ expr, alias: `a${i}` }))], from: source, where, groupBy: keys }),
      ),
    );
    if (values !== null) {
      const k = col(s.valueProperty!, 'e');
      const distinct = s.scan.measures.filter(isDistinct);
      await w.run(
        insertInto(
          values,
          valueTableColumns(plan, s).map((c) => c.name),
          select({
            columns: [...keyColumns, { expr: k, alias: 'k' }, ...distinct.map((m) => ({ expr: countAll(and(...measureMatch(m, ctx))), alias: m.column }))],
            from: source,
            where: and(where, isNull(k, true)),
            groupBy: [...keys, k],
          }),
        ),
      );
    }
    // The recompute reads the touched days of the scan's rows: what a day-partitioned warehouse scans.
    const read = await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: source, where: and(rowsOfScan, days) }));
    recomputed = toNumber(read[0]?.n);
  }
  const record = { key: s.partialTable, sourceTable: s.table, asOf: plan.asOf, watermark };
  return { rebuilt: previous === null, touchedPairs: pairs, rowsRead: found + recomputed, record };
}
