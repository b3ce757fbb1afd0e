import { describe, expect, it } from 'vitest';
import {
  accountsWhere, audience, computed, dataset, inAudience, members, quantifier, run, sqlTrait, trait, usersWhere, values,
} from './build.js';

const T = '2024-05-20T00:00:00Z';

describe('SQL traits', () => {
  const data = dataset({
    identifies: [{ user_id: 'u1', timestamp: T }, { user_id: 'u2', timestamp: T }],
    groups: [
      { user_id: 'u1', group_id: 'acme', timestamp: T },
      { user_id: null, group_id: 'globex', timestamp: T },
    ],
    events: [{ user_id: 'u3', event: 'Logged In', timestamp: T }],
  });

  it('one column: a plain value per universe entity, null when missing; bigint and Date are normalized', () => {
    const rows = new Map([['score', [{ user_id: 'u1', score: 10n }, { user_id: 'nobody', score: 1 }]]]);
    const results = run([sqlTrait('score', 'user')], data, { sqlTraitRows: rows });
    expect(values(results, 'score')).toEqual({ u1: 10, u2: null, u3: null });
    const dates = new Map([['seen', [{ user_id: 'u2', last: new Date('2024-05-01T00:00:00Z') }]]]);
    expect(values(run([sqlTrait('seen', 'user')], data, { sqlTraitRows: dates }), 'seen')).toEqual({
      u1: null, u2: '2024-05-01T00:00:00.000Z', u3: null,
    });
  });

  it('several columns: a record per entity; `trait: T.c` reads one', () => {
    const rows = new Map([['stats', [{ group_id: 'acme', seats: 3, tier: 'gold' }]]]);
    const results = run([sqlTrait('stats', 'account')], data, { sqlTraitRows: rows });
    expect(values(results, 'stats')).toEqual({ acme: { seats: 3, tier: 'gold' }, globex: { seats: null, tier: null } });
    expect(accountsWhere(data, trait('stats.tier', 'equals', 'gold'), [sqlTrait('stats', 'account')], rows)).toEqual(['acme']);
    expect(accountsWhere(data, trait('stats.seats', 'not_equals', 3), [sqlTrait('stats', 'account')], rows)).toEqual(['globex']);
  });

  it('`trait: T` reads column T, else the only trait column', () => {
    const rows = new Map([['n', [{ user_id: 'u1', whatever: 5 }]]]);
    expect(usersWhere(data, trait('n', 'gt', 4), [sqlTrait('n', 'user')])).toEqual([]);
    const results = run([sqlTrait('n', 'user'), audience('a', 'user', trait('n', 'gt', 4))], data, { sqlTraitRows: rows });
    expect(members(results, 'a')).toEqual(['u1']);
    expect(values(results, 'n')).toEqual({ u1: 5, u2: null, u3: null });
  });

  it('without rows the columns are as declared', () => {
    const results = run([sqlTrait('stats', 'account', ['a', 'b'])], data, { sqlTraitRows: new Map() });
    expect(values(results, 'stats')).toEqual({ acme: { a: null, b: null }, globex: { a: null, b: null } });
  });

  it('literals cast to the type of the result column', () => {
    const rows = new Map([['n', [{ user_id: 'u1', n: 10n }, { user_id: 'u2', n: 9n }]]]);
    const results = run([sqlTrait('n', 'user'), audience('a', 'user', trait('n', 'gt', '9'))], data, { sqlTraitRows: rows });
    expect(members(results, 'a')).toEqual(['u1']);
  });

  it('account-level rows with user_id add memberships (and users), many-to-many', () => {
    const rows = new Map([
      [
        'ctx',
        [
          { group_id: 'globex', user_id: 'u3', ctx: 'x' },
          { group_id: 'globex', user_id: 'u2', ctx: 'x' },
          { group_id: 'acme', user_id: 'u2', ctx: 'y' },
          { group_id: 'ghost', user_id: 'u9', ctx: 'z' }, // an account outside the universe still brings its user
        ],
      ],
    ]);
    const results = run(
      [
        sqlTrait('ctx', 'account'),
        computed('logins', 'account', 'count', 'Logged In'),
        computed('user_logins', 'user', 'count', 'Logged In'),
        audience('with_users', 'account', quantifier('at_least_users', trait('user_logins', 'exists', true), { count: 2 })),
        audience('globex_like', 'account', trait('ctx', 'equals', 'x')),
        audience('through', 'user', inAudience('globex_like')),
      ],
      data,
      { sqlTraitRows: rows },
    );
    expect(values(results, 'ctx')).toEqual({ acme: 'y', globex: 'x' });
    expect(values(results, 'logins')).toEqual({ acme: 0, globex: 1 }); // u3's login counts for globex
    expect(Object.keys(values(results, 'user_logins')).sort()).toEqual(['u1', 'u2', 'u3', 'u9']);
    expect(members(results, 'with_users')).toEqual(['acme', 'globex']);
    expect(members(results, 'through')).toEqual(['u2', 'u3']);
  });

  it('two rows with one key and different values are an error naming the key', () => {
    const rows = new Map([['t', [{ user_id: "o'brien", t: 1 }, { user_id: "o'brien", t: 2 }]]]);
    expect(() => run([sqlTrait('t', 'user')], data, { sqlTraitRows: rows })).toThrow(/o'brien/);
    const same = new Map([['t', [{ user_id: 'u1', t: 1 }, { user_id: 'u1', t: 1 }]]]);
    expect(values(run([sqlTrait('t', 'user')], data, { sqlTraitRows: same }), 't')).toEqual({ u1: 1, u2: null, u3: null });
  });
});
