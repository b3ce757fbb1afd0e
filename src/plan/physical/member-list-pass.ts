// PASS: what a member list may skip, and which users outside the universe an audience still lists.
// A member list reads only who is in each output, not every condition's value (preview and
// explain do): the users who reached a funnel's earlier steps are not read, and users without a
// row that some output's condition needs (an event scan's, a ranked trait's, their latest
// identify's) are not listed at all.
//
// An audience that only users with such a row satisfy is evaluated over those rows, wherever they
// come from, and a per-event table can hold a user_id that the universe lacks (Segment writes every
// track call to `tracks` too; a hand-edited or half-loaded warehouse may not). Finding those users
// through the universe would mean reading every event table in full, so the rule is the member
// list's (docs/semantics.md, "Entities"): such a user is a member of an audience that needs an
// event row where its rows qualify, and a user of nothing else. Where the universe is read anyway
// (another output needs it, preview's breakdown, explain), the users of those event CTEs that it
// lacks get a features row of their own, read by the audiences that need a row only: so an
// audience has the same members whichever statement computes it.
import { assertNever } from '../../diagnostics/assert-never.js';
import type { Feature, FeatureSource, Plan, PlanAudience, PlanCondition } from '../plan.js';
import { CTE } from './cte-names.js';
import { featuresInputs } from './initial-plan.js';
import { distinctInputs, withCtes, type PhysicalPass } from './pass-context.js';
import { cteInput, type PhysicalCte } from './physical-plan.js';

type FeaturesCte = Extract<PhysicalCte, { kind: 'features' }>;

export const memberListPass: PhysicalPass = (physical, ctx) => {
  const members = ctx.body.kind === 'members';
  const unread = new Set(
    members ? ctx.plan.features.filter((f) => f.source.kind === 'funnel' && !f.source.final).map((f) => f.column) : [],
  );
  const read = new Set(ctx.plan.features.flatMap((f) => (f.source.kind === 'funnel' && !unread.has(f.column) ? [f.source.cte] : [])));
  const needed = rowsNeeded(ctx.plan, new Set(physical.ctes.map((c) => c.name)));
  const performers = members ? performerRows(ctx.plan, needed) : null;
  const outside = performers === null ? outsideRows(ctx.plan, needed) : [];
  const ctes = physical.ctes.flatMap((c): PhysicalCte[] => {
    switch (c.kind) {
      case 'funnel_step':
        return members && c.strategy === 'distinct_instances' && !read.has(c.name) ? [] : [c];
      case 'features': {
        const columns = c.columns.filter((column) => !unread.has(column));
        if (c.name !== CTE.features('user')) return [{ ...c, columns }];
        const listed = performers !== null;
        const strategy = listed ? 'event_users' : c.strategy;
        const rows = listed ? performers : c.rows;
        const features: FeaturesCte = {
          ...c,
          columns,
          strategy,
          rows,
          inputs: featuresInputs(ctx.plan, c.level, strategy, rows, columns),
          reason: listed
            ? `a member list: every user-level output needs a row of ${performers.join(' or ')} (a performed count of at least 1, a trait comparison that a missing value fails, or membership of such an audience), so only those users are listed, not the universe; the run's staging statement is such a list`
            : c.reason,
        };
        return outside.length === 0 ? [features] : [features, outsideFeatures(ctx.plan, outside, columns)];
      }
      case 'quantifiers':
        return [{ ...c, featureColumns: c.featureColumns.filter((column) => !unread.has(column)) }];
      case 'audience': {
        if (!needed.get(c.audience)?.some((cte) => outside.includes(cte))) return [c];
        return [{ ...c, outside: CTE.usersOutsideUniverse, inputs: distinctInputs([...c.inputs, cteInput(CTE.usersOutsideUniverse)]) }];
      }
      default:
        return [c];
    }
  });
  return withCtes(physical, ctes);
};

