// The incremental pass (SPEC §6.1, docs/incremental.md): the physical plan's decisions for an
// incremental run. Which event scans keep per-(raw identity, bucket) partials in the state schema,
// at what grain and why; which parts of the statement are recomputed in full each run and why; and,
// per definition, whether its answer comes from partials (`incremental`) or not. Warehouse-free and
// serialisable like the rest of the physical plan (`quorum explain --plan` prints it); the engine
// (src/incremental/) carries the decisions out.
import { createHash } from 'node:crypto';
import type { Level, TimeWindow } from '../../definitions/model.js';
import type { EventScan, Feature, Measure, Plan, PlanCondition, RankedTrait } from '../plan.js';
import { PRESET_ARRIVAL_COLUMNS } from '../../definitions/source-layout.js';
import type { ArrivalColumns } from './arrival-columns.js';
import { CTE } from './cte-names.js';

/** The grain of the partials: one UTC day. Changing it changes every partial table's name. */
export const BUCKET_SECONDS = 86_400;

export type { ArrivalColumns } from './arrival-columns.js';
import { funnelFallbackOf, funnelPass, type FunnelPass, type IncrementalFunnel } from './funnel-pass.js';
import { entityScopePass, type EntityScope, type EntityScopePlan, type ScanRead, type SharedRead } from './entity-scope-pass.js';

const DAY_MS = BUCKET_SECONDS * 1000;

/** A time range of event times: [from or (from, to), closed on the right at as_of unless `to`. */
export interface TimeRange {
  readonly from: number | null; // ms
  readonly fromInclusive: boolean;
  readonly to: number | null; // ms, exclusive
}

/** A measure's days taken from partials: buckets [from, to) (ms, midnights); the rest of its range is read raw. */
export interface BucketRange {
  readonly from: number | null;
  readonly to: number;
}

export interface PartialMeasure {
  readonly measure: Measure;
  readonly range: TimeRange;
  readonly buckets: BucketRange;
}

export interface IncrementalScan {
  readonly scan: EventScan;
  readonly level: Level;
  readonly table: string;
  /** The state table of per-(raw key, day) partials; `${partialTable}_v` holds per-value counts. */
  readonly partialTable: string;
  readonly arrivalColumn: string;
  readonly measures: readonly PartialMeasure[];
  /** Rows any measure can use (the scan's own narrowing): its presence decides which ids the scan CTE lists. */
  readonly presence: PartialMeasure;
  /** group_context: the partials are kept per context account too, and filtered when they meet the memberships. */
  readonly context: boolean;
  /** Distinct properties whose per-value counts are kept. */
  readonly valueProperty: string | null;
  /** Stored buckets: [storedFrom, closedEnd) (ms); storedFrom null = all history. */
  readonly storedFrom: number | null;
  readonly closedEnd: number;
  /**
   * A ranked trait's own scan: most_frequent keeps per-value counts (its CTE ranks the merged
   * counts); first / last keep each day's earliest / latest matching row (time, id, value).
   */
  readonly ranked: { readonly kind: 'most_frequent'; readonly minFrequency: number } | { readonly kind: 'first' | 'last'; readonly trait: RankedTrait } | null;
  /**
   * Which stored rows are kept. `every day`: each (raw key, day)'s rows. `winner per key`: an
   * all-history first / last keeps, per raw key (and context account), only the rows that rank
   * first among its stored rows: with rows only appended, a row that lost once loses at every
   * later run, and a recomputed (raw key, day) only gains rows, so its new chosen row ranks at
   * least as high as the one it replaces. The kept row stays in its own day's bucket, so the
   * refresh's (raw key, day) bookkeeping is unchanged.
   */
  readonly keep: 'every day' | 'winner per key';
  /** The bucket of the partials, in seconds (one UTC day). */
  readonly grain: number;
  /** Why the scan keeps what it keeps, for a person (`quorum explain --plan`). */
  readonly reason: string;
}

