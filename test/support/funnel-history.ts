// A hand-built arrival history for incremental funnels (SPEC §5, §6.1): funnel answers that change
// between runs with no new row of the user, which generated histories rarely isolate (their funnel
// users get new rows in most batches). A bystander, u9, has rows in every later batch, so that the
// step tables' watermarks move on and the first batch's rows stop being new to the runs:
//   - run 3: an identity edge, loaded late, gives u3 the anonymous rows of a9 (u3 has no row of its
//     own), and u2's `not_performed` window after its first step elapses;
//   - run 4: the first step's 1-day window leaves u1's and u3's first steps behind;
//   - run 5: the 7-day window leaves u2's behind.
import type { Definition, FunnelStep, TimeWindow } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import { AS_OF, EVENTS, LOC, makeProject } from './arbitraries.js';
import type { WarehouseHistory } from './history-arbitraries.js';
import { uuidTsLayout } from './history-layout.js';
import { withIdentity } from './identity-arbitraries.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse(AS_OF) - 3 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

const within = (seconds: number, text: string): TimeWindow => ({ kind: 'within', seconds, text });
const step = (event: number, window: TimeWindow | null, negated = false): FunnelStep => ({ event: { kind: 'track', name: EVENTS[event].name }, window, filters: [], negated, loc: LOC });
const audience = (name: string, steps: FunnelStep[]): Definition => ({
  kind: 'audience', name, level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'funnel', steps, loc: LOC },
});

const DEFINITIONS: readonly Definition[] = [
  audience('logged_in_then_second', [step(0, within(86_400, '1d')), step(1, within(3600, '1h'))]),
  audience('logged_in_not_second', [step(0, within(7 * 86_400, '7d')), step(1, within(3 * 3600, '3h'), true)]),
];

/** The history, in the table layout (columns, arrival column) of a generated one. */
export function funnelEdgeHistory(): WarehouseHistory {
  const { columns, filled } = uuidTsLayout();
  const batches: Record<string, SourceRow[]>[] = [{}, {}, {}, {}, {}];
  const loads = [T0 + 20 * MINUTE, T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + DAY + 20 * MINUTE, T0 + 8 * DAY];
  let n = 0;
  const track = (batch: number, user: string | null, anonymous: string | null, event: number, at: number) => {
    const spec = EVENTS[event];
    const row: SourceRow = { id: `h${n++}`, user_id: user, anonymous_id: anonymous, event: spec.table, event_text: spec.name, timestamp: iso(at), received_at: iso(at), context_group_id: null };
    for (const name of ['tracks', spec.table]) (batches[batch][name] ??= []).push(filled(name, row, loads[batch]));
  };
  track(0, 'u1', null, 0, T0);
  track(0, 'u1', null, 1, T0 + 10 * MINUTE);
  track(0, 'u2', null, 0, T0);
  track(0, null, 'a9', 0, T0 + 5 * MINUTE);
  track(0, null, 'a9', 1, T0 + 15 * MINUTE);
  for (const batch of [1, 2, 3, 4]) {
    track(batch, 'u9', null, 0, loads[batch] - MINUTE);
    track(batch, 'u9', null, 1, loads[batch] - MINUTE);
  }
  // the edge that gives a9 to u3, an hour old when it is loaded
  (batches[2].identifies ??= []).push(filled('identifies', { id: 'h_edge', user_id: 'u3', anonymous_id: 'a9', timestamp: iso(T0 + HOUR), received_at: iso(T0 + HOUR) }, loads[2]));
  const project = withIdentity(makeProject(DEFINITIONS, 'timestamp'), { stitch: 'anonymous_id', conflict: 'first' });
  return {
    project: { ...project, config: { ...project.config, incremental: { enabled: true, arrivalLagSeconds: 3600, fullEverySeconds: null, verifyEverySeconds: null } } },
    columns,
    batches: batches.map((rows) => ({ rows })),
    runs: [T0 + 30 * MINUTE, T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + DAY + 20 * MINUTE, T0 + 7 * DAY + HOUR].map(iso),
    arrival: 'uuid_ts',
  };
}