function outsideFeatures(plan: Plan, rows: readonly string[], columns: readonly string[]): FeaturesCte {
  return {
    kind: 'features',
    name: CTE.usersOutsideUniverse,
    level: 'user',
    inputs: featuresInputs(plan, 'user', 'users_outside_universe', rows, columns),
    strategy: 'users_outside_universe',
    rows,
    columns,
    reason: `the users of ${rows.join(', ')} that the user universe lacks (a per-event table can hold a user_id that tracks lacks): members of the audiences that need a row of those, as their member lists would list them, and users of nothing else`,
  };
}

/**
 * Each user-level audience's rows (impliedRows), null where it can hold for a user without any
 * or where a CTE of them is not in the statement.
 */
function rowsNeeded(plan: Plan, emitted: ReadonlySet<string>): Map<string, readonly string[] | null> {
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const audiences = new Map(plan.audiences.map((a) => [a.name, a]));
  const out = new Map<string, readonly string[] | null>();
  for (const a of plan.audiences) {
    if (a.level !== 'user') continue;
    const rows = impliedRows(a.condition, features, audiences);
    out.set(a.name, rows === null || rows.some((cte) => !emitted.has(cte)) ? null : rows);
  }
  return out;
}

/**
 * The CTEs (each keyed by `id`, one row per user) of which a user satisfying `c` is in at least
 * one; null when `c` can hold for a user in none of them.
 *
 * A `count` leaf that needs N >= 1 (`performed` at_least / exactly N, a funnel's last step) reads
 * a feature that is 0 or null for a user without a row in its scan or funnel CTE, so it holds
 * only for users with such a row. A trait comparison holds only for users with a row of the
 * trait's CTE when it is false on the value a user without one gets (missingValueFails). `member:`
 * of a user-level audience holds only where that audience's condition does. `all:` holds only
 * where each child does, so one child's CTEs are enough; `any:` needs every branch to imply some
 * row. `not`, `at_most`, `exactly: 0`, `not_equals`, `not_in`, `exists: false`, a SQL trait, an
 * account audience's membership or a quantifier can hold for users without events.
 */
function impliedRows(c: PlanCondition, features: ReadonlyMap<string, Feature>, audiences: ReadonlyMap<string, PlanAudience>): readonly string[] | null {
  switch (c.kind) {
    case 'count': {
      if (c.op === 'at_most' || c.n < 1) return null;
      const source = features.get(c.feature)?.source;
      if (source?.kind === 'measure') return [source.scan];
      // Only the last step's CTE is emitted for a member list.
      if (source?.kind === 'funnel' && source.final) return [source.cte];
      return null;
    }
    case 'compare': {
      const feature = features.get(c.feature);
      if (feature === undefined || feature.level !== 'user' || !missingValueFails(c, feature.source)) return null;
      const source = feature.source;
      switch (source.kind) {
        case 'custom_trait':
          return [CTE.customTraits('user')];
        case 'measure':
          return [source.scan];
        case 'ranked':
          return [source.cte];
        default:
          return null;
      }
    }
    case 'funnel':
      return impliedRows(c.steps[c.steps.length - 1], features, audiences);
    case 'member': {
      const audience = audiences.get(c.audience);
      return audience?.level === 'user' ? impliedRows(audience.condition, features, audiences) : null;
    }
    case 'all': {
      const implied = c.children.map((child) => impliedRows(child, features, audiences)).filter((r) => r !== null);
      return implied.length === 0 ? null : implied.reduce((a, b) => (b.length < a.length ? b : a));
    }
    case 'any': {
      const implied = c.children.map((child) => impliedRows(child, features, audiences));
      return implied.some((r) => r === null) ? null : [...new Set(implied.flatMap((r) => r ?? []))];
    }
    case 'not':
    case 'member_of_account_audience':
    case 'quantifier':
      return null;
    default:
      return assertNever(c, 'plan node');
  }
}

type Comparison = Extract<PlanCondition, { kind: 'compare' }>;

/**
 * Whether `c` is false for a user without a row of its feature's CTE (docs/semantics.md). Such a
 * user's custom trait, `avg` / `min` / `max`, `first` / `last` / `most_frequent` is null, and a
 * null fails every operator but `not_equals`, `not_in` and `exists: false`. A `unique_list` is
 * `[]`, which only `includes` fails. A `count`, `sum` or `unique_count` is 0: decided only for a
 * numeric literal that 0 fails; anything else keeps the universe.
 */