export interface Recomputed {
  readonly part: string; // a CTE name or a kind of part
  readonly reason: string;
  /** true: the definitions reading it run full; false: only this part is re-read, the rest is incremental. */
  readonly makesFull: boolean;
}

export interface DefinitionMode {
  readonly name: string;
  readonly mode: 'full' | 'incremental';
  readonly reasons: readonly string[];
}

export interface IncrementalPlan {
  readonly asOf: string;
  readonly scans: readonly IncrementalScan[];
  /** Funnels whose per-user answers are kept in state (funnel-pass.ts). */
  readonly funnels: readonly IncrementalFunnel[];
  readonly recomputed: readonly Recomputed[];
  readonly definitions: readonly DefinitionMode[];
  /** Per definition, the entities a run recomputes and diffs (entity-scope-pass.ts). */
  readonly scopes: EntityScopePlan;
}

export const dayFloor = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const dayCeil = (ms: number): number => Math.ceil(ms / DAY_MS) * DAY_MS;

export function windowRange(window: TimeWindow | null, asOfMs: number): TimeRange {
  if (window === null) return { from: null, fromInclusive: true, to: null };
  if (window.kind === 'within') return { from: asOfMs - window.seconds * 1000, fromInclusive: false, to: null };
  return { from: Date.parse(window.start), fromInclusive: true, to: Date.parse(window.end) };
}

/** The closed days wholly inside a range (at as_of): a bucket [d, d + 1 day) is closed when d + 1 day <= as_of. */
export function bucketRange(range: TimeRange, asOfMs: number): BucketRange {
  const closedEnd = dayFloor(asOfMs);
  const to = range.to === null ? closedEnd : Math.min(dayFloor(range.to), closedEnd);
  // (from, ...: a bucket starting at `from` holds the excluded instant itself.
  const from = range.from === null ? null : range.fromInclusive ? dayCeil(range.from) : dayFloor(range.from) + DAY_MS;
  return { from, to: from !== null && from > to ? from : to };
}

/** The widest of the ranges, as the full lowering's scan narrowing reads it (one lower bound, up to as_of). */
function earliest(ranges: readonly TimeRange[]): TimeRange {
  let out: TimeRange | null = null;
  for (const r of ranges) {
    if (r.from === null) return { from: null, fromInclusive: true, to: null };
    if (out === null || r.from < out.from! || (r.from === out.from && r.fromInclusive)) out = { from: r.from, fromInclusive: r.fromInclusive, to: null };
  }
  return out ?? { from: null, fromInclusive: true, to: null };
}

/** The full lowering's CTEs that facts in state can stand for (universe-sql.ts). */
const UNIVERSE_PARTS: readonly string[] = [CTE.userUniverse, CTE.accountUniverse, CTE.memberships, CTE.identityEdges];

const MERGEABLE: ReadonlySet<Measure['aggregate']> = new Set(['count', 'sum', 'avg', 'min', 'max', 'count_distinct', 'sorted_distinct_list']);
const STORABLE_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'timestamp']);

function scanFallback(plan: Plan, scan: EventScan, settings: ArrivalColumns): string | null {
  if (settings.arrivalColumn(scan.table) === null) return `table ${scan.table} has no arrival column (source.arrival_time)`;
  const types = plan.columnTypes[scan.table];
  if (types === undefined && !settings.offline) return `the catalog does not know table ${scan.table}`;
  // Offline the catalog was not read: a column's type is not checked (undefined: unknown, assumed fit).
  const typeOf = (column: string): string | undefined => types?.[column];
  const not = (column: string, fit: (type: string) => boolean): boolean => typeOf(column) !== undefined ? !fit(typeOf(column)!) : types !== undefined;
  const isString = (type: string) => type === 'string';
  if (not(plan.layout.columns.userId, isString)) return `${scan.table}.${plan.layout.columns.userId} is not a string column`;
  for (const m of scan.measures) {
    if (m.groupContext && not(plan.layout.columns.contextGroupId, isString)) return `${scan.table}.${plan.layout.columns.contextGroupId} is not a string column`;
    if (!MERGEABLE.has(m.aggregate)) return `${m.aggregate} has no partial`;
    if (m.property !== null && not(m.property, (type) => STORABLE_TYPES.has(type))) return `property ${m.property} has no storable type`;
  }
  const distinct = new Set(scan.measures.filter((m) => m.aggregate === 'count_distinct' || m.aggregate === 'sorted_distinct_list').map((m) => m.property));
  if (distinct.size > 1) return 'distinct measures over two properties of one table are not kept in partials yet';
  return null;
}

