import { describe, expect, it } from 'vitest';
import { computed, dataset, filter, run, values, within } from './build.js';

const T1 = '2024-05-01T00:00:00Z';
const T2 = '2024-05-02T00:00:00Z';
const T3 = '2024-05-03T00:00:00Z';

describe('compute kinds at user level', () => {
  const data = dataset({
    identifies: [{ user_id: 'idle', timestamp: T1 }],
    events: [
      { id: 'e1', user_id: 'u1', event: 'Report Created', timestamp: T1, score: 2, title: 'b' },
      { id: 'e2', user_id: 'u1', event: 'Report Created', timestamp: T2, score: null, title: 'a' },
      { id: 'e3', user_id: 'u1', event: 'Report Created', timestamp: T3, score: 0.5, title: 'b' },
      { id: 'e4', user_id: 'u1', event: 'Report Created', timestamp: T3, score: -1, title: null },
      { id: 'e5', user_id: 'u2', event: 'Report Created', timestamp: T2, score: null, title: null },
    ],
  });
  const kinds = (kind: Parameters<typeof computed>[2], property?: string) =>
    values(run([computed('t', 'user', kind, 'Report Created', { property })], data), 't');

  it('count', () => expect(kinds('count')).toEqual({ idle: 0, u1: 4, u2: 1 }));
  it('sum: of non-null values, 0 without any', () => expect(kinds('sum', 'score')).toEqual({ idle: 0, u1: 1.5, u2: 0 }));
  it('avg: null without any', () => expect(kinds('avg', 'score')).toEqual({ idle: null, u1: 0.5, u2: null }));
  it('min / max', () => {
    expect(kinds('min', 'score')).toEqual({ idle: null, u1: -1, u2: null });
    expect(kinds('max', 'score')).toEqual({ idle: null, u1: 2, u2: null });
    expect(kinds('max', 'title')).toEqual({ idle: null, u1: 'b', u2: null });
  });
  it('first: earliest event, its property even when null', () => {
    expect(kinds('first', 'title')).toEqual({ idle: null, u1: 'b', u2: null });
  });
  it('last: latest instant, tie to the smaller id (e3 < e4)', () => {
    expect(kinds('last', 'score')).toEqual({ idle: null, u1: 0.5, u2: null });
    expect(kinds('last', 'title')).toEqual({ idle: null, u1: 'b', u2: null });
  });
  it('unique_list sorted, unique_count', () => {
    expect(kinds('unique_list', 'title')).toEqual({ idle: [], u1: ['a', 'b'], u2: [] });
    expect(kinds('unique_count', 'title')).toEqual({ idle: 0, u1: 2, u2: 0 });
    expect(kinds('unique_list', 'score')).toEqual({ idle: [], u1: [-1, 0.5, 2], u2: [] });
  });
  it('most_frequent needs min_frequency (default 2)', () => {
    expect(kinds('most_frequent', 'title')).toEqual({ idle: null, u1: 'b', u2: null });
    expect(kinds('most_frequent', 'score')).toEqual({ idle: null, u1: null, u2: null });
  });
});

