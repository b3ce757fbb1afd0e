// A hand-built arrival history for runs that recompute only the accounts whose answers can have
// changed (src/incremental/entity-scope.ts): stitching off, account-level audiences quantifying
// over one-day windows and an account-level count, and a bystander, u9, with rows in every later
// batch so that the others' rows stop being new to the runs. acme's members are u1 and u2, whose
// group calls and logins are in the first batch only; globex's is u9; initech has a group call
// without a user (an account with no members); umbrella's member u5 last logged in days before, so
// nothing moves it after run 3 (its users' rows must stay as they are in the state).
//   - run 3: the 1-day window has left u1's and u2's logins behind with no new row of theirs: acme
//     leaves `active_accounts_today` through its members' window edges; u3 joins globex by a group
//     call and no login, so globex leaves `all_active_today` through a new membership alone;
//   - run 4: u2 logs in again (a late row) and acme re-enters: u2 is dirty, and acme is dirty only
//     through u2's membership from the first batch, which `forget-previous-memberships` misses.
//     acme's third member u6 is not dirty in run 4: its one login, from a client whose clock ran
//     ahead, was loaded in the second batch with a timestamp ten hours later, still inside run 4's
//     window. acme's login count needs it, so a read of the dirty users alone for an account-level
//     definition (`read-dirty-users-for-accounts`) misses it.
import type { Condition, Definition } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import { EVENTS, LOC } from './arbitraries.js';
import { DAY, HOUR, iso, LOADS, MINUTE, T0, timelineHistory } from './history-timeline.js';
import { funnelEdgeHistory } from './funnel-history.js';
import type { WarehouseHistory } from './history-arbitraries.js';


const DAY_WINDOW = { kind: 'within' as const, seconds: 86_400, text: '1d' };
const LOGGED_IN_TODAY: Condition = { kind: 'performed', event: { kind: 'track', name: EVENTS[0].name }, window: DAY_WINDOW, filters: [], count: { op: 'at_least', n: 1 }, loc: LOC };

const quantified = (name: string, quantifier: 'any_user' | 'all_users' | 'no_user'): Definition => ({
  kind: 'audience', name, level: 'account', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'quantifier', quantifier, atLeast: null, condition: LOGGED_IN_TODAY, loc: LOC },
});

export const ACCOUNT_DEFINITIONS: readonly Definition[] = [
  quantified('active_accounts_today', 'any_user'),
  quantified('all_active_today', 'all_users'),
  quantified('quiet_accounts_today', 'no_user'),
  {
    kind: 'computed_trait', name: 'account_logins_today', level: 'account', description: null, sync: [], loc: LOC,
    compute: 'count', event: { kind: 'track', name: EVENTS[0].name }, window: DAY_WINDOW, filters: [], property: null, minFrequency: 2, scope: 'users',
  },
];

/**
 * The accounts each run recomputes (none on the first, a full run). Runs 2 and 3 still read the
 * first batch's group calls: `groups` gets no row in batch 1, so its own watermark stays within
 * arrival_lag of them until run 4.
 */
export const DIRTY_ACCOUNTS_AFTER_RUN: readonly (readonly string[])[] = [[], ['acme', 'globex', 'initech', 'umbrella'], ['acme', 'globex', 'initech', 'umbrella'], ['acme', 'globex']];

export function accountHistory(): WarehouseHistory {
  const { columns } = funnelEdgeHistory();
  const filled = (name: string, row: SourceRow, loadedAt: number): SourceRow =>
    Object.fromEntries(Object.keys(columns[name]).map((c) => [c, c === 'uuid_ts' ? iso(loadedAt) : (row[c] ?? null)]));
  const loads = LOADS;
  const batches: Record<string, SourceRow[]>[] = loads.map(() => ({}));
  let n = 0;
  const track = (batch: number, user: string, at: number) => {
    const spec = EVENTS[0];
    const row: SourceRow = { id: `a${n++}`, user_id: user, anonymous_id: null, event: spec.table, event_text: spec.name, timestamp: iso(at), received_at: iso(at), context_group_id: null };
    for (const name of ['tracks', spec.table]) (batches[batch][name] ??= []).push(filled(name, row, loads[batch]));
  };
  const group = (batch: number, user: string | null, account: string, at: number) => {
    const row: SourceRow = { id: `a${n++}`, user_id: user, anonymous_id: null, group_id: account, timestamp: iso(at), received_at: iso(at) };
    (batches[batch].groups ??= []).push(filled('groups', row, loads[batch]));
  };
  group(0, 'u1', 'acme', T0 - DAY);
  group(0, 'u2', 'acme', T0 - DAY);
  group(0, 'u9', 'globex', T0 - DAY);
  group(0, null, 'initech', T0 - DAY);
  group(0, 'u5', 'umbrella', T0 - DAY);
  group(0, 'u6', 'acme', T0 - DAY);
  track(0, 'u5', T0 - 2 * DAY);
  track(0, 'u1', T0);
  track(0, 'u2', T0 + 5 * MINUTE);
  for (const batch of [1, 2, 3]) track(batch, 'u9', loads[batch] - MINUTE);
  track(1, 'u6', loads[1] + 10 * HOUR);
  group(2, 'u3', 'globex', loads[2] - MINUTE);
  // late: loaded two hours after its timestamp, inside the window of run 4
  track(3, 'u2', T0 + DAY + HOUR);
  return timelineHistory(ACCOUNT_DEFINITIONS, columns, batches);
}
