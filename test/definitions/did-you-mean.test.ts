import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein } from '../../src/definitions/did-you-mean.js';

describe('didYouMean', () => {
  it('computes edit distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('finds the closest plausible name', () => {
    const names = ['logins_past_30_days', 'plan', 'role', 'churned_accounts'];
    expect(didYouMean('logins_past_30d', names)).toBe('logins_past_30_days');
    expect(didYouMean('plna', names)).toBe('plan');
    expect(didYouMean('Logins Past 30 Days', names)).toBe('logins_past_30_days');
    expect(didYouMean('churned_acounts', names)).toBe('churned_accounts');
    expect(didYouMean('industry', names)).toBeNull();
    expect(didYouMean('x', [])).toBeNull();
  });

  it('knows the words people bring from SQL and English for the short operator names', () => {
    const ops = ['trait', 'equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between', 'contains', 'exists'];
    expect(didYouMean('less_than', ops)).toBe('lt');
    expect(didYouMean('LessThan', ops)).toBe('lt');
    expect(didYouMean('greater_than_or_equal', ops)).toBe('gte');
    expect(didYouMean('>=', ops)).toBe('gte');
    expect(didYouMean('!=', ops)).toBe('not_equals');
    expect(didYouMean('one_of', ops)).toBe('in');
    expect(didYouMean('is_set', ops)).toBe('exists');
    expect(didYouMean('event', ['all', 'any', 'not', 'trait', 'performed', 'not_performed'])).toBe('performed');
    // an alias whose target is not allowed where it is written suggests nothing from the alias
    expect(didYouMean('atleast', ['performed', 'within', 'at_least', 'exactly'])).toBe('at_least');
    expect(didYouMean('less_than', ['performed', 'within'])).toBeNull();
  });

  it('does not suggest the name itself', () => {
    expect(didYouMean('plan', ['plan'])).toBeNull();
  });
});
