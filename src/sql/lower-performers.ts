// What a member list may skip: the user universe (SPEC §2), when every user-level output is an
// audience whose condition cannot hold for a user without an event row.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Feature, Plan, PlanCondition } from '../plan/plan.js';
import { col, select, table, type FromItem, type Query } from './ast.js';

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
 * The users a member list evaluates user-level conditions over, in place of the user universe:
 * the users of the event scans (and funnels) that every user-level output's condition needs a
 * row of. Null when some output needs the universe (a trait, an audience that holds without
 * events) or when account quantifiers count every user of a membership.
 *
 * Exact because (1) every such user is in the universe: its id comes from an event row at or
 * before as_of, and SPEC §2 makes every user_id of an event table a user (with stitching, the
 * owners of anonymous ids are in the universe too, lower-identity.ts); (2) a user's features do
 * not depend on which other users are listed, so a condition, `member:` of another audience
 * computed over the same users included, has the same value for a listed user as over the
 * universe; (3) no user outside these CTEs satisfies an output's condition (impliedRows).
 * Preview, explain and the breakdown read every user and keep the universe.
 */
export function membersOnlyUserRows(plan: Plan, alias: string): FromItem | null {
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
  // Each CTE has one row per user; two of them may share users.
  if (ctes.size === 1) return table([...ctes][0], alias);
  const queries: Query[] = [...ctes].map((cte) => select({ columns: [{ expr: col('id', 'p'), alias: 'id' }], from: table(cte, 'p') }));
  return { kind: 'subquery', query: { kind: 'union', all: false, queries }, alias };
}
