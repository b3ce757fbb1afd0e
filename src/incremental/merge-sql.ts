// A scan's CTE rebuilt from partials: the stored closed days inside each measure's window, plus the
// rows of the days the partials do not cover (the open day that holds as_of and the edge day at a
// window's lower bound), read raw and restricted to the window. Raw keys meet the run's `identity`
// CTE here, so an identity edge that arrived late re-attributes anonymous partials without a
// rescan. Same columns and the same rows as the full lowering's scan CTE (src/sql/lower.ts):
// `id`, then one column per measure, for every entity with a row in the scan's narrowing.
import type { Expr, Query, SelectColumn, SqlType, TableRef } from '../sql/ast.js';
import {
  aggregate,
  and,
  bin,
  caseWhen,
  cast,
  coalesce,
  col,
  countAll,
  firstPerGroup,
  inQuery,
  isNull,
  join,
  num,
  or,
  select,
  subquery,
  table,
  tableOf,
  ts,
  union,
  type FromItem,
  type Join,
} from '../sql/ast.js';
import { CTE } from '../plan/physical/cte-names.js';
import { mostFrequentRanking } from '../sql/lower-ranked.js';
import { meanValue, sumValue } from '../sql/exact-sum.js';
import { columnValue } from '../sql/finite-values.js';
import type { Measure, Plan } from '../plan/plan.js';
import type { BucketRange, IncrementalScan, PartialMeasure } from '../plan/physical/incremental-pass.js';
import {
  eventNarrowing,
  eventTimeOf,
  firstLastOrder,
  hasRawKey,
  isDistinct,
  measureMatch,
  ordered,
  partialAggregates,
  partialColumns,
  rawIdentity,
  rawDays,
  rawRegion,
  scanPartialAggregates,
  scanPartialColumns,
  scanRowCondition,
  type RowContext,
} from './partial-columns.js';
import { partialRef, valueRef } from './partial-tables.js';
import { sourceType } from '../sql/source-text.js';

export interface MergeOptions {
  /** Test-only mutation: forget the edge day at each window's lower bound. */
  readonly skipEdgeBucket?: boolean;
  /** rawDays' earliest bound as its own conjunct (RawDaysOptions): where the engine skips blocks by range. */
  readonly earliestBound?: boolean;
  /**
   * The tables (column `id`, as text) whose users are all the staged entities of every definition
   * reading this scan (entity-scope-pass.ts, ScanRead: the dirty users, the dirty accounts'
   * members, or both): the merge then reads their partials and raw rows only, and every other
   * user's row, which nothing would stage, is never read.
   */
  readonly readUsers?: readonly TableRef[];
}

