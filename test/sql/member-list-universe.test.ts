// Which statements may skip the user universe (src/plan/physical/member-list-pass.ts): a member list whose
// user-level outputs all need an event row. The differential suites prove the answers equal; this
// pins where the decision applies, read from the statement's AST (its CTE names).
import { describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, Condition, Definition } from '../../src/definitions/model.js';
import { predicate } from '../../src/definitions/literal-instants.js';
import type { ComparisonOp, Scalar } from '../../src/definitions/model.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { lowerPlan, type Body } from '../../src/sql/lower.js';
import { AS_OF, LOC, makeProject } from '../support/arbitraries.js';

const performed = (op: 'at_least' | 'at_most' | 'exactly', n: number): Condition => ({
  kind: 'performed', event: { kind: 'track', name: 'Logged In' }, window: null, filters: [], count: { op, n }, loc: LOC,
});
const audience = (name: string, where: Condition): AudienceDefinition => ({
  kind: 'audience', name, level: 'user', description: null, sync: [], loc: LOC, schedule: null, where, maxExitFraction: null,
});
const logins: ComputedTraitDefinition = {
  kind: 'computed_trait', name: 'logins', level: 'user', description: null, sync: [], loc: LOC,
  compute: 'count', event: { kind: 'track', name: 'Logged In' }, window: null, filters: [], property: null, minFrequency: 1, scope: 'users',
};

const computed = (name: string, compute: 'count' | 'avg' | 'last' | 'unique_list', property: string | null): ComputedTraitDefinition => ({
  ...logins, name, compute, property, event: { kind: 'track', name: 'Order Completed' },
});
const trait = (name: string, op: ComparisonOp, value: Scalar | readonly Scalar[]): Condition => ({ kind: 'trait', trait: name, predicate: predicate(op, value, false), loc: LOC });
/** `role` is a custom trait (identifies); the others are computed traits that are not outputs. */
const traits = [computed('orders', 'count', null), computed('basket', 'avg', 'revenue'), computed('last_plan', 'last', 'plan'), computed('plans', 'unique_list', 'plan')];
const withTraits = (where: Condition, ...more: Definition[]): Definition[] => [audience('a', where), ...more, ...traits];

function readsUserUniverse(
  definitions: readonly Definition[],
  body: Body = { kind: 'members' },
  // The computed traits a condition reads are features, not outputs.
  targets = definitions.filter((d) => !traits.some((t) => t.name === d.name)).map((d) => d.name),
): boolean {
  const plan = planFor({ project: makeProject(definitions), asOf: AS_OF, targets });
  return lowerPlan(plan, body).ctes.some((cte) => cte.name === 'universe:user');
}

describe('a user-level member list skips the user universe only when its conditions need an event row', () => {
  it('skips it for performed at least / exactly N >= 1, alone or in all:, and for any: whose every branch needs one', () => {
    expect(readsUserUniverse([audience('a', performed('at_least', 1))])).toBe(false);
    expect(readsUserUniverse([audience('a', performed('exactly', 2))])).toBe(false);
    expect(readsUserUniverse([audience('a', { kind: 'all', children: [performed('at_least', 3), { kind: 'not', child: performed('at_least', 1), loc: LOC }], loc: LOC })])).toBe(false);
    expect(readsUserUniverse([audience('a', { kind: 'any', children: [performed('at_least', 3), performed('exactly', 1)], loc: LOC })])).toBe(false);
  });

  it('keeps it for not, at_most, exactly 0, an any: with a branch that holds without events, and a user trait output', () => {
    expect(readsUserUniverse([audience('a', { kind: 'not', child: performed('at_least', 1), loc: LOC })])).toBe(true);
    expect(readsUserUniverse([audience('a', performed('at_most', 2))])).toBe(true);
    expect(readsUserUniverse([audience('a', performed('exactly', 0))])).toBe(true);
    expect(readsUserUniverse([audience('a', { kind: 'any', children: [performed('at_least', 1), performed('at_most', 0)], loc: LOC })])).toBe(true);
    expect(readsUserUniverse([audience('a', performed('at_least', 1)), logins])).toBe(true);
    expect(readsUserUniverse([audience('a', performed('at_least', 1)), audience('b', performed('at_most', 1))])).toBe(true);
  });

  it('skips it for a trait comparison that a missing value fails, and for member: of an audience that needs a row', () => {
    expect(readsUserUniverse(withTraits(trait('role', 'equals', 'Admin')))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('role', 'in', ['Admin', 'Owner'])))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('role', 'exists', true)))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('role', 'starts_with', 'Ad')))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('basket', 'lt', 10)))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('last_plan', 'equals', 'pro')))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('plans', 'includes', 'pro')))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('orders', 'gt', 0)))).toBe(false);
    expect(readsUserUniverse(withTraits(trait('orders', 'between', [1, 5])))).toBe(false);
    expect(readsUserUniverse(withTraits({ kind: 'in_audience', audience: 'b', negated: false, loc: LOC }, audience('b', trait('role', 'equals', 'Admin'))), undefined, ['a'])).toBe(false);
  });

  it('keeps it for a comparison a missing value can pass: not_equals, not_in, exists: false, a count at 0, a negation', () => {
    expect(readsUserUniverse(withTraits(trait('role', 'not_equals', 'Admin')))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('role', 'not_in', ['Admin'])))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('role', 'exists', false)))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('basket', 'not_equals', 10)))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('orders', 'lt', 3)))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('orders', 'lte', 0)))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('orders', 'equals', 0)))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('orders', 'in', [0, 2])))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('orders', 'between', [0, 5])))).toBe(true);
    expect(readsUserUniverse(withTraits(trait('plans', 'exists', true)))).toBe(true);
    expect(readsUserUniverse(withTraits({ kind: 'not', child: trait('role', 'equals', 'Admin'), loc: LOC }))).toBe(true);
    expect(readsUserUniverse(withTraits({ kind: 'in_audience', audience: 'b', negated: false, loc: LOC }, audience('b', trait('role', 'not_equals', 'Admin'))), undefined, ['a'])).toBe(true);
    expect(readsUserUniverse(withTraits({ kind: 'any', children: [trait('role', 'equals', 'Admin'), trait('role', 'not_equals', 'Owner')], loc: LOC }))).toBe(true);
  });

  it('keeps it for the breakdown and explain, which read every user', () => {
    const defs = [audience('a', performed('at_least', 1))];
    expect(readsUserUniverse(defs, { kind: 'breakdown', audience: 'a' })).toBe(true);
    expect(readsUserUniverse(defs, { kind: 'explain', audience: 'a', id: 'u1' })).toBe(true);
  });
});