describe('tie rules', () => {
  it('first / last: the smaller id by code point ("e10" < "e9") at the same instant', () => {
    const data = dataset({
      events: [
        { id: 'e9', user_id: 'u1', event: 'Logged In', timestamp: T1, method: 'nine' },
        { id: 'e10', user_id: 'u1', event: 'Logged In', timestamp: T1, method: 'ten' },
        { id: 'e8', user_id: 'u2', event: 'Logged In', timestamp: T1, method: 'early' },
        { id: 'e7', user_id: 'u2', event: 'Logged In', timestamp: T2, method: 'late-b' },
        { id: 'e70', user_id: 'u2', event: 'Logged In', timestamp: T2, method: 'late-a' },
      ],
    });
    const results = run(
      [
        computed('first', 'user', 'first', 'Logged In', { property: 'method' }),
        computed('last', 'user', 'last', 'Logged In', { property: 'method' }),
      ],
      data,
    );
    expect(values(results, 'first')).toEqual({ u1: 'ten', u2: 'early' });
    expect(values(results, 'last')).toEqual({ u1: 'ten', u2: 'late-b' });
  });

  it('most_frequent: a tie goes to the smallest value by code point; min_frequency filters', () => {
    const method = (user: string, m: string, n: number) =>
      Array.from({ length: n }, () => ({ user_id: user, event: 'Logged In', timestamp: T1, method: m }));
    const data = dataset({
      events: [
        ...method('u1', 'b', 2), ...method('u1', 'a', 2), ...method('u1', 'c', 1),
        ...method('u2', 'é', 2), ...method('u2', 'z', 2), ...method('u2', 'Z', 2),
        ...method('u3', '😀', 3), ...method('u3', '\uFFFF', 3),
        ...method('u4', 'x', 1), ...method('u4', 'y', 1),
      ],
    });
    const mf = (minFrequency: number) =>
      values(run([computed('m', 'user', 'most_frequent', 'Logged In', { property: 'method', minFrequency })], data), 'm');
    expect(mf(2)).toEqual({ u1: 'a', u2: 'Z', u3: '\uFFFF', u4: null });
    expect(mf(1)).toEqual({ u1: 'a', u2: 'Z', u3: '\uFFFF', u4: 'x' });
    expect(mf(3)).toEqual({ u1: null, u2: null, u3: '\uFFFF', u4: null });
  });

  it('most_frequent prefers the most frequent qualifying value over a smaller one', () => {
    const data = dataset({
      events: [
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: 5 },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: 5 },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: 5 },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: 1 },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: 1 },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: null },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: null },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: null },
        { user_id: 'u1', event: 'Logged In', timestamp: T1, duration: null },
      ],
      types: { duration: 'integer' },
    });
    expect(values(run([computed('m', 'user', 'most_frequent', 'Logged In', { property: 'duration' })], data), 'm')).toEqual({ u1: 5 });
  });

  it('unique_list sorts strings by code point', () => {
    const data = dataset({
      events: ['😀', 'a', '\uFFFF', 'é', 'Z', 'a'].map((feature) => ({ user_id: 'u1', event: 'Feature Used', timestamp: T1, feature })),
    });
    expect(values(run([computed('f', 'user', 'unique_list', 'Feature Used', { property: 'feature' })], data), 'f')).toEqual({
      u1: ['Z', 'a', 'é', '\uFFFF', '😀'],
    });
  });

  it('booleans: false < true', () => {
    const data = dataset({
      events: [true, false, true, false].map((shared) => ({ user_id: 'u1', event: 'Report Created', timestamp: T1, shared })),
    });
    const results = run(
      [
        computed('l', 'user', 'unique_list', 'Report Created', { property: 'shared' }),
        computed('m', 'user', 'most_frequent', 'Report Created', { property: 'shared' }),
      ],
      data,
    );
    expect(values(results, 'l')).toEqual({ u1: [false, true] });
    expect(values(results, 'm')).toEqual({ u1: false });
  });
});

