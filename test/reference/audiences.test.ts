import { describe, expect, it } from 'vitest';
import {
  accountsWhere, all, any, audience, computed, dataset, filter, inAudience, members, not, performed, quantifier, run, sqlTrait,
  trait, usersWhere, values, within,
} from './build.js';

const T = '2024-05-20T00:00:00Z';

describe('performed', () => {
  const data = dataset({
    identifies: [{ user_id: 'never', timestamp: T }],
    events: [
      { user_id: 'once', event: 'Report Created', timestamp: T, shared: true },
      { user_id: 'twice', event: 'Report Created', timestamp: T, shared: true },
      { user_id: 'twice', event: 'Report Created', timestamp: T, shared: false },
      { user_id: 'old', event: 'Report Created', timestamp: '2024-01-01T00:00:00Z', shared: true },
    ],
  });
  const users = (c: Parameters<typeof performed>[1]) => usersWhere(data, performed('Report Created', c));

  it('at_least (default 1)', () => {
    expect(users({})).toEqual(['old', 'once', 'twice']);
    expect(users({ count: ['at_least', 2] })).toEqual(['twice']);
    expect(users({ count: ['at_least', 0] })).toEqual(['never', 'old', 'once', 'twice']);
  });
  it('at_most and exactly: 0 include users who never performed it', () => {
    expect(users({ count: ['at_most', 1], window: within('30d') })).toEqual(['never', 'old', 'once']);
    expect(users({ count: ['exactly', 0], window: within('30d') })).toEqual(['never', 'old']);
    expect(users({ count: ['exactly', 1], where: [filter('shared', 'equals', true)] })).toEqual(['old', 'once', 'twice']);
  });
  it('not_performed (exactly 0) is the complement of performed', () => {
    const notPerformed = users({ count: ['exactly', 0], where: [filter('shared', 'equals', false)] });
    expect(notPerformed).toEqual(['never', 'old', 'once']);
    expect(usersWhere(data, not(performed('Report Created', { where: [filter('shared', 'equals', false)] })))).toEqual(notPerformed);
  });
});

describe('boolean structure and in_audience', () => {
  const data = dataset({
    identifies: [
      { user_id: 'u1', timestamp: T, role: 'Admin', seats: 3 },
      { user_id: 'u2', timestamp: T, role: 'Viewer', seats: 1 },
      { user_id: 'u3', timestamp: T, role: null, seats: 3 },
    ],
    groups: [
      { user_id: 'u1', group_id: 'acme', timestamp: T, plan: 'pro' },
      { user_id: 'u2', group_id: 'globex', timestamp: T, plan: 'trial' },
      { user_id: 'u2', group_id: 'acme', timestamp: T },
      { user_id: null, group_id: 'initech', timestamp: T, plan: 'pro' },
    ],
  });

  it('all / any / not', () => {
    expect(usersWhere(data, all(trait('seats', 'equals', 3), trait('role', 'not_equals', 'Admin')))).toEqual(['u3']);
    expect(usersWhere(data, any(trait('role', 'equals', 'Viewer'), trait('role', 'exists', false)))).toEqual(['u2', 'u3']);
    expect(usersWhere(data, not(any(trait('role', 'equals', 'Viewer'), trait('seats', 'gt', 2))))).toEqual([]);
    expect(usersWhere(data, all())).toEqual(['u1', 'u2', 'u3']);
    expect(usersWhere(data, any())).toEqual([]);
  });

  it('in_audience / not_in_audience of the same level, in any definition order', () => {
    const results = run(
      [
        audience('not_admins', 'user', inAudience('admins', true)),
        audience('admins', 'user', trait('role', 'equals', 'Admin')),
        audience('pro', 'account', trait('plan', 'equals', 'pro')),
        audience('not_pro', 'account', inAudience('pro', true)),
      ],
      data,
    );
    expect(members(results, 'admins')).toEqual(['u1']);
    expect(members(results, 'not_admins')).toEqual(['u2', 'u3']);
    expect(members(results, 'not_pro')).toEqual(['globex']);
  });

  it('passthrough: a user is in an account-level audience when one of its accounts is', () => {
    const pro = audience('pro', 'account', trait('plan', 'equals', 'pro'));
    const trial = audience('trial', 'account', trait('plan', 'equals', 'trial'));
    expect(usersWhere(data, inAudience('pro'), [pro])).toEqual(['u1', 'u2']); // u2 through acme
    expect(usersWhere(data, inAudience('trial'), [trial])).toEqual(['u2']);
    expect(usersWhere(data, inAudience('pro', true), [pro])).toEqual(['u3']); // no accounts at all
  });
});