/** `user` (as text; `from`: its type where known) is in one of `readUsers`; no condition when the scan reads every user. */
export function amongRead(user: Expr, readUsers: readonly TableRef[] | undefined, from?: SqlType): Expr[] {
  if (readUsers === undefined) return [];
  const ids = readUsers.map((ref) => select({ columns: [{ expr: col('id', 'd'), alias: 'id' }], from: tableOf(ref, 'd') }));
  return [inQuery(cast(user, 'string', from), ids.length === 1 ? ids[0] : union(ids))];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function inBuckets(buckets: BucketRange, bucket: Expr): Expr {
  const parts = [bin('<', bucket, ts(iso(buckets.to)))];
  if (buckets.from !== null) parts.push(bin('>=', bucket, ts(iso(buckets.from))));
  return and(...parts);
}

function storedDays(s: IncrementalScan, bucket: Expr): Expr {
  return inBuckets({ from: s.storedFrom, to: s.closedEnd }, bucket);
}

const measureColumnNames = (plan: Plan, s: IncrementalScan, m: Measure): string[] => partialColumns(plan, s.table, m).map((c) => c.name);
const firstLast = (s: IncrementalScan): boolean => s.ranked !== null && s.ranked.kind !== 'most_frequent';
/** The partial columns every row of the plain (not per-value) side carries. */
const plainColumnNames = (plan: Plan, s: IncrementalScan): string[] => scanPartialColumns(plan, s).map((c) => c.name);

/** Rows of the raw days: one row per raw identity (and value), every partial restricted to its measure's raw region. */
function rawRows(plan: Plan, s: IncrementalScan, options: MergeOptions, value: boolean): Query {
  const ctx: RowContext = { plan, table: s.table, alias: 'e' };
  const region = (p: PartialMeasure) => rawRegion(p, ctx, options);
  const { ru, ra } = rawIdentity(ctx);
  const context = s.context ? [col(plan.layout.columns.contextGroupId, 'e')] : [];
  const keys: SelectColumn[] = [
    { expr: ru, alias: 'ru' },
    { expr: ra, alias: 'ra' },
    ...context.map((expr) => ({ expr, alias: 'ctx' })),
  ];
  const base: Expr[] = [hasRawKey(ctx), ...eventNarrowing(s, ctx), bin('<=', eventTimeOf(ctx), ts(plan.asOf)), ...amongRead(ru, options.readUsers, sourceType(plan, s.table, plan.layout.columns.userId))];
  const where: Expr[] = [...base, ...rawDays([s.presence, ...s.measures], ctx, options)];
  if (value) {
    const k = columnValue(plan, s.table, s.valueProperty!, 'e');
    const distinct = s.measures.filter((p) => isDistinct(p.measure));
    return select({
      columns: [...keys, { expr: k, alias: 'k' }, ...distinct.map((p) => ({ expr: countAll(and(...measureMatch(p.measure, ctx), region(p))), alias: p.measure.column }))],
      from: table(s.table, 'e', plan.layout.schema),
      where: and(...where, isNull(k, true)),
      groupBy: [ru, ra, ...context, k],
    });
  }
  if (firstLast(s)) {
    // The day's chosen row is ranked among the rows in the trait's range only.
    const names = plainColumnNames(plan, s);
    const chosen = scanPartialAggregates(plan, s, ctx, []).map((expr, i) => ({ expr, alias: names[i] }));
    return select({
      columns: [...keys, { expr: countAll(), alias: 'n_rows' }, ...chosen],
      from: table(s.table, 'e', plan.layout.schema),
      where: and(...base, ...scanRowCondition(s, ctx), region(s.measures[0])),
      groupBy: [ru, ra, ...context],
    });
  }
  const partials = s.measures.flatMap((p) => {
    const names = measureColumnNames(plan, s, p.measure);
    return partialAggregates(plan, s.table, p.measure, ctx, [region(p)]).map((expr, i) => ({ expr, alias: names[i] }));
  });
  return select({
    columns: [...keys, { expr: countAll(region(s.presence)), alias: 'n_rows' }, ...partials],
    from: table(s.table, 'e', plan.layout.schema),
    where: and(...where),
    groupBy: [ru, ra, ...context],
  });
}

/** Rows of the stored days, each partial kept only where its measure takes that day from partials. */
function storedRows(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions, value: boolean): Query {
  const bucket = col('bucket', 'p');
  const keep = (p: PartialMeasure, name: string): SelectColumn => ({ expr: caseWhen([{ when: inBuckets(p.buckets, bucket), then: col(name, 'p') }]), alias: name });
  const keys: SelectColumn[] = [
    { expr: col('ru', 'p'), alias: 'ru' },
    { expr: col('ra', 'p'), alias: 'ra' },
    ...(s.context ? [{ expr: col('ctx', 'p'), alias: 'ctx' }] : []),
  ];
  if (value) {
    return select({
      columns: [...keys, { expr: col('k', 'p'), alias: 'k' }, ...s.measures.filter((p) => isDistinct(p.measure)).map((p) => keep(p, p.measure.column))],
      from: tableOf(valueRef(schema, s), 'p'),
      where: and(storedDays(s, bucket), ...amongRead(col('ru', 'p'), options.readUsers, 'string')),
    });
  }
  return select({
    columns: [
      ...keys,
      keep(s.presence, 'n_rows'),
      ...(firstLast(s) ? plainColumnNames(plan, s).map((name) => keep(s.measures[0], name)) : s.measures.flatMap((p) => measureColumnNames(plan, s, p.measure).map((name) => keep(p, name)))),
    ],
    from: tableOf(partialRef(schema, s), 'p'),
    where: and(storedDays(s, bucket), ...amongRead(col('ru', 'p'), options.readUsers, 'string')),
  });
}

/** Stored and raw rows with each raw identity resolved to its user (`uid`), then grouped by entity. */
function entityRows(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions, value: boolean): { from: FromItem; joins: Join[]; entity: Expr; where: Expr } {
  const rows = subquery(union([storedRows(plan, schema, s, options, value), rawRows(plan, s, options, value)]), 'r');
  const user = plan.identity === null ? col('ru', 'r') : coalesce(col('ru', 'r'), col('user_id', 'o'));
  const owners: Join[] = plan.identity === null ? [] : [join('LEFT', table(CTE.identityOwners, 'o'), bin('=', col('anonymous_id', 'o'), col('ra', 'r')))];
  const passthrough = [...(s.context ? ['ctx'] : []), ...(value ? ['k', ...s.measures.filter((p) => isDistinct(p.measure)).map((p) => p.measure.column)] : ['n_rows', ...plainColumnNames(plan, s)])];
  const mapped = subquery(
    select({ columns: [{ expr: user, alias: 'uid' }, ...passthrough.map((c) => ({ expr: col(c, 'r'), alias: c }))], from: rows, joins: owners }),
    'x',
  );
  const { columns } = plan.layout;
  if (s.level === 'user') return { from: mapped, joins: [], entity: col('uid', 'x'), where: isNull(col('uid', 'x'), true) };
  return {
    from: table(CTE.memberships, 'm'),
    joins: [join('INNER', mapped, bin('=', col('uid', 'x'), col(columns.userId, 'm')))],
    entity: col(columns.groupId, 'm'),
    where: isNull(col('uid', 'x'), true),
  };
}

/** group_context (account level): only rows whose context account is the account, or none (SPEC §3). */
function inContext(plan: Plan, s: IncrementalScan, groupContext: boolean): Expr | null {
  if (!s.context || !groupContext) return null;
  return or(isNull(col('ctx', 'x')), bin('=', col('ctx', 'x'), col(plan.layout.columns.groupId, 'm')));
}

const contextOf = (plan: Plan, s: IncrementalScan): Expr[] => {
  const only = inContext(plan, s, s.scan.measures[0].groupContext);
  return only === null ? [] : [only];
};

function combined(plan: Plan, s: IncrementalScan, m: Measure): Expr {
  const x = (name: string) => col(name, 'x');
  const only = inContext(plan, s, m.groupContext);
  const total = (name: string) => aggregate('sum', x(name), only);
  switch (m.aggregate) {
    case 'count':
      return coalesce(total(m.column), num(0));
    case 'sum':
      return sumValue(total(`${m.column}_sum`));
    case 'avg':
      return meanValue(total(`${m.column}_sum`), total(`${m.column}_n`));
    case 'min':
    case 'max':
      return aggregate(m.aggregate, ordered(plan, s.table, m.property, x(m.column)), only);
    case 'count_distinct':
    case 'sorted_distinct_list':
      throw new Error(`${m.aggregate} is combined per value (perEntityValues), not per row`);
  }
}

/** One row per entity with the combined value of each of `measures` (none distinct). */
function perEntity(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions, measures: readonly PartialMeasure[]): Query {
  const rows = entityRows(plan, schema, s, options, false);
  return select({
    columns: [{ expr: rows.entity, alias: 'id' }, ...measures.map((p) => ({ expr: combined(plan, s, p.measure), alias: p.measure.column }))],
    from: rows.from,
    joins: rows.joins,
    where: rows.where,
    groupBy: [rows.entity],
    // Only entities with a row in the scan's narrowing, as the full scan lists them.
    having: bin('>', coalesce(aggregate('sum', col('n_rows', 'x')), num(0)), num(0)),
  });
}

/**
 * One row per entity with its distinct measures, in two steps: one row per (entity, value) with the
 * largest count each measure has there, then per entity the values whose count is above zero. The
 * same answer as one `COUNT(DISTINCT k) FILTER (...)` per measure over every row, but each measure
 * no longer keeps its own set of values per entity: 92 against 363 ms for four measures over
 * 300,000 rows on PGlite, 370 against 550 ms for an account-level scan of four windows at SF 1 on
 * DuckDB (BENCHMARKS.md, "Postgres: one scan for the rows new to a run, and distinct values per
 * value first").
 */
function perEntityValues(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions, measures: readonly PartialMeasure[]): Query {
  const rows = entityRows(plan, schema, s, options, true);
  const x = (name: string) => col(name, 'x');
  const pairs = select({
    columns: [
      { expr: rows.entity, alias: 'id' },
      { expr: x('k'), alias: 'k' },
      ...measures.map((p) => ({ expr: aggregate('max', x(p.measure.column), inContext(plan, s, p.measure.groupContext)), alias: p.measure.column })),
    ],
    from: rows.from,
    joins: rows.joins,
    where: rows.where,
    groupBy: [rows.entity, x('k')],
  });
  const v = (name: string) => col(name, 'v');
  const seen = (m: Measure) => bin('>', v(m.column), num(0));
  const perValue = (m: Measure): Expr =>
    m.aggregate === 'count_distinct' ? countAll(seen(m)) : aggregate('sorted_distinct_list', ordered(plan, s.table, m.property, v('k')), seen(m));
  return select({
    columns: [{ expr: v('id'), alias: 'id' }, ...measures.map((p) => ({ expr: perValue(p.measure), alias: p.measure.column }))],
    from: subquery(pairs, 'v'),
    groupBy: [v('id')],
  });
}

/** A most_frequent trait's CTE (id, value): per entity, the value counted most often (ties: the smallest), as the full lowering ranks it. */
function mostFrequentQuery(plan: Plan, schema: string, s: IncrementalScan, minFrequency: number, options: MergeOptions): Query {
  const rows = entityRows(plan, schema, s, options, true);
  const frequency = aggregate('sum', col(s.measures[0].measure.column, 'x'));
  const counted = select({
    columns: [
      { expr: rows.entity, alias: 'id' },
      { expr: col('k', 'x'), alias: 'value' },
      { expr: frequency, alias: 'frequency' },
    ],
    from: rows.from,
    joins: rows.joins,
    where: and(rows.where, ...contextOf(plan, s)),
    groupBy: [rows.entity, col('k', 'x')],
    having: and(bin('>', frequency, num(0)), bin('>=', frequency, num(minFrequency))),
  });
  return mostFrequentRanking(counted, (value) => ordered(plan, s.table, s.valueProperty, value));
}

/** A first / last trait's CTE (id, value): the entity's chosen row among the days' chosen rows. */
function firstLastQuery(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions): Query {
  const rows = entityRows(plan, schema, s, options, false);
  return firstPerGroup({
    from: rows.from,
    joins: rows.joins,
    where: and(rows.where, isNull(col('t', 'x'), true), ...contextOf(plan, s)),
    group: rows.entity,
    value: col('v', 'x'),
    orderBy: firstLastOrder(plan, s, col('t', 'x'), col('rid', 'x')),
    manyRowsPerGroup: false,
  });
}

/** The replacement of the scan's CTE: the same columns, from partials and raw edge rows. */
export function mergedScanQuery(plan: Plan, schema: string, s: IncrementalScan, options: MergeOptions = {}): Query {
  if (s.ranked?.kind === 'most_frequent') return mostFrequentQuery(plan, schema, s, s.ranked.minFrequency, options);
  if (s.ranked !== null) return firstLastQuery(plan, schema, s, options);
  const main = perEntity(plan, schema, s, options, s.measures.filter((p) => !isDistinct(p.measure)));
  const distinct = s.measures.filter((p) => isDistinct(p.measure));
  if (distinct.length === 0) return main;
  const perValue = perEntityValues(plan, schema, s, options, distinct);
  const out = (p: PartialMeasure): Expr =>
    p.measure.aggregate === 'count_distinct' ? coalesce(col(p.measure.column, 'd'), num(0)) : col(p.measure.column, isDistinct(p.measure) ? 'd' : 'a');
  return select({
    columns: [{ expr: col('id', 'a'), alias: 'id' }, ...s.measures.map((p) => ({ expr: out(p), alias: p.measure.column }))],
    from: subquery(main, 'a'),
    joins: [join('LEFT', subquery(perValue, 'd'), bin('=', col('id', 'd'), col('id', 'a')))],
  });
}
