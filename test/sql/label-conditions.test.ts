// preview's breakdown and explain's conditions list each condition once: `where: [ x ]`, an all of
// one child, is the same condition as x, and was printed twice (an audit on 5 December). An all or
// any of several keeps its own line above its children.
import { describe, expect, it } from 'vitest';
import type { PlanCondition } from '../../src/plan/plan.js';
import { labelConditions } from '../../src/sql/lower-condition.js';

const leaf = (label: string): PlanCondition => ({ kind: 'count', feature: `f_${label}`, op: 'at_least', n: 1, label });
const all = (...children: PlanCondition[]): PlanCondition => ({ kind: 'all', children, label: children.map((c) => c.label).join(' and ') });
const any = (...children: PlanCondition[]): PlanCondition => ({ kind: 'any', children, label: children.map((c) => c.label).join(' or ') });

describe('labelConditions', () => {
  it('says an all or any of one child once, at its depth', () => {
    expect(labelConditions(all(leaf('a'))).map((c) => [c.depth, c.label])).toEqual([[0, 'a']]);
    expect(labelConditions(all(leaf('a'), any(leaf('b')))).map((c) => [c.depth, c.label])).toEqual([
      [0, 'a and b'],
      [1, 'a'],
      [1, 'b'],
    ]);
  });

  it('numbers the columns of the conditions it lists, and keeps the nodes', () => {
    const a = leaf('a');
    const listed = labelConditions(all(all(a), leaf('b')));
    expect(listed.map((c) => c.column)).toEqual(['c_1', 'c_2', 'c_3']);
    expect(listed[1].node).toBe(a);
  });
});
