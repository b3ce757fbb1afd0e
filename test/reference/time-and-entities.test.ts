import { describe, expect, it } from 'vitest';
import { AS_OF, audience, computed, dataset, members, performed, run, trait, values, within, between } from './build.js';

const D = (iso: string) => iso; // readability

describe('as_of cut-off and universes', () => {
  it('rows after as_of and rows with a null event time do not exist', () => {
    const data = dataset({
      identifies: [
        { user_id: 'u1', timestamp: '2024-05-01T00:00:00Z', role: 'Admin' },
        { user_id: 'u1', timestamp: '2024-06-01T00:00:01Z', role: 'Viewer' }, // after as_of
        { user_id: 'u2', timestamp: '2024-06-02T00:00:00Z', role: 'Admin' }, // only after as_of
        { user_id: 'u3', timestamp: null, role: 'Admin' }, // null event time
        { user_id: 'u4', timestamp: AS_OF, role: 'Admin' }, // exactly at as_of: exists
      ],
    });
    const results = run([audience('admins', 'user', trait('role', 'equals', 'Admin'))], data);
    expect(members(results, 'admins')).toEqual(['u1', 'u4']);
    const count = run([computed('n', 'user', 'count', 'Logged In')], data);
    expect(Object.keys(values(count, 'n')).sort()).toEqual(['u1', 'u4']);
  });

  it('honours source.event_time = received_at', () => {
    const data = dataset({
      events: [
        { user_id: 'u1', event: 'Logged In', timestamp: '2024-05-31T00:00:00Z', received_at: '2024-06-01T00:00:05Z' },
        { user_id: 'u1', event: 'Logged In', timestamp: '2024-06-01T00:00:05Z', received_at: '2024-05-31T23:00:00Z' },
        { user_id: 'u2', event: 'Logged In', timestamp: '2024-05-31T00:00:00Z', received_at: null },
      ],
    });
    const byTimestamp = run([computed('n', 'user', 'count', 'Logged In')], data);
    expect(values(byTimestamp, 'n')).toEqual({ u1: 1, u2: 1 });
    const byReceived = run([computed('n', 'user', 'count', 'Logged In')], data, { eventTime: 'received_at' });
    expect(values(byReceived, 'n')).toEqual({ u1: 1 });
  });

  it('users come from identifies, groups, tracks, pages, screens; accounts only from groups', () => {
    const data = dataset({
      identifies: [{ user_id: 'ui', timestamp: D('2024-05-01T00:00:00Z') }, { user_id: null, timestamp: '2024-05-01T00:00:00Z' }],
      groups: [
        { user_id: 'ug', group_id: 'acme', timestamp: '2024-05-01T00:00:00Z' },
        { user_id: null, group_id: 'empty', timestamp: '2024-05-01T00:00:00Z' },
      ],
      events: [{ user_id: 'ut', event: 'Logged In', timestamp: '2024-05-01T00:00:00Z', context_group_id: 'ctx_only' }],
      pages: [{ user_id: 'up', timestamp: '2024-05-01T00:00:00Z', name: 'Home' }],
      screens: [{ user_id: 'us', timestamp: '2024-05-01T00:00:00Z', name: 'Home' }],
    });
    const results = run([computed('u', 'user', 'count', 'Logged In'), computed('a', 'account', 'count', 'Logged In')], data);
    expect(Object.keys(values(results, 'u')).sort()).toEqual(['ug', 'ui', 'up', 'us', 'ut']);
    expect(Object.keys(values(results, 'a')).sort()).toEqual(['acme', 'empty']);
    expect(values(results, 'u')).toEqual({ ug: 0, ui: 0, up: 0, us: 0, ut: 1 });
  });

  it('membership starts with a group call at or before as_of and never ends', () => {
    const data = dataset({
      groups: [
        { user_id: 'u1', group_id: 'acme', timestamp: '2024-01-01T00:00:00Z' },
        { user_id: 'u2', group_id: 'acme', timestamp: '2024-06-01T00:00:01Z' }, // later: not yet a member
        { user_id: 'u2', group_id: 'globex', timestamp: '2024-02-01T00:00:00Z' },
      ],
      events: [
        { user_id: 'u1', event: 'Logged In', timestamp: '2024-05-01T00:00:00Z' },
        { user_id: 'u2', event: 'Logged In', timestamp: '2024-05-01T00:00:00Z' },
        { user_id: 'u2', event: 'Logged In', timestamp: '2024-05-02T00:00:00Z' },
      ],
    });
    const results = run([computed('logins', 'account', 'count', 'Logged In')], data);
    expect(values(results, 'logins')).toEqual({ acme: 1, globex: 2 });
  });
});