describe('quantifiers', () => {
  // acme: u1 (Admin), u2 (Viewer); globex: u2; solo: u1; empty: no users
  const data = dataset({
    identifies: [
      { user_id: 'u1', timestamp: T, role: 'Admin' },
      { user_id: 'u2', timestamp: T, role: 'Viewer' },
      { user_id: 'u3', timestamp: T, role: 'Admin' },
      { user_id: 'u4', timestamp: T, role: 'Admin' },
    ],
    groups: [
      { user_id: 'u1', group_id: 'acme', timestamp: T },
      { user_id: 'u2', group_id: 'acme', timestamp: T },
      { user_id: 'u2', group_id: 'globex', timestamp: T },
      { user_id: 'u1', group_id: 'solo', timestamp: T },
      { user_id: null, group_id: 'empty', timestamp: T },
      { user_id: 'u1', group_id: 'trio', timestamp: T },
      { user_id: 'u2', group_id: 'trio', timestamp: T },
      { user_id: 'u3', group_id: 'trio', timestamp: T },
    ],
  });
  const admin = trait('role', 'equals', 'Admin');
  const q = (...args: Parameters<typeof quantifier>) => accountsWhere(data, quantifier(...args));

  it('any_user', () => expect(q('any_user', admin)).toEqual(['acme', 'solo', 'trio']));
  it('all_users: needs at least one user', () => expect(q('all_users', admin)).toEqual(['solo']));
  it('no_user: true for an account without users', () => expect(q('no_user', admin)).toEqual(['empty', 'globex']));
  it('at_least_users count', () => {
    expect(q('at_least_users', admin, { count: 2 })).toEqual(['trio']);
    expect(q('at_least_users', admin, { count: 1 })).toEqual(['acme', 'solo', 'trio']);
    expect(q('at_least_users', admin, { count: 0 })).toEqual(['acme', 'empty', 'globex', 'solo', 'trio']);
  });
  it('at_least_users percent: 100 * matching >= P * users, never for an account without users', () => {
    expect(q('at_least_users', admin, { percent: 50 })).toEqual(['acme', 'solo', 'trio']);
    expect(q('at_least_users', admin, { percent: 66.7 })).toEqual(['solo']); // trio: 200 < 200.1
    expect(q('at_least_users', admin, { percent: 66.6 })).toEqual(['solo', 'trio']);
    expect(q('at_least_users', admin, { percent: 100 })).toEqual(['solo']);
    expect(q('at_least_users', admin, { percent: 0 })).toEqual(['acme', 'globex', 'solo', 'trio']);
  });
  it('not of a quantifier is its exact complement', () => {
    expect(accountsWhere(data, not(quantifier('all_users', admin)))).toEqual(['acme', 'empty', 'globex', 'trio']);
  });
  it('the inner condition is the user\'s own (performed, passthrough, nested not)', () => {
    const d = dataset({
      groups: [
        { user_id: 'u1', group_id: 'acme', timestamp: T, plan: 'pro' },
        { user_id: 'u1', group_id: 'globex', timestamp: T, plan: 'trial' },
        { user_id: 'u2', group_id: 'globex', timestamp: T },
      ],
      events: [{ user_id: 'u2', event: 'Logged In', timestamp: T }],
    });
    const pro = audience('pro', 'account', trait('plan', 'equals', 'pro'));
    // users of globex that are in an account of `pro`: u1 (through acme)
    expect(accountsWhere(d, quantifier('any_user', inAudience('pro')), [pro])).toEqual(['acme', 'globex']);
    expect(accountsWhere(d, quantifier('all_users', not(performed('Logged In'))))).toEqual(['acme']);
    expect(accountsWhere(d, all(trait('plan', 'equals', 'trial'), quantifier('any_user', performed('Logged In', { window: within('30d') }))))).toEqual(['globex']);
  });
  it('account-level traits and quantifiers combine with computed traits', () => {
    const d = dataset({
      groups: [
        { user_id: 'u1', group_id: 'acme', timestamp: T },
        { user_id: 'u2', group_id: 'globex', timestamp: T },
      ],
      events: Array.from({ length: 12 }, (_, i) => ({ user_id: i < 10 ? 'u1' : 'u2', event: 'Logged In', timestamp: T })),
    });
    const logins = computed('logins', 'account', 'count', 'Logged In', { window: within('30d') });
    const userLogins = computed('user_logins', 'user', 'count', 'Logged In');
    const results = run(
      [logins, userLogins, audience('at_risk', 'account', all(trait('logins', 'lt', 10), quantifier('any_user', trait('user_logins', 'gte', 1))))],
      d,
    );
    expect(values(results, 'logins')).toEqual({ acme: 10, globex: 2 });
    expect(members(results, 'at_risk')).toEqual(['globex']);
  });
});

describe('evaluation errors are loud', () => {
  it('unknown names and level mismatches throw', () => {
    const d = dataset({ identifies: [{ user_id: 'u1', timestamp: T, role: 'x' }], groups: [{ user_id: 'u1', group_id: 'g', timestamp: T, plan: 'p' }] });
    expect(() => usersWhere(d, trait('nope', 'exists', true))).toThrow(/unknown/);
    expect(() => usersWhere(d, trait('plan', 'exists', true))).toThrow(/level_mismatch/);
    expect(() => accountsWhere(d, performed('Logged In'))).toThrow();
    expect(() => run([audience('a', 'user', inAudience('b')), audience('b', 'user', inAudience('a'))], d)).toThrow(/itself/);
  });
  it('a computed trait wins over a custom trait of the same name', () => {
    const d = dataset({ identifies: [{ user_id: 'u1', timestamp: T, role: 'Admin' }] });
    const shadow = computed('role', 'user', 'count', 'Logged In');
    expect(usersWhere(d, trait('role', 'equals', 0), [shadow])).toEqual(['u1']);
  });
  it('a SQL trait and a computed trait of one name is ambiguous', () => {
    const d = dataset({ identifies: [{ user_id: 'u1', timestamp: T }] });
    expect(() => usersWhere(d, trait('x', 'exists', true), [computed('x', 'user', 'count', 'E'), sqlTrait('x', 'user')])).toThrow(/ambiguous/);
  });
});
