// The per-row expressions both the refresh and the merge read a source table with: the raw key of
// a row, its day bucket, which measures it matches, and each measure's partial aggregate. One
// place, so that a partial stored by one run and the raw edge rows read by the next are the same
// aggregate of the same rows.
import type { ColumnDefinition, Expr, RankKey, SqlType } from '../sql/ast.js';
import { aggregate, and, bin, caseWhen, cast, codePointOrder, col, concat, countAll, dayStart, FALSE, firstValueBy, isNull, NULL, oneOf, or, str, ts } from '../sql/ast.js';
import { filterCondition } from '../sql/lower.js';
import { storedTotal, summand, summandCount } from '../sql/exact-sum.js';
import { columnValue } from '../sql/finite-values.js';
import type { Measure, Plan } from '../plan/plan.js';
import type { IncrementalScan, PartialMeasure, TimeRange } from '../plan/physical/incremental-pass.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** How a source table's rows are read: its alias and whether anonymous rows are kept (stitching). */
export interface RowContext {
  readonly plan: Plan;
  readonly table: string;
  readonly alias: string;
}

export function stitches(ctx: RowContext): boolean {
  const identity = ctx.plan.identity;
  if (identity === null) return false;
  const known = identity.tableColumns[ctx.table];
  return known === undefined || known.includes(ctx.plan.layout.columns.anonymousId);
}

const userOf = (ctx: RowContext): Expr => col(ctx.plan.layout.columns.userId, ctx.alias);
const anonymousOf = (ctx: RowContext): Expr => col(ctx.plan.layout.columns.anonymousId, ctx.alias);
export const eventTimeOf = (ctx: RowContext): Expr => col(ctx.plan.layout.eventTime, ctx.alias);

/**
 * The raw identity of a row, tagged so that a user id and an anonymous id never collide: the row's
 * own user_id, else (stitching on) its anonymous_id; NULL for a row that is nobody's.
 */
export function rawKey(ctx: RowContext): Expr {
  const whens = [{ when: isNull(userOf(ctx), true), then: concat(str('u:'), userOf(ctx)) }];
  if (stitches(ctx)) whens.push({ when: isNull(anonymousOf(ctx), true), then: concat(str('a:'), anonymousOf(ctx)) });
  return caseWhen(whens);
}

/** ru / ra: the row's user_id, and its anonymous_id when it has no user_id (stitching on). */
export function rawIdentity(ctx: RowContext): { ru: Expr; ra: Expr } {
  const ra = stitches(ctx) ? caseWhen([{ when: isNull(userOf(ctx)), then: anonymousOf(ctx) }]) : cast(NULL, 'string');
  return { ru: userOf(ctx), ra };
}

export function hasRawKey(ctx: RowContext): Expr {
  return stitches(ctx) ? or(isNull(userOf(ctx), true), isNull(anonymousOf(ctx), true)) : isNull(userOf(ctx), true);
}

export const bucketOf = (ctx: RowContext): Expr => dayStart(eventTimeOf(ctx));

/** The scan's event names, as the full lowering narrows it; TRUE when it reads every row. */
export function eventNarrowing(s: IncrementalScan, ctx: RowContext): Expr[] {
  const values = [...new Set(s.scan.measures.map((m) => m.match.value))];
  if (values.includes(null) || new Set(s.scan.measures.map((m) => m.match.column)).size > 1) return [];
  const column = col(s.scan.measures[0].match.column, ctx.alias);
  return values.length === 1 ? [bin('=', column, str(values[0] as string))] : [oneOf(column, values.map((v) => str(v as string)))];
}

/** A measure's own event and property filters (no window: the bucket or the raw region says when). */
export function measureMatch(m: Measure, ctx: RowContext, propertyNotNull = true): Expr[] {
  const parts: Expr[] = [];
  if (m.match.value !== null) parts.push(bin('=', col(m.match.column, ctx.alias), str(m.match.value)));
  for (const f of m.filters) parts.push(filterCondition(f, ctx.alias));
  if (m.property !== null && propertyNotNull) parts.push(isNull(measuredValue(m, ctx), true));
  return parts;
}

/**
 * The property a measure aggregates, as the full lowering reads it (lower-scan.ts): a number that
 * is not finite is null, but for a sum, whose summands leave it out themselves (exact-sum.ts).
 */
function measuredValue(m: Measure, ctx: RowContext): Expr {
  if (m.property === null) throw new Error(`internal error: measure ${m.column} (${m.aggregate}) has no property`);
  return m.aggregate === 'sum' || m.aggregate === 'avg' ? col(m.property, ctx.alias) : columnValue(ctx.plan, ctx.table, m.property, ctx.alias);
}

const isFirstLast = (s: IncrementalScan): boolean => s.ranked !== null && s.ranked.kind !== 'most_frequent';

/**
 * Rows a scan reads at all beyond its event names: a first / last scan reads only its trait's
 * matching rows (the chosen row's value may be null, so the property is not required).
 */
