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

  it('does not suggest the name itself', () => {
    expect(didYouMean('plan', ['plan'])).toBeNull();
  });
});