describe('events', () => {
  it('match event_text exactly and ignore events without user_id', () => {
    const data = dataset({
      events: [
        { user_id: 'u1', event: 'Logged In', timestamp: T1 },
        { user_id: 'u1', event: 'Logged In', event_text: 'logged in', timestamp: T1 }, // same table, other name
        { user_id: 'u1', event: 'Logged In', event_text: 'LoggedIn', timestamp: T1 },
        { user_id: null, event: 'Logged In', timestamp: T1 },
      ],
    });
    expect(values(run([computed('n', 'user', 'count', 'Logged In')], data), 'n')).toEqual({ u1: 1 });
    expect(values(run([computed('n', 'user', 'count', 'logged in')], data), 'n')).toEqual({ u1: 1 });
    expect(values(run([computed('n', 'user', 'count', 'Never Sent')], data), 'n')).toEqual({ u1: 0 });
  });

  it('pages and screens, all or by name', () => {
    const data = dataset({
      pages: [
        { user_id: 'u1', timestamp: T1, name: 'Pricing' },
        { user_id: 'u1', timestamp: T1, name: 'Home' },
        { user_id: 'u1', timestamp: T1, name: null },
      ],
      screens: [{ user_id: 'u2', timestamp: T1, name: 'Settings' }],
    });
    const results = run(
      [
        computed('pages', 'user', 'count', { kind: 'page', name: null }),
        computed('pricing', 'user', 'count', { kind: 'page', name: 'Pricing' }),
        computed('screens', 'user', 'unique_list', { kind: 'screen', name: null }, { property: 'name' }),
      ],
      data,
    );
    expect(values(results, 'pages')).toEqual({ u1: 3, u2: 0 });
    expect(values(results, 'pricing')).toEqual({ u1: 1, u2: 0 });
    expect(values(results, 'screens')).toEqual({ u1: [], u2: ['Settings'] });
  });

  it('timestamp properties are reported as canonical ISO instants', () => {
    const data = dataset({
      events: [
        { user_id: 'u1', event: 'Report Created', timestamp: T1, due_at: '2024-07-01' },
        { user_id: 'u1', event: 'Report Created', timestamp: T2, due_at: '2024-06-30T23:00:00-02:00' },
      ],
      types: { due_at: 'timestamp' },
    });
    const results = run(
      [
        computed('max', 'user', 'max', 'Report Created', { property: 'due_at' }),
        computed('first', 'user', 'first', 'Report Created', { property: 'due_at' }),
      ],
      data,
    );
    expect(values(results, 'max')).toEqual({ u1: '2024-07-01T01:00:00.000Z' });
    expect(values(results, 'first')).toEqual({ u1: '2024-07-01T00:00:00.000Z' });
  });
});

describe('account level', () => {
  const data = dataset({
    groups: [
      { user_id: 'u1', group_id: 'acme', timestamp: T1 },
      { user_id: 'u1', group_id: 'acme', timestamp: T2 }, // a repeated pair is one membership
      { user_id: 'u2', group_id: 'acme', timestamp: T1 },
      { user_id: 'u2', group_id: 'globex', timestamp: T1 },
      { user_id: null, group_id: 'empty', timestamp: T1 },
    ],
    events: [
      { user_id: 'u1', event: 'Logged In', timestamp: T1, context_group_id: 'acme', method: 'sso' },
      { user_id: 'u2', event: 'Logged In', timestamp: T2, context_group_id: 'globex', method: 'sso' },
      { user_id: 'u2', event: 'Logged In', timestamp: T3, context_group_id: null, method: 'password' },
      { user_id: 'u3', event: 'Logged In', timestamp: T3, context_group_id: 'acme', method: 'sso' }, // not a member
    ],
  });

  it('the events of every associated user, each once per account', () => {
    const results = run(
      [
        computed('n', 'account', 'count', 'Logged In'),
        computed('methods', 'account', 'unique_list', 'Logged In', { property: 'method' }),
        computed('last', 'account', 'last', 'Logged In', { property: 'method' }),
        computed('sso', 'account', 'count', 'Logged In', { where: [filter('method', 'equals', 'sso')], window: within('5w') }),
      ],
      data,
    );
    expect(values(results, 'n')).toEqual({ acme: 3, globex: 2, empty: 0 });
    expect(values(results, 'methods')).toEqual({ acme: ['password', 'sso'], globex: ['password', 'sso'], empty: [] });
    expect(values(results, 'last')).toEqual({ acme: 'password', globex: 'password', empty: null });
    expect(values(results, 'sso')).toEqual({ acme: 2, globex: 1, empty: 0 });
  });

  it('scope group_context: only events whose context_group_id is the account or null', () => {
    const results = run([computed('n', 'account', 'count', 'Logged In', { scope: 'group_context' })], data);
    expect(values(results, 'n')).toEqual({ acme: 2, globex: 2, empty: 0 });
  });
});