describe('custom traits', () => {
  it('are the latest non-null value: a later null does not erase', () => {
    const data = dataset({
      identifies: [
        { user_id: 'u1', timestamp: '2024-05-01T00:00:00Z', role: 'Admin', email: 'old@x.com' },
        { user_id: 'u1', timestamp: '2024-05-02T00:00:00Z', role: null, email: 'new@x.com' },
        { user_id: 'u1', timestamp: '2024-06-02T00:00:00Z', role: 'Viewer' }, // after as_of
      ],
    });
    const results = run(
      [audience('admins', 'user', trait('role', 'equals', 'Admin')), audience('new', 'user', trait('email', 'equals', 'new@x.com'))],
      data,
    );
    expect(members(results, 'admins')).toEqual(['u1']);
    expect(members(results, 'new')).toEqual(['u1']);
  });

  it('break ties on event time by the greater id, in code point order ("i9" > "i10")', () => {
    const t = '2024-05-01T00:00:00Z';
    const data = dataset({
      identifies: [
        { id: 'i10', user_id: 'u1', timestamp: t, role: 'Ten' },
        { id: 'i9', user_id: 'u1', timestamp: t, role: 'Nine' },
        { id: 'b', user_id: 'u2', timestamp: t, role: 'Bee' },
        { id: 'B', user_id: 'u2', timestamp: t, role: 'BigBee' },
      ],
    });
    const results = run(
      [audience('nine', 'user', trait('role', 'in', ['Nine', 'Bee']))],
      data,
    );
    expect(members(results, 'nine')).toEqual(['u1', 'u2']);
  });

  it('of accounts come from groups by group_id, whoever sent them', () => {
    const data = dataset({
      groups: [
        { user_id: 'u1', group_id: 'acme', timestamp: '2024-05-01T00:00:00Z', plan: 'pro' },
        { user_id: 'u2', group_id: 'acme', timestamp: '2024-05-03T00:00:00Z', plan: 'trial' },
        { user_id: null, group_id: 'globex', timestamp: '2024-05-03T00:00:00Z', plan: 'pro' },
        { user_id: 'u1', group_id: 'globex', timestamp: '2024-05-04T00:00:00Z', plan: null },
      ],
    });
    const results = run([audience('pro', 'account', trait('plan', 'equals', 'pro'))], data);
    expect(members(results, 'pro')).toEqual(['globex']);
  });
});

describe('windows', () => {
  const at = (iso: string, id: string) => ({ id, user_id: 'u1', event: 'Logged In', timestamp: iso });
  const data = dataset({
    events: [
      at('2024-05-02T00:00:00Z', 'e1'), // exactly as_of - 30d: outside (as_of - 30d, as_of]
      at('2024-05-02T00:00:01Z', 'e2'), // inside
      at('2024-05-31T23:59:59Z', 'e3'),
      at('2024-06-01T00:00:00Z', 'e4'), // exactly as_of: inside
      at('2024-06-01T00:00:01Z', 'e5'), // after as_of: never
      at('2024-05-01T00:00:00Z', 'e6'),
    ],
  });

  it('within is (as_of - d, as_of]', () => {
    const results = run(
      [
        computed('w30d', 'user', 'count', 'Logged In', { window: within('30d') }),
        computed('w1s', 'user', 'count', 'Logged In', { window: within('1s') }),
        computed('w2s', 'user', 'count', 'Logged In', { window: within('2s') }),
        computed('w1m', 'user', 'count', 'Logged In', { window: within('1m') }),
        computed('w1h', 'user', 'count', 'Logged In', { window: within('1h') }),
        computed('w1d', 'user', 'count', 'Logged In', { window: within('1d') }),
        computed('w5w', 'user', 'count', 'Logged In', { window: within('5w') }),
        computed('all', 'user', 'count', 'Logged In'),
      ],
      data,
    );
    expect(values(results, 'w30d')).toEqual({ u1: 3 });
    expect(values(results, 'w1s')).toEqual({ u1: 1 });
    expect(values(results, 'w2s')).toEqual({ u1: 2 });
    expect(values(results, 'w1m')).toEqual({ u1: 2 });
    expect(values(results, 'w1h')).toEqual({ u1: 2 });
    expect(values(results, 'w1d')).toEqual({ u1: 2 });
    expect(values(results, 'w5w')).toEqual({ u1: 5 });
    expect(values(results, 'all')).toEqual({ u1: 5 });
  });

  it('between is [a, b), dates alone are midnight UTC, and it stops at as_of', () => {
    const results = run(
      [
        computed('may2', 'user', 'count', 'Logged In', { window: between('2024-05-02', '2024-05-31T23:59:59Z') }),
        computed('may', 'user', 'count', 'Logged In', { window: between('2024-05-01', '2024-06-01') }),
        computed('future', 'user', 'count', 'Logged In', { window: between('2024-06-01', '2024-07-01') }),
        computed('offset', 'user', 'count', 'Logged In', { window: between('2024-05-02T02:00:00+02:00', '2024-05-02T02:00:01+02:00') }),
      ],
      data,
    );
    expect(values(results, 'may2')).toEqual({ u1: 2 }); // e1, e2 (e3 is the excluded end)
    expect(values(results, 'may')).toEqual({ u1: 4 }); // e6, e1, e2, e3 (e4 is the end)
    expect(values(results, 'future')).toEqual({ u1: 1 }); // e4 only; e5 is after as_of
    expect(values(results, 'offset')).toEqual({ u1: 1 }); // e1 at 00:00:00Z
  });

  it('applies to performed too', () => {
    const results = run([audience('recent', 'user', performed('Logged In', { window: within('30d'), count: ['exactly', 3] }))], data);
    expect(members(results, 'recent')).toEqual(['u1']);
  });
});