function partialTableName(plan: Plan, scan: EventScan, arrivalColumn: string): string {
  const signature = JSON.stringify({
    grain: BUCKET_SECONDS,
    // Several rows per (raw key, day), bounded by arrival (partial-refresh.ts): tables of the one-row layout are rebuilt.
    rows: 'appended',
    schema: plan.layout.schema,
    eventTime: plan.layout.eventTime,
    arrivalColumn,
    stitching: plan.identity !== null,
    table: scan.table,
    // group_context keeps partials per context account too: another table.
    context: scan.level === 'account' && scan.measures.some((m) => m.groupContext),
    measures: scan.measures.map((m) => [m.column, m.aggregate, m.property, m.match, m.window, m.filters]),
    // Sums were kept as doubles before they were kept in fixed point (exact-sum.ts): such tables are rebuilt.
    ...(scan.measures.some((m) => m.aggregate === 'sum' || m.aggregate === 'avg') ? { sums: 'decimal(38,9)' } : {}),
    // NaN and the infinities were kept as values before they were read as null (finite-values.ts): such tables are rebuilt.
    ...(scan.measures.some((m) => readsNonFinite(plan, scan.table, m)) ? { nonFinite: 'null' } : {}),
  });
  return `inc_${createHash('sha256').update(signature).digest('hex').slice(0, 16)}`;
}

function readsNonFinite(plan: Plan, table: string, m: Measure): boolean {
  const summed = m.aggregate === 'sum' || m.aggregate === 'avg';
  return (!summed && m.property !== null && plan.columnTypes[table]?.[m.property] === 'number') || m.filters.some((f) => f.type === 'number');
}

function incrementalScan(plan: Plan, scan: EventScan, arrivalColumn: string): IncrementalScan {
  const asOfMs = Date.parse(plan.asOf);
  const partial = (measure: Measure, range: TimeRange): PartialMeasure => ({ measure, range, buckets: bucketRange(range, asOfMs) });
  const measures = scan.measures.map((m) => partial(m, windowRange(m.window, asOfMs)));
  const presenceRange = earliest(measures.map((m) => m.range));
  const presence = partial({ ...scan.measures[0], column: 'n_rows', aggregate: 'count', property: null, window: null, filters: [] }, presenceRange);
  const froms = [presence, ...measures].map((m) => m.buckets.from);
  const distinct = scan.measures.find((m) => m.aggregate === 'count_distinct' || m.aggregate === 'sorted_distinct_list');
  return {
    scan,
    level: scan.level,
    table: scan.table,
    partialTable: partialTableName(plan, scan, arrivalColumn),
    arrivalColumn,
    measures,
    presence,
    valueProperty: distinct?.property ?? null,
    context: scan.level === 'account' && scan.measures.some((m) => m.groupContext),
    storedFrom: froms.includes(null) ? null : Math.min(...(froms as number[])),
    closedEnd: dayFloor(asOfMs),
    ranked: null,
    keep: 'every day',
    grain: BUCKET_SECONDS,
    reason: grainReason(presence.range, measures),
  };
}

/** Why a scan keeps what it keeps: which days come from partials and which are read raw each run. */
function grainReason(presence: TimeRange, measures: readonly PartialMeasure[]): string {
  const windows = measures.filter((m) => m.range.from !== null || m.range.to !== null).length;
  const kept = presence.from === null ? 'every closed day of history' : 'the closed days inside its widest window';
  const raw = windows === 0 ? 'the open day that holds as_of' : "the open day that holds as_of and each window's edge day";
  return `per (raw identity, UTC day) partials of ${kept}, so a new identity edge re-attributes without a rescan; ${raw} read raw each run`;
}

