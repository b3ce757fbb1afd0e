// A hand-built history of arrival batches for the incremental engine (SPEC §6.1), and definitions
// of every compute kind it keeps in partials: late rows, rows exactly at as_of and at as_of - W, a
// run crossing midnight, one exactly at midnight, a batch landing behind the previous watermark
// within arrival_lag, and an identity edge arriving after the anonymous events it re-attributes.
import type { ComputeKind, Condition, Definition, Level, TimeWindow } from '../../src/definitions/model.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';

const LOC = { file: 'test/incremental.yml', line: 1, col: 1 };
const within = (text: string, seconds: number): TimeWindow => ({ kind: 'within', seconds, text });
const DAY = 86_400;
const LOGGED_IN = { kind: 'track', name: 'Logged In' } as const;

function trait(name: string, level: Level, compute: ComputeKind, window: TimeWindow | null, property: string | null, filters: readonly { property: string; value: string }[] = [], scope: 'users' | 'group_context' = 'users'): Definition {
  return {
    kind: 'computed_trait',
    name,
    level,
    compute,
    event: LOGGED_IN,
    window,
    filters: filters.map((f) => ({ property: f.property, predicate: { op: 'equals', value: f.value, ignoreCase: false, instants: {} }, loc: LOC })),
    property,
    minFrequency: 2,
    scope,
    description: null,
    sync: [],
    loc: LOC,
  };
}

function audience(name: string, level: Level, where: Condition): Definition {
  return { kind: 'audience', name, level, where, schedule: null, maxExitFraction: null, description: null, sync: [], loc: LOC };
}

const performed = (window: TimeWindow | null, n: number): Condition => ({ kind: 'performed', event: LOGGED_IN, window, filters: [], count: { op: 'at_least', n }, loc: LOC });

export const DEFINITIONS: Definition[] = [
  trait('logins_7d', 'user', 'count', within('7d', 7 * DAY), null),
  trait('logins_all', 'user', 'count', null, null),
  trait('sso_logins_7d', 'user', 'count', within('7d', 7 * DAY), null, [{ property: 'method', value: 'sso' }]),
  trait('logins_early_june', 'user', 'count', { kind: 'between', start: '2024-06-01', end: '2024-06-09T12:00:00Z' }, null),
  trait('score_2d', 'user', 'sum', within('2d', 2 * DAY), 'score'),
  trait('avg_score', 'user', 'avg', null, 'score'),
  trait('min_score_7d', 'user', 'min', within('7d', 7 * DAY), 'score'),
  trait('max_method', 'user', 'max', null, 'method'),
  trait('methods_3d', 'user', 'unique_count', within('3d', 3 * DAY), 'method'),
  trait('method_list', 'user', 'unique_list', null, 'method'),
  trait('account_logins_7d', 'account', 'count', within('7d', 7 * DAY), null),
  trait('account_score_2d', 'account', 'sum', within('2d', 2 * DAY), 'score'),
  trait('account_methods', 'account', 'unique_count', null, 'method'),
  trait('usual_method', 'user', 'most_frequent', null, 'method'),
  trait('usual_method_3d', 'user', 'most_frequent', within('3d', 3 * DAY), 'method'),
  trait('account_usual_method', 'account', 'most_frequent', within('7d', 7 * DAY), 'method'),
  trait('first_method', 'user', 'first', null, 'method'),
  trait('last_method_2d', 'user', 'last', within('2d', 2 * DAY), 'method'),
  trait('last_sso_score', 'user', 'last', null, 'score', [{ property: 'method', value: 'sso' }]),
  trait('last_method_early_june', 'user', 'last', { kind: 'between', start: '2024-06-01', end: '2024-06-09T12:00:00Z' }, 'method'),
  trait('account_last_method_7d', 'account', 'last', within('7d', 7 * DAY), 'method'),
  trait('context_logins_7d', 'account', 'count', within('7d', 7 * DAY), null, [], 'group_context'),
  trait('context_methods', 'account', 'unique_list', null, 'method', [], 'group_context'),
  trait('context_last_method', 'account', 'last', within('2d', 2 * DAY), 'method', [], 'group_context'),
  audience('busy_today', 'user', performed(within('1d', DAY), 2)),
  audience('active_accounts', 'account', { kind: 'quantifier', quantifier: 'any_user', atLeast: null, condition: performed(within('2d', 2 * DAY), 1), loc: LOC }),
];

// --- the history ---------------------------------------------------------------------------------

const BASE = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
const EVENT_COLUMNS = { ...BASE, event: 'string', event_text: 'string', context_group_id: 'string', method: 'string', score: 'number' } as const;

let nextId = 0;
/** A Logged In event at `at`, loaded at `arrived`; every third one in the context of account acme. */
function login(user: string | null, at: string, arrived: string, method: string | null, score: number | null, anonymous: string | null = null): SourceRow {
  nextId += 1;
  const context = nextId % 3 === 0 ? 'acme' : nextId % 7 === 0 ? 'initech' : null;
  return { id: `e${String(nextId).padStart(4, '0')}`, user_id: user, anonymous_id: anonymous, event: 'logged_in', event_text: 'Logged In', timestamp: at, received_at: arrived, context_group_id: context, method, score };
}

function identify(user: string, anonymous: string | null, at: string, arrived: string): SourceRow {
  nextId += 1;
  return { id: `i${nextId}`, user_id: user, anonymous_id: anonymous, timestamp: at, received_at: arrived };
}

function group(user: string, account: string, at: string): SourceRow {
  nextId += 1;
  return { id: `g${nextId}`, user_id: user, anonymous_id: null, group_id: account, timestamp: at, received_at: at };
}