export function scanRowCondition(s: IncrementalScan, ctx: RowContext): Expr[] {
  return isFirstLast(s) ? measureMatch(s.scan.measures[0], ctx, false) : [];
}

/** The partial columns of a scan's measures (first / last: the day's chosen row). */
export function scanPartialColumns(plan: Plan, s: IncrementalScan): ColumnDefinition[] {
  if (!isFirstLast(s)) return s.scan.measures.flatMap((m) => partialColumns(plan, s.table, m));
  const column = (name: string, type: SqlType): ColumnDefinition => ({ name, type, nullable: true });
  return [column('t', 'timestamp'), column('rid', propertyType(plan, s.table, plan.layout.columns.id)), column('v', propertyType(plan, s.table, s.scan.measures[0].property!))];
}

/** The order first / last rank rows in, as the full lowering ranks them: time, then the smaller event id (nulls last). */
export function firstLastOrder(plan: Plan, s: IncrementalScan, time: Expr, id: Expr): RankKey[] {
  const direction = s.ranked?.kind === 'last' ? 'DESC' : 'ASC';
  return [
    { expr: time, direction, type: 'timestamp' },
    { expr: ordered(plan, s.table, plan.layout.columns.id, id), direction: 'ASC', type: 'other' },
  ];
}

/** The aggregates of scanPartialColumns over a group of rows (first / last: rows already restricted by scanRowCondition). */
export function scanPartialAggregates(plan: Plan, s: IncrementalScan, ctx: RowContext, only: Expr[]): Expr[] {
  if (!isFirstLast(s)) return s.scan.measures.flatMap((m) => partialAggregates(plan, s.table, m, ctx, only));
  const time = eventTimeOf(ctx);
  const order = firstLastOrder(plan, s, time, col(plan.layout.columns.id, ctx.alias));
  const chosen = (e: Expr): Expr => firstValueBy(e, order);
  return [chosen(time), chosen(col(plan.layout.columns.id, ctx.alias)), chosen(measuredValue(s.scan.measures[0], ctx))];
}

export function inRange(range: TimeRange, time: Expr, asOf: string): Expr[] {
  const parts: Expr[] = [bin('<=', time, ts(asOf))];
  if (range.from !== null) parts.push(bin(range.fromInclusive ? '>=' : '>', time, ts(iso(range.from))));
  if (range.to !== null) parts.push(bin('<', time, ts(iso(range.to))));
  return parts;
}

/** An interval of event times (ms; ±Infinity where unbounded), as rawDays merges them. */
interface Span {
  readonly lo: number;
  readonly loIn: boolean;
  readonly hi: number;
  readonly hiIn: boolean;
}

function intersect(a: Span, b: Span): Span {
  const lo = a.lo === b.lo ? { lo: a.lo, loIn: a.loIn && b.loIn } : a.lo > b.lo ? { lo: a.lo, loIn: a.loIn } : { lo: b.lo, loIn: b.loIn };
  const hi = a.hi === b.hi ? { hi: a.hi, hiIn: a.hiIn && b.hiIn } : a.hi < b.hi ? { hi: a.hi, hiIn: a.hiIn } : { hi: b.hi, hiIn: b.hiIn };
  return { ...lo, ...hi };
}

const nonEmpty = (s: Span): boolean => s.lo < s.hi || (s.lo === s.hi && s.loIn && s.hiIn);

/** rawRegion's instants as spans (the as_of bound left to the caller). */
function rawSpans(p: PartialMeasure, options: { skipEdgeBucket?: boolean }): Span[] {
  const range: Span = { lo: p.range.from ?? -Infinity, loIn: p.range.from !== null && p.range.fromInclusive, hi: p.range.to ?? Infinity, hiIn: false };
  const outside: Span[] = [{ lo: p.buckets.to, loIn: true, hi: Infinity, hiIn: false }];
  if (p.buckets.from !== null && !options.skipEdgeBucket) outside.push({ lo: -Infinity, loIn: false, hi: p.buckets.from, hiIn: false });
  return outside.map((o) => intersect(range, o)).filter(nonEmpty);
}

/** Overlapping or touching spans joined, in time order. */
function merged(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.lo - b.lo || Number(b.loIn) - Number(a.loIn));
  const out: Span[] = [];
  for (const next of sorted) {
    const last = out.at(-1);
    if (last !== undefined && (next.lo < last.hi || (next.lo === last.hi && (next.loIn || last.hiIn)))) {
      out[out.length - 1] = { ...last, ...(next.hi > last.hi ? { hi: next.hi, hiIn: next.hiIn } : next.hi === last.hi ? { hiIn: last.hiIn || next.hiIn } : {}) };
    } else out.push(next);
  }
  return out;
}

function spanBounds(s: Span, time: Expr): Expr[] {
  const parts: Expr[] = [];
  if (s.lo !== -Infinity) parts.push(bin(s.loIn ? '>=' : '>', time, ts(iso(s.lo))));
  if (s.hi !== Infinity) parts.push(bin(s.hiIn ? '<=' : '<', time, ts(iso(s.hi))));
  return parts;
}