const WINNER_REASON =
  'per raw identity, only the winning row over all history (in its UTC day): a row that lost once never wins again, and a late row that beats it replaces it; keyed by raw identity, so a new identity edge re-attributes without a rescan; the open day that holds as_of read raw each run';

/**
 * A ranked trait as a scan of one measure. most_frequent: a distinct measure, whose per-(raw key,
 * day, value) counts are what its ranking needs. first / last: a min / max of the property, which
 * gives the checks of its type; its partials are the day's first / last row (partial-columns.ts).
 */
function rankedScan(r: RankedTrait): EventScan {
  const aggregate = r.compute === 'most_frequent' ? 'count_distinct' : r.compute === 'first' ? 'min' : 'max';
  const measure: Measure = { column: 'ranked', aggregate, property: r.property, match: r.match, window: r.window, filters: r.filters, groupContext: r.groupContext };
  return { name: r.name, level: r.level, table: r.match.table, measures: [measure] };
}

/** The features each output reads, through the audiences it is a member of. */
export function featuresRead(plan: Plan, name: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (c: PlanCondition): void => {
    switch (c.kind) {
      case 'all':
      case 'any':
        c.children.forEach(walk);
        return;
      case 'not':
        walk(c.child);
        return;
      case 'compare':
      case 'count':
        out.add(c.feature);
        return;
      case 'funnel':
        c.steps.forEach(walk);
        return;
      case 'member':
      case 'member_of_account_audience':
        audience(c.audience);
        return;
      case 'quantifier':
        walk(c.condition);
        return;
    }
  };
  const audience = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    const a = plan.audiences.find((x) => x.name === n);
    if (a) walk(a.condition);
  };
  const output = plan.outputs.find((o) => o.name === name);
  if (output?.kind === 'trait') output.columns.forEach((c) => out.add(c.feature));
  else audience(name);
  return out;
}

function featureReason(plan: Plan, f: Feature, scans: ReadonlyMap<string, IncrementalScan>, fallbacks: ReadonlyMap<string, string>, funnels: FunnelPass): string | null {
  const s = f.source;
  switch (s.kind) {
    case 'custom_trait':
      return null;
    case 'measure':
      return scans.has(s.scan) ? null : `${s.scan}: ${fallbacks.get(s.scan) ?? 'not kept in partials'}`;
    case 'ranked':
      return scans.has(s.cte) ? null : `${s.cte}: ${fallbacks.get(s.cte) ?? 'not kept in partials'}`;
    case 'funnel': {
      const reason = funnelFallbackOf(plan, funnels, s.cte);
      return reason === null ? null : `${s.cte}: ${reason}`;
    }
    case 'sql_trait':
      return `${s.cte}: a SQL trait has no partials; it is re-run each run`;
  }
}

