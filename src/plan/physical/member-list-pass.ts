// PASS: what a member list may skip. A member list reads only who is in each output, not every
// condition's value (preview and explain do): the users who reached a funnel's earlier steps are
// not read, and users without a row that some output's condition needs (an event scan's, a ranked
// trait's, their latest identify's) are not listed at all.
import { assertNever } from '../../diagnostics/assert-never.js';
import type { Feature, FeatureSource, Plan, PlanAudience, PlanCondition } from '../plan.js';
import { CTE } from './cte-names.js';
import { featuresInputs } from './initial-plan.js';
import { withCtes, type PhysicalPass } from './pass-context.js';
import type { PhysicalCte } from './physical-plan.js';

export const memberListPass: PhysicalPass = (physical, ctx) => {
  if (ctx.body.kind !== 'members') return physical;
  const unread = new Set(ctx.plan.features.filter((f) => f.source.kind === 'funnel' && !f.source.final).map((f) => f.column));
  const read = new Set(ctx.plan.features.flatMap((f) => (f.source.kind === 'funnel' && !unread.has(f.column) ? [f.source.cte] : [])));
  const performers = performerRows(ctx.plan, new Set(physical.ctes.map((c) => c.name)));
  const ctes = physical.ctes.flatMap((c): PhysicalCte[] => {
    switch (c.kind) {
      case 'funnel_step':
        return c.strategy === 'distinct_instances' && !read.has(c.name) ? [] : [c];
      case 'features': {
        const columns = c.columns.filter((column) => !unread.has(column));
        const listed = c.level === 'user' && performers !== null;
        const strategy = listed ? 'event_users' : c.strategy;
        const rows = listed ? performers : c.rows;
        return [
          {
            ...c,
            columns,
            strategy,
            rows,
            inputs: featuresInputs(ctx.plan, c.level, strategy, rows, columns),
            reason: listed
              ? `a member list: every user-level output needs a row of ${performers.join(' or ')} (a performed count of at least 1, a trait comparison that a missing value fails, or membership of such an audience), so only those users are listed, not the universe; the run's staging statement is such a list`
              : c.reason,
          },
        ];
      }
      case 'quantifiers':
        return [{ ...c, featureColumns: c.featureColumns.filter((column) => !unread.has(column)) }];
      default:
        return [c];
    }
  });
  return withCtes(physical, ctes);
};

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
 * output needs the universe (a trait output, an audience that holds without events) or when
 * account quantifiers count every user of a membership. The run's staging statement is a member
 * list too: it stages an audience's members only, and a user who leaves is found in the previous
 * snapshot, not among the staged rows.
 *
 * Exact because (1) every such user is in the universe: its id comes from an identify or event
 * row at or before as_of, and docs/semantics.md makes every user_id of those tables a user (with
 * stitching, the owners of anonymous ids are in the universe too, lower-identity.ts); (2) a user's
 * features do not depend on which other users are listed, so a condition, `member:` of another
 * audience computed over the same users included, has the same value for a listed user as over
 * the universe; (3) no user outside these CTEs satisfies an output's condition (impliedRows).
 * Preview, explain and the breakdown read every user and keep the universe.
 */
function performerRows(plan: Plan, emitted: ReadonlySet<string>): readonly string[] | null {
  const userOutputs = plan.outputs.filter((o) => o.level === 'user');
  if (userOutputs.length === 0 || plan.audiences.some((a) => a.quantifiers.length > 0)) return null;
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const audiences = new Map(plan.audiences.map((a) => [a.name, a]));
  const ctes = new Set<string>();
  for (const o of userOutputs) {
    const audience = o.kind === 'audience' ? audiences.get(o.name) : undefined;
    const rows = audience === undefined ? null : impliedRows(audience.condition, features, audiences);
    if (rows === null || rows.some((cte) => !emitted.has(cte))) return null;
    for (const cte of rows) ctes.add(cte);
  }
  return [...ctes];
}
