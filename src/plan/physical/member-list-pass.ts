// PASS: what a member list may skip. A member list reads only who is in each output, not every
// condition's value (preview and explain do): the users who reached a funnel's earlier steps are
// not read, and users with no event row that some output's condition needs are not listed at all.
import { assertNever } from '../../diagnostics/assert-never.js';
import type { Feature, Plan, PlanCondition } from '../plan.js';
import { featuresInputs } from './initial-plan.js';
import { withCtes, type PhysicalPass } from './pass-context.js';
import type { PhysicalCte } from './physical-plan.js';

export const memberListPass: PhysicalPass = (physical, ctx) => {
  if (ctx.body.kind !== 'members') return physical;
  const unread = new Set(ctx.plan.features.filter((f) => f.source.kind === 'funnel' && !f.source.final).map((f) => f.column));
  const read = new Set(ctx.plan.features.flatMap((f) => (f.source.kind === 'funnel' && !unread.has(f.column) ? [f.source.cte] : [])));
  const performers = performerRows(ctx.plan);
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
              ? `a member list: every user-level output needs a row of ${performers.join(' or ')}, so only those users are listed, not the universe`
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
 * only for users with such a row. `all:` holds only where each child does, so one child's CTEs
 * are enough; `any:` needs every branch to imply some row. `not`, `at_most`, `exactly: 0`, a
 * trait comparison or an audience membership hold for users without events.
 */
function impliedRows(c: PlanCondition, features: ReadonlyMap<string, Feature>): readonly string[] | null {
  switch (c.kind) {
    case 'count': {
      if (c.op === 'at_most' || c.n < 1) return null;
      const source = features.get(c.feature)?.source;
      if (source?.kind === 'measure') return [source.scan];
      // Only the last step's CTE is emitted for a member list.
      if (source?.kind === 'funnel' && source.final) return [source.cte];
      return null;
    }
    case 'funnel':
      return impliedRows(c.steps[c.steps.length - 1], features);
    case 'all': {
      const implied = c.children.map((child) => impliedRows(child, features)).filter((r) => r !== null);
      return implied.length === 0 ? null : implied.reduce((a, b) => (b.length < a.length ? b : a));
    }
    case 'any': {
      const implied = c.children.map((child) => impliedRows(child, features));
      return implied.some((r) => r === null) ? null : [...new Set(implied.flatMap((r) => r ?? []))];
    }
    case 'not':
    case 'compare':
    case 'member':
    case 'member_of_account_audience':
    case 'quantifier':
      return null;
    default:
      return assertNever(c, 'plan node');
  }
}

/**
 * The CTEs whose users a member list evaluates user-level conditions over, in place of the user
 * universe: the event scans (and funnels) that every user-level output's condition needs a row
 * of. Null when some output needs the universe (a trait, an audience that holds without events)
 * or when account quantifiers count every user of a membership.
 *
 * Exact because (1) every such user is in the universe: its id comes from an event row at or
 * before as_of, and SPEC §2 makes every user_id of an event table a user (with stitching, the
 * owners of anonymous ids are in the universe too, lower-identity.ts); (2) a user's features do
 * not depend on which other users are listed, so a condition, `member:` of another audience
 * computed over the same users included, has the same value for a listed user as over the
 * universe; (3) no user outside these CTEs satisfies an output's condition (impliedRows).
 * Preview, explain and the breakdown read every user and keep the universe.
 */
function performerRows(plan: Plan): readonly string[] | null {
  const userOutputs = plan.outputs.filter((o) => o.level === 'user');
  if (userOutputs.length === 0 || plan.audiences.some((a) => a.quantifiers.length > 0)) return null;
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const ctes = new Set<string>();
  for (const o of userOutputs) {
    const audience = o.kind === 'audience' ? plan.audiences.find((a) => a.name === o.name) : undefined;
    const rows = audience === undefined ? null : impliedRows(audience.condition, features);
    if (rows === null) return null;
    for (const cte of rows) ctes.add(cte);
  }
  return [...ctes];
}