export interface RawDaysOptions {
  readonly skipEdgeBucket?: boolean;
  /**
   * The earliest instant as a conjunct of its own: where the engine skips blocks by range (DuckDB's
   * zone maps). Elsewhere (SqlPrinter.prunesBlocksByRange false: Postgres) it is left out: with
   * the caller's as_of bound it makes one range from the earliest edge day to as_of, which
   * Postgres then reads through the event-time index whole, keeping only the OR's days (a 30-day
   * window for its edge and open days); without it each day of the OR is a range of its own
   * (BitmapOr). BENCHMARKS.md, "Postgres: the raw days by index".
   */
  readonly earliestBound?: boolean;
}

/**
 * The rows any of `parts` reads raw (the OR of their rawRegions, without the as_of bound the caller
 * adds), as conjuncts: the earliest instant of them all, then one flat OR of disjoint time ranges.
 * The scan of many windows repeats the same edge and open days measure after measure; nested, that
 * OR hides every bound from the engine, which then reads the whole table (DuckDB at SF 1: ~140 ms
 * of CPU against ~75 ms for this form on `logged_in`, one thread).
 */
export function rawDays(parts: readonly PartialMeasure[], ctx: RowContext, options: RawDaysOptions = {}): Expr[] {
  const spans = merged(parts.flatMap((p) => rawSpans(p, options)));
  const time = eventTimeOf(ctx);
  if (spans.length === 0) return [FALSE];
  const each = spans.map((s) => spanBounds(s, time));
  if (each.some((b) => b.length === 0)) return [];
  if (each.length === 1) return each[0];
  const first = spans[0];
  const earliest = first.lo === -Infinity || options.earliestBound === false ? [] : [bin(first.loIn ? '>=' : '>', time, ts(iso(first.lo)))];
  return [...earliest, or(...each.map((b) => and(...b)))];
}

/** The part of a measure's range that its stored buckets do not cover: read raw each run. */
export function rawRegion(p: PartialMeasure, ctx: RowContext, options: { skipEdgeBucket?: boolean } = {}): Expr {
  const time = eventTimeOf(ctx);
  const outside: Expr[] = [bin('>=', time, ts(iso(p.buckets.to)))];
  if (p.buckets.from !== null && !options.skipEdgeBucket) outside.push(bin('<', time, ts(iso(p.buckets.from))));
  return and(...inRange(p.range, time, ctx.plan.asOf), or(...outside));
}

export function propertyType(plan: Plan, table: string, property: string): SqlType {
  const type = plan.columnTypes[table]?.[property];
  switch (type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'timestamp':
      return type;
    default:
      throw new Error(`property ${table}.${property} has no storable type (the incremental pass keeps such scans full)`);
  }
}

export const isDistinct = (m: Measure): boolean => m.aggregate === 'count_distinct' || m.aggregate === 'sorted_distinct_list';

/** A value ordered as the full lowering orders it (code points for strings). */
export function ordered(plan: Plan, table: string, property: string | null, e: Expr): Expr {
  return property !== null && plan.columnTypes[table]?.[property] === 'string' ? codePointOrder(e) : e;
}

/** The partial columns of a measure in the partial table (distinct measures live in the value table). */
export function partialColumns(plan: Plan, table: string, m: Measure): ColumnDefinition[] {
  const column = (name: string, type: SqlType): ColumnDefinition => ({ name, type, nullable: true });
  switch (m.aggregate) {
    case 'count':
      return [column(m.column, 'integer')];
    case 'sum':
      return [column(`${m.column}_sum`, 'decimal')];
    case 'avg':
      return [column(`${m.column}_sum`, 'decimal'), column(`${m.column}_n`, 'integer')];
    case 'min':
    case 'max':
      return [column(m.column, propertyType(plan, table, m.property!))];
    case 'count_distinct':
    case 'sorted_distinct_list':
      return [];
  }
}

/** The aggregates that fill a measure's partial columns from rows, in partialColumns' order. */
export function partialAggregates(plan: Plan, table: string, m: Measure, ctx: RowContext, only: Expr[]): Expr[] {
  const filter = and(...measureMatch(m, ctx), ...only);
  const property = m.property === null ? null : measuredValue(m, ctx);
  switch (m.aggregate) {
    case 'count':
      return [countAll(filter)];
    case 'sum':
      return [storedTotal(summand(property!, plan.columnTypes[table]?.[m.property!]), filter)];
    case 'avg': {
      const s = summand(property!, plan.columnTypes[table]?.[m.property!]);
      return [storedTotal(s, filter), summandCount(s, filter)];
    }
    case 'min':
    case 'max':
      return [aggregate(m.aggregate, ordered(plan, table, m.property, property!), filter)];
    case 'count_distinct':
    case 'sorted_distinct_list':
      return [];
  }
}
