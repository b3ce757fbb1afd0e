// Which statements may skip the user universe (src/plan/physical/member-list-pass.ts): a member list whose
// user-level outputs all need an event row. The differential suites prove the answers equal; this
// pins where the decision applies, read from the statement's AST (its CTE names).
import { describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, Condition, Definition } from '../../src/definitions/model.js';
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

function readsUserUniverse(definitions: readonly Definition[], body: Body = { kind: 'members' }): boolean {
  const plan = planFor({ project: makeProject(definitions), asOf: AS_OF, targets: definitions.map((d) => d.name) });
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

  it('keeps it for the breakdown and explain, which read every user', () => {
    const defs = [audience('a', performed('at_least', 1))];
    expect(readsUserUniverse(defs, { kind: 'breakdown', audience: 'a' })).toBe(true);
    expect(readsUserUniverse(defs, { kind: 'explain', audience: 'a', id: 'u1' })).toBe(true);
  });
});