function missingValueFails(c: Comparison, source: FeatureSource): boolean {
  if (source.kind === 'custom_trait' || source.kind === 'ranked') return nullFails(c);
  if (source.kind !== 'measure') return false;
  switch (source.whenMissing) {
    case 'null':
      return nullFails(c);
    case 'empty_list':
      return c.op === 'includes';
    case 'zero':
      return zeroFails(c);
    default:
      return assertNever(source.whenMissing, 'missing value');
  }
}

function nullFails(c: Comparison): boolean {
  if (c.op === 'not_equals' || c.op === 'not_in') return false;
  if (c.op === 'exists') return c.value === true;
  return true;
}

function zeroFails(c: Comparison): boolean {
  const numbers = (Array.isArray(c.value) ? c.value : [c.value]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length !== (Array.isArray(c.value) ? c.value.length : 1)) return false;
  const [v, w] = numbers;
  switch (c.op) {
    case 'equals':
      return v !== 0;
    case 'in':
      return numbers.every((n) => n !== 0);
    case 'gt':
      return v >= 0;
    case 'gte':
      return v > 0;
    case 'lt':
      return v <= 0;
    case 'lte':
      return v < 0;
    case 'between':
      return numbers.length === 2 && (v > 0 || w < 0);
    default:
      return false;
  }
}

/**
 * The CTEs whose users a member list evaluates user-level conditions over, in place of the user
 * universe: the event scans, funnels, ranked traits and the user custom traits (the latest
 * identify of each user) of which every user-level output's condition needs a row. Null when some
 * output needs the universe (a trait output, an audience that holds without events), when an
 * audience the outputs read holds without events (over these rows it would count users the
 * universe lacks), or when account quantifiers count every user of a membership. The run's
 * staging statement is a member list too: it stages an audience's members only, and a user who
 * leaves is found in the previous snapshot, not among the staged rows.
 *
 * Exact because (1) a user's features do not depend on which other users are listed, so a
 * condition, `member:` of another audience computed over the same users included, has the same
 * value for a listed user as over any other rows; (2) no user outside these CTEs satisfies an
 * output's condition (impliedRows); (3) the users of these CTEs that the universe lacks are what
 * outsideRows adds where the universe is read. Preview, explain and the breakdown read the universe.
 */
function performerRows(plan: Plan, needed: ReadonlyMap<string, readonly string[] | null>): readonly string[] | null {
  const userOutputs = plan.outputs.filter((o) => o.level === 'user');
  if (userOutputs.length === 0 || plan.audiences.some((a) => a.quantifiers.length > 0)) return null;
  if ([...needed.values()].some((rows) => rows === null)) return null;
  const ctes = new Set<string>();
  for (const o of userOutputs) {
    const rows = o.kind === 'audience' ? needed.get(o.name) : null;
    if (rows === undefined || rows === null) return null;
    for (const cte of rows) ctes.add(cte);
  }
  return [...ctes];
}

/**
 * Where the statement reads the user universe: the CTEs of the audiences that need a row whose
 * users the universe may lack. A user's latest identify, and a scan or ranked trait of a table
 * the universe is read from, name only users of the universe (with stitching, an anonymous row's
 * owner is one too); every other event table can hold a user_id that the universe lacks. Nothing
 * when no user-level output keeps the universe (user-universe-pass.ts): users are then read only
 * through memberships, whose users are all in it.
 */
function outsideRows(plan: Plan, needed: ReadonlyMap<string, readonly string[] | null>): readonly string[] {
  if (!plan.outputs.some((o) => o.level === 'user')) return [];
  const universeTables = new Set(plan.userUniverseTables);
  const inUniverse = (cte: string): boolean => {
    if (cte === CTE.customTraits('user')) return true;
    const table = plan.scans.find((s) => s.name === cte)?.table ?? plan.ranked.find((r) => r.name === cte)?.match.table;
    return table !== undefined && universeTables.has(table);
  };
  const ctes = new Set<string>();
  for (const rows of needed.values()) for (const cte of rows ?? []) if (!inUniverse(cte)) ctes.add(cte);
  return [...ctes];
}