/** `fromState`: the CTEs of the universes, memberships and identity that the run reads from facts in state. */
export function incrementalPass(plan: Plan, settings: ArrivalColumns, fromState: readonly string[] = []): IncrementalPlan {
  const scans = new Map<string, IncrementalScan>();
  const fallbacks = new Map<string, string>();
  for (const scan of plan.scans) {
    const reason = scanFallback(plan, scan, settings);
    if (reason === null) scans.set(scan.name, incrementalScan(plan, scan, settings.arrivalColumn(scan.table)!));
    else fallbacks.set(scan.name, reason);
  }
  for (const r of plan.ranked) {
    const scan = rankedScan(r);
    const idType = plan.columnTypes[r.match.table]?.[plan.layout.columns.id];
    const reason = scanFallback(plan, scan, settings) ?? (r.compute !== 'most_frequent' && !(idType === undefined && settings.offline) && !STORABLE_TYPES.has(idType ?? 'unknown') ? 'the event id column has no storable type' : null);
    if (reason !== null) {
      fallbacks.set(r.name, reason);
      continue;
    }
    const ranked = r.compute === 'most_frequent' ? { kind: r.compute, minFrequency: r.minFrequency } : { kind: r.compute, trait: r };
    const base = incrementalScan(plan, scan, settings.arrivalColumn(scan.table)!);
    // A window moves with as_of and can leave the winner behind; over all history nothing leaves.
    const winnerOnly = r.compute !== 'most_frequent' && r.window === null;
    scans.set(r.name, winnerOnly ? { ...base, ranked, keep: 'winner per key', reason: WINNER_REASON } : { ...base, ranked });
  }
  const funnels = funnelPass(plan, settings, fromState.includes(CTE.identityEdges));
  const recomputed: Recomputed[] = [
    ...[...UNIVERSE_PARTS.filter((p) => !fromState.includes(p)), 'custom traits'].map((part) => ({ part, reason: 'read from the source each run (not kept in state)', makesFull: false })),
    ...[...fallbacks].map(([part, reason]) => ({ part, reason, makesFull: true })),
    ...[...funnels.fallbacks].map(([part, reason]) => ({ part, reason, makesFull: true })),
    ...plan.sqlTraits.map((t) => ({ part: t.name, reason: 'a SQL trait has no partials: it is re-run each run', makesFull: true })),
  ];
  const featureByColumn = new Map(plan.features.map((f) => [f.column, f]));
  const definitions = plan.outputs.map((o): DefinitionMode => {
    const reasons = [...featuresRead(plan, o.name)].flatMap((column) => {
      const f = featureByColumn.get(column);
      const reason = f === undefined ? null : featureReason(plan, f, scans, fallbacks, funnels);
      return reason === null ? [] : [reason];
    });
    return { name: o.name, mode: reasons.length === 0 ? 'incremental' : 'full', reasons: [...new Set(reasons)] };
  });
  const scopes = entityScopePass(plan, settings, [...scans.values()], definitions, (name) => featuresRead(plan, name));
  return { asOf: plan.asOf, scans: [...scans.values()], funnels: funnels.funnels, recomputed, definitions, scopes };
}

/** One part of the statement as `quorum explain --plan` shows it: kept in partials (and at what grain) or recomputed, and why. */
export interface IncrementalDecision {
  readonly part: string;
  readonly kind: 'partials' | 'recomputed';
  /** partials: the bucket in seconds */
  readonly grain: number | null;
  readonly reason: string;
}

/** The pass's decisions in short, for the physical plan's readers (the engine reads IncrementalPlan itself). */
export interface IncrementalDecisions {
  readonly enabled: boolean;
  readonly parts: readonly IncrementalDecision[];
  readonly definitions: readonly DefinitionMode[];
  readonly scopes: readonly EntityScope[];
  readonly reads: readonly ScanRead[];
  readonly shared: readonly SharedRead[];
}

export function incrementalDecisions(pass: IncrementalPlan, enabled: boolean): IncrementalDecisions {
  return {
    enabled,
    parts: [
      ...pass.scans.map((s): IncrementalDecision => ({ part: s.scan.name, kind: 'partials', grain: s.grain, reason: s.reason })),
      ...pass.recomputed.map((r): IncrementalDecision => ({ part: r.part, kind: 'recomputed', grain: null, reason: r.reason })),
    ],
    definitions: pass.definitions,
    scopes: pass.scopes.definitions,
    reads: pass.scopes.reads,
    shared: pass.scopes.shared,
  };
}

/**
 * The pass as `quorum explain --plan` runs it, without a warehouse: each table is taken to have the
 * arrival column the project names (or its preset's), column types are not checked, and the
 * universes, memberships and identity edges are taken to come from facts in state.
 */
export function offlineIncrementalPass(plan: Plan): IncrementalPlan {
  const layout = plan.layout;
  const column = layout.arrivalTime ?? PRESET_ARRIVAL_COLUMNS[layout.preset].join(' or ');
  return incrementalPass(plan, { arrivalColumn: () => column, offline: true }, UNIVERSE_PARTS);
}