export interface Batch {
  readonly asOf: string; // the run after this batch landed
  readonly logins: readonly SourceRow[];
  readonly identifies: readonly SourceRow[];
  readonly groups: readonly SourceRow[];
}

export function history(): Batch[] {
  const t = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2024, 5, day, hour, minute)).toISOString();
  // Run 1: two weeks of history, with rows on days that later become window edges.
  const first: SourceRow[] = [];
  const users = ['u1', 'u2', 'u3', 'u4'];
  const methods = ['sso', 'password', 'Zeta', 'éclair', 'sso'];
  for (let day = 27; day <= 40; day += 1) {
    users.forEach((user, i) => {
      if ((day + i) % 3 === 0) return;
      const at = day <= 31 ? new Date(Date.UTC(2024, 4, day, 6 + i * 3, 15 * i)).toISOString() : t(day - 31, 6 + i * 3, 15 * i);
      first.push(login(user, at, at, methods[(day + i) % methods.length], (day * 7 + i) % 11));
    });
  }
  first.push(login('u1', t(10, 11), t(10, 11), 'sso', 4)); // the open day of run 1
  first.push(login('u2', t(3, 20), t(3, 20), 'password', 8)); // the 7d edge day of run 2 (inside its window)
  first.push(login('u3', t(3, 17), t(3, 17), 'sso', 2)); // the same day, outside it
  first.push(login(null, t(9, 9), t(9, 9), 'magic', 5, 'a1')); // anonymous: nobody's until run 4
  first.push(login(null, t(9, 10), t(9, 10), 'magic', 6, 'a1'));
  const run1: Batch = {
    asOf: t(10, 12),
    logins: first,
    identifies: users.map((u) => identify(u, null, t(1, 0), t(1, 0))),
    groups: [group('u1', 'acme', t(1, 0)), group('u2', 'acme', t(1, 0)), group('u3', 'globex', t(1, 0)), group('u4', 'initech', t(5, 0))],
  };
  // Run 2 (same day): new rows, a late row in a stored day, rows exactly at as_of and at as_of - 7d / - 2d.
  const run2: Batch = {
    asOf: t(10, 18),
    logins: [
      login('u1', t(10, 13), t(10, 13, 5), 'password', 3),
      login('u2', t(10, 18), t(10, 17, 50), 'sso', 9), // exactly at as_of: counts
      login('u4', t(5, 10), t(10, 17), 'Zeta', 10), // late: an old day, a new arrival
      login('u1', t(3, 18), t(10, 17, 10), 'sso', 1), // exactly as_of - 7d: outside the 7d window
      login('u3', t(8, 18), t(10, 17, 20), 'password', 7), // exactly as_of - 2d: outside the 2d window
      login('u3', t(8, 18, 1), t(10, 17, 21), 'sso', 3), // just inside it
      login('u2', t(10, 19), t(10, 17, 40), 'sso', 1), // after as_of: does not exist yet
      login('u4', t(10, 15), t(10, 15, 1), null, 2), // a tie at 15:00: the smaller id (this one, a null method) is last
      login('u4', t(10, 15), t(10, 15, 2), 'sso', 6),
    ],
    identifies: [],
    groups: [group('u4', 'acme', t(10, 14))],
  };
  // Run 3 crosses midnight; a batch landed out of order: arrival before run 2's watermark, within the lag.
  const run3: Batch = {
    asOf: t(11, 6),
    logins: [
      login('u1', t(10, 22), t(10, 22, 5), 'sso', 2),
      login('u2', t(11, 1), t(11, 1, 5), 'password', 5),
      login('u4', t(9, 8), t(10, 17, 30), 'éclair', 4), // arrival < run 2's watermark (17:50) - but within 1h of it
      login('u3', t(4, 6), t(10, 17, 45), 'password', 6),
    ],
    identifies: [],
    groups: [],
  };
  // Run 4 exactly at midnight: the identity edge of a1 arrives, after its events; rows on the edge instants.
  const run4: Batch = {
    asOf: t(12, 0),
    logins: [
      login('u3', t(11, 23), t(11, 23, 30), 'sso', 1),
      login('u1', t(5, 0), t(11, 23, 40), 'sso', 2), // exactly as_of - 7d: outside
      login('u2', t(5, 0, 1), t(11, 23, 41), 'Zeta', 3), // just inside
      login('u4', t(12, 0), t(11, 23, 59), 'password', 8), // exactly at as_of
    ],
    identifies: [identify('u3', 'a1', t(11, 23), t(11, 23, 5))],
    groups: [],
  };
  // Run 5, hours later: nothing new but time passing (windows slide over stored days).
  const run5: Batch = { asOf: t(13, 9), logins: [login('u1', t(13, 8), t(13, 8, 1), 'sso', 4)], identifies: [], groups: [] };
  return [run1, run2, run3, run4, run5];
}

export function datasetUpTo(batches: readonly Batch[], k: number): SourceDataset {
  const upTo = batches.slice(0, k + 1);
  const logins = upTo.flatMap((b) => b.logins);
  return {
    tables: {
      identifies: { columns: { ...BASE }, rows: upTo.flatMap((b) => b.identifies) },
      groups: { columns: { ...BASE, group_id: 'string' }, rows: upTo.flatMap((b) => b.groups) },
      tracks: { columns: EVENT_COLUMNS, rows: logins.map(({ method: _m, score: _s, ...row }) => row) },
      logged_in: { columns: EVENT_COLUMNS, rows: logins },
    },
  };
}
