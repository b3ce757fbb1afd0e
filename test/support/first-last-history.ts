// A hand-built arrival history for all-history `first` / `last` traits, whose partial tables keep
// only each raw key's winning row (docs/incremental.md, "What is kept"). Each run changes a
// winner in a way the compaction must follow:
//   - run 1 builds the partials from a week of logins: u1 and u2 have rows on several closed days,
//     u2 two rows at one instant (the smaller id wins), an anonymous a9 a row older than all of u2's;
//   - run 2: an identity edge gives a9 to u2 (u2's first becomes a9's row, kept under a9's raw key),
//     and a login of u1 older than all its others lands days late (certainly unseen: appended);
//   - run 3 crosses midnight: the open day of run 1 and 2 closes, so u1's last moves to a stored
//     day; a login of u2 older than a9's lands behind the previous watermark within the lag
//     (its (raw key, day) is recomputed);
//   - run 4, days later: only time passes (the 3-day window leaves days behind).
import type { Definition, Level, TimeWindow } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import { AS_OF, EVENTS, LOC } from './arbitraries.js';
import type { WarehouseHistory } from './history-arbitraries.js';
import { uuidTsLayout } from './history-layout.js';
import { incrementalHistory } from './history-timeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A midnight ten days before the generated histories' as_of. */
const D = Date.parse(AS_OF) - 10 * DAY - 12 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function trait(name: string, level: Level, compute: 'first' | 'last', window: TimeWindow | null = null, scope: 'users' | 'group_context' = 'users'): Definition {
  return {
    kind: 'computed_trait', name, level, compute, event: { kind: 'track', name: EVENTS[0].name }, window, filters: [], property: 'method',
    minFrequency: 2, scope, description: null, sync: [], loc: LOC,
  };
}

export const FIRST_LAST_DEFINITIONS: readonly Definition[] = [
  trait('first_method', 'user', 'first'),
  trait('last_method', 'user', 'last'),
  trait('last_method_3d', 'user', 'last', { kind: 'within', seconds: 3 * 86_400, text: '3d' }),
  trait('account_first_method', 'account', 'first'),
  trait('context_last_method', 'account', 'last', null, 'group_context'),
];

export function firstLastHistory(): WarehouseHistory {
  const { columns, filled } = uuidTsLayout();
  const runs = [D + 8 * DAY + 12 * HOUR, D + 8 * DAY + 15 * HOUR, D + 9 * DAY + 2 * HOUR, D + 12 * DAY + HOUR];
  const batches: Record<string, SourceRow[]>[] = runs.map(() => ({}));
  let n = 0;
  const login = (batch: number, user: string | null, anonymous: string | null, at: number, method: string | null, loadedAt: number, context: string | null = null) => {
    const row: SourceRow = { id: `f${String(n++).padStart(3, '0')}`, user_id: user, anonymous_id: anonymous, event: EVENTS[0].table, event_text: EVENTS[0].name, timestamp: iso(at), received_at: iso(at), context_group_id: context, method };
    for (const name of ['tracks', EVENTS[0].table]) (batches[batch][name] ??= []).push(filled(name, row, loadedAt));
  };
  const methods = ['sso', 'password', 'magic link', 'SSO'];
  const firstLoad = runs[0] - HOUR;
  for (let day = 1; day <= 7; day += 1) {
    login(0, 'u1', null, D + day * DAY + 10 * HOUR, methods[day % 4], firstLoad, day % 2 === 0 ? 'acme' : null);
    if (day % 2 === 1) login(0, 'u2', null, D + day * DAY + 7 * HOUR, methods[(day + 1) % 4], firstLoad, day === 3 ? 'globex' : null);
  }
  login(0, 'u2', null, D + 7 * DAY + 20 * HOUR, null, firstLoad); // u2's last has no method
  login(0, 'u3', null, D + 5 * DAY, 'password', firstLoad); // a tie at one instant: the smaller id (this one) is first and last
  login(0, 'u3', null, D + 5 * DAY, 'sso', firstLoad);
  login(0, null, 'a9', D + 12 * HOUR, 'SSO', firstLoad); // nobody's until run 2
  login(0, 'u1', null, D + 8 * DAY + 9 * HOUR, 'magic link', firstLoad); // the open day of runs 1 and 2
  (batches[0].groups ??= []).push(
    ...['u1', 'u2', 'u3'].map((user, i) => filled('groups', { id: `g${i}`, user_id: user, anonymous_id: null, group_id: i < 2 ? 'acme' : 'globex', timestamp: iso(D), received_at: iso(D) }, firstLoad)),
  );
  const secondLoad = runs[1] - HOUR;
  (batches[1].identifies ??= []).push(filled('identifies', { id: 'f_edge', user_id: 'u2', anonymous_id: 'a9', timestamp: iso(secondLoad), received_at: iso(secondLoad) }, secondLoad));
  login(1, 'u1', null, D + 3 * HOUR, 'SSO', secondLoad, 'acme'); // days late, older than all of u1's
  login(1, 'u3', null, secondLoad - MINUTE, 'sso', secondLoad); // the open day
  // Behind run 2's watermark (secondLoad) by half an hour: within the lag, so possibly seen.
  login(2, 'u2', null, D + HOUR, 'password', secondLoad - 30 * MINUTE);
  login(2, 'u3', null, runs[2] - HOUR, 'magic link', runs[2] - 50 * MINUTE);
  login(3, 'u9', null, runs[3] - HOUR, 'sso', runs[3] - 50 * MINUTE);
  return incrementalHistory(FIRST_LAST_DEFINITIONS, { stitch: 'anonymous_id', conflict: 'first' }, columns, batches, runs);
}
