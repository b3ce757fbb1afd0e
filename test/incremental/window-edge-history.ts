// A hand-built arrival history for runs that recompute only the users whose answers can have
// changed (src/incremental/entity-scope.ts): stitching off, user-level audiences over one-day
// windows, and a bystander, u9, with rows in every later batch so that the others' rows stop being
// new to the runs. u1 and u2 have rows in the first batch only:
//   - run 2: u1's and u2's rows are still within arrival_lag's overlap, so all three are recomputed;
//   - run 3: the 1-day window has left u1's and u2's rows behind with no new row of theirs: they
//     leave `logged_in_today` and enter `quiet_today`, which a run that forgets the window-edge
//     users misses;
//   - run 4: u2 logs in again (a late row: an old timestamp, a new arrival) and re-enters.
import type { Definition, TimeWindow } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import { EVENTS, LOC } from '../support/arbitraries.js';
import { DAY, HOUR, iso, LOADS, MINUTE, T0, timelineHistory } from '../support/history-timeline.js';
import type { WarehouseHistory } from '../support/history-arbitraries.js';
import { funnelEdgeHistory } from '../support/funnel-history.js';


const DAY_WINDOW: TimeWindow = { kind: 'within', seconds: 86_400, text: '1d' };
const performed = (name: string, op: 'at_least' | 'exactly', n: number): Definition => ({
  kind: 'audience', name, level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'performed', event: { kind: 'track', name: EVENTS[0].name }, window: DAY_WINDOW, filters: [], count: { op, n }, loc: LOC },
});

const DEFINITIONS: readonly Definition[] = [performed('logged_in_today', 'at_least', 1), performed('quiet_today', 'exactly', 0)];

/**
 * The users each run recomputes (none on the first, a full run): run 2 still reads the first
 * batch within arrival_lag's overlap; run 3 adds the window-edge users to u9; run 4 the late row's.
 */
export const DIRTY_AFTER_RUN: readonly (readonly string[])[] = [[], ['u1', 'u2', 'u9'], ['u1', 'u2', 'u9'], ['u2', 'u9']];

/**
 * The type of every table's user_id: text as Segment loads it, or a warehouse whose users are
 * numbered (an integer column, or a floating one holding fractions or whole numbers: 2.0 must be
 * the user "2" on every engine, as the reference evaluator says).
 */
export type UserIdType = 'string' | 'integer' | 'number' | 'whole_number';

/** The user ids of the history (u1, u2, u9) in a user_id column of `type`. */
export const USER_IDS: Readonly<Record<UserIdType, Readonly<Record<'u1' | 'u2' | 'u9', string | number>>>> = {
  string: { u1: 'u1', u2: 'u2', u9: 'u9' },
  integer: { u1: 1, u2: 2, u9: 9 },
  number: { u1: 1.5, u2: 2.25, u9: 9.75 },
  whole_number: { u1: 1, u2: 2, u9: 9 },
};

const COLUMN_TYPE: Readonly<Record<UserIdType, 'string' | 'integer' | 'number'>> = { string: 'string', integer: 'integer', number: 'number', whole_number: 'number' };

/** The history, in the table layout (columns, arrival column) of a generated one, its user ids of `userIds`' type. */
export function windowEdgeHistory(userIds: UserIdType = 'string'): WarehouseHistory {
  // funnel-history.ts's tables and columns (a generated history's layout with uuid_ts arrivals)
  const columns = Object.fromEntries(
    Object.entries(funnelEdgeHistory().columns).map(([name, c]) => [name, 'user_id' in c ? { ...c, user_id: COLUMN_TYPE[userIds] } : c]),
  );
  const filled = (name: string, row: SourceRow, loadedAt: number): SourceRow =>
    Object.fromEntries(Object.keys(columns[name]).map((c) => [c, c === 'uuid_ts' ? iso(loadedAt) : (row[c] ?? null)]));
  const loads = LOADS;
  const batches: Record<string, SourceRow[]>[] = loads.map(() => ({}));
  let n = 0;
  const track = (batch: number, user: 'u1' | 'u2' | 'u9', at: number) => {
    const spec = EVENTS[0];
    const row: SourceRow = { id: `w${n++}`, user_id: USER_IDS[userIds][user], anonymous_id: null, event: spec.table, event_text: spec.name, timestamp: iso(at), received_at: iso(at), context_group_id: null };
    for (const name of ['tracks', spec.table]) (batches[batch][name] ??= []).push(filled(name, row, loads[batch]));
  };
  track(0, 'u1', T0);
  track(0, 'u2', T0 + 5 * MINUTE);
  for (const batch of [1, 2, 3]) track(batch, 'u9', loads[batch] - MINUTE);
  // late: loaded two hours after its timestamp, inside the window of run 4
  track(3, 'u2', T0 + DAY + HOUR);
  return timelineHistory(DEFINITIONS, columns, batches);
}
