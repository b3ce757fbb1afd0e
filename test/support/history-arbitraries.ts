// fast-check arbitraries for incremental runs (SPEC §6.1): a warehouse history as arrival batches,
// each loaded before one `quorum run` at an as_of that moves forward irregularly. The rows are the
// stitchable Segment-layout data of identity-arbitraries.ts, spread over the batches so that
//   - late rows arrive: an old `timestamp` in a late batch;
//   - rows sit exactly on a run's window edges (as_of - W, ±1 s, and as_of itself), in any batch;
//   - identity edges (a row with both ids) can all arrive last, after the anonymous rows they
//     re-attribute;
//   - memberships change: group calls arrive late and sit on a run's as_of;
//   - a third of the histories are funnel audiences (and an account audience quantifying over
//     one) with event sequences on the funnels' window edges (funnel-arbitraries.ts), whose rows
//     carry both ids and so also move anonymous ids from one owner to another;
//   - a quarter of the histories are "scoped": user-level audiences and computed traits over
//     `within:` windows, and most often account-level audiences quantifying over such conditions
//     and an account-level count, stitching off, no SQL or custom traits, so that runs recompute
//     only the users (and accounts) whose answers can have changed (entity-scope-pass.ts); they add
//     users whose only rows sit, from the first batch on, where a later run's window edge passes
//     (the answer changes with no new row of the user), each a member since long before of one
//     account, whose answer then changes with no new row of any of its members;
//   - an eighth of the histories are all-history `first` / `last` traits (user, account, group
//     context), with logins that move a winner after the first run: a first that arrives days
//     late, an identity edge bringing an older anonymous login, two logins at one instant;
//   - a batch's arrival values (uuid_ts, or received_at where the tables have no uuid_ts) are out
//     of order by up to just under `arrival_lag`, batches may be one second apart, and a few rows
//     have no arrival value at all.
// Every history keeps SPEC §6.1's premise: rows are only appended, each within arrival_lag of
// arrival-column order, so an incremental run must give exactly a full run's answer on it.
import fc from 'fast-check';
import type { AudienceDefinition, ComputedTraitDefinition, Condition, Definition, IdentityConfig, Project } from '../../src/definitions/model.js';
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import { AS_OF, arbDefinitions, DAY, EVENTS, LOC, makeProject, type DatasetSize } from './arbitraries.js';
import { arbFunnel, arbFunnelDefinitions, arbWithFunnelEpisodes } from './funnel-arbitraries.js';
import { arbStitchableDataset, IDENTITY_MODES, withIdentity } from './identity-arbitraries.js';

const AS_OF_MS = Date.parse(AS_OF);
const iso = (ms: number) => new Date(ms).toISOString();

/** One load: the rows appended to each table, all before the run that follows it. */
export interface ArrivalBatch {
  readonly rows: Readonly<Record<string, readonly SourceRow[]>>;
}

export interface WarehouseHistory {
  readonly project: Project;
  /** Every table's columns, the arrival column included; tables exist (empty) from the first batch on. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, LogicalType>>>>;
  readonly batches: readonly ArrivalBatch[];
  /** The as_of of the run after each batch: never earlier than the one before. */
  readonly runs: readonly string[];
  /** the arrival column of every table: uuid_ts, or received_at (the preset's fallback) */
  readonly arrival: 'uuid_ts' | 'received_at';
  /** a scoped history (user-level, no stitching): its runs may recompute only the changed users */
  readonly scoped?: boolean;
}

/** The warehouse's contents after batch `last` (inclusive). */
export function contentsAfter(history: WarehouseHistory, last: number): SourceDataset {
  const tables: Record<string, SourceTable> = {};
  for (const [name, columns] of Object.entries(history.columns)) {
    tables[name] = { columns, rows: history.batches.slice(0, last + 1).flatMap((b) => b.rows[name] ?? []) };
  }
  return { tables };
}

/** Run as_ofs: offsets from AS_OF that land windows (1h, 90m, 12h, 1d, 7d) on generated rows. */
const RUN_OFFSETS = [-7 * DAY, -3 * DAY, -DAY, -12 * 3600, -5400, -3600, -1, 0, 0, 1, 3600, DAY, 2 * DAY];
/** The lengths of the generated `within:` windows: rows are placed at a run's as_of minus each. */
const WINDOW_SECONDS = [3600, 5400, 12 * 3600, DAY, 7 * DAY, 14 * DAY, 30 * DAY];
const EDGE_USERS = ['u1', 'u2', "o'brien"] as const;
const EDGE_ACCOUNTS = ['acme', 'globex'] as const;

interface EdgeRow {
  readonly run: number;
  readonly kind: 'event' | 'group';
  readonly user: string;
  readonly account: string;
  /** seconds before the run's as_of: 0 is as_of itself */
  readonly before: number;
  readonly batch: number;
}

const arbEdgeRow = (runs: number): fc.Arbitrary<EdgeRow> =>
  fc.record({
    run: fc.integer({ min: 0, max: runs - 1 }),
    kind: fc.constantFrom<'event' | 'group'>('event', 'event', 'group'),
    user: fc.constantFrom(...EDGE_USERS),
    account: fc.constantFrom(...EDGE_ACCOUNTS),
    before: fc.oneof(fc.constant(0), fc.constantFrom(...WINDOW_SECONDS).chain((w) => fc.constantFrom(w, w - 1, w + 1))),
    batch: fc.integer({ min: 0, max: runs - 1 }),
  });

/** The windows of scoped definitions: short enough that the runs' as_ofs move across their edges. */
const SCOPED_WINDOWS = [3600, 5400, 12 * 3600, DAY, 7 * DAY];
const EDGE_ONLY_USER = (k: number) => `edge_only_${k}`;
const EDGE_BYSTANDER = 'edge_only_bystander';
const EDGE_BYSTANDER_GROUP = 'edge_only_bystander_group';
/** The account the edge-only users have been members of since long before every run. */
const EDGE_ONLY_ACCOUNT = 'edge_only_account';

const within = (seconds: number) => ({ kind: 'within' as const, seconds, text: `${seconds}s` });

/** Mostly Logged In, the event the edge-only users' rows are. */
const arbScopedEvent = fc.constantFrom(EVENTS[0], EVENTS[0], EVENTS[0], EVENTS[1], EVENTS[2]);

const arbScopedPerformed: fc.Arbitrary<Condition> = fc
  .record({
    event: arbScopedEvent,
    seconds: fc.constantFrom(...SCOPED_WINDOWS),
    count: fc.constantFrom(
      { op: 'at_least' as const, n: 1 },
      { op: 'at_least' as const, n: 1 },
      { op: 'at_least' as const, n: 2 },
      { op: 'exactly' as const, n: 0 },
      { op: 'exactly' as const, n: 1 },
      { op: 'at_most' as const, n: 1 },
    ),
  })
  .map(({ event, seconds, count }): Condition => ({ kind: 'performed', event: { kind: 'track', name: event.name }, window: within(seconds), filters: [], count, loc: LOC }));

const arbScopedCondition: fc.Arbitrary<Condition> = fc.oneof(
  { weight: 3, arbitrary: arbScopedPerformed },
  { weight: 1, arbitrary: fc.array(arbScopedPerformed, { minLength: 2, maxLength: 3 }).map((children): Condition => ({ kind: 'all', children, loc: LOC })) },
  { weight: 1, arbitrary: fc.array(arbScopedPerformed, { minLength: 2, maxLength: 3 }).map((children): Condition => ({ kind: 'any', children, loc: LOC })) },
  { weight: 1, arbitrary: arbScopedPerformed.map((child): Condition => ({ kind: 'not', child, loc: LOC })) },
);

/** User-level definitions that entity-scope-pass.ts restricts to changed users: performed conditions and counts over windows. */
const arbScopedDefinitions: fc.Arbitrary<Definition[]> = fc
  .record({
    audiences: fc.array(arbScopedCondition, { minLength: 1, maxLength: 2 }),
    counts: fc.array(fc.record({ event: arbScopedEvent, seconds: fc.constantFrom(...SCOPED_WINDOWS) }), { maxLength: 1 }),
  })
  .map(({ audiences, counts }) => [
    ...counts.map(({ event, seconds }, i): ComputedTraitDefinition => ({
      kind: 'computed_trait', name: `ct_${i}_count`, level: 'user', description: null, sync: [], loc: LOC,
      compute: 'count', event: { kind: 'track', name: event.name }, window: within(seconds), filters: [], property: null, minFrequency: 2, scope: 'users',
    })),
    ...audiences.map((where, i): AudienceDefinition => ({
      kind: 'audience', name: `aud_${i}`, level: 'user', description: null, sync: [], loc: LOC, schedule: null, where, maxExitFraction: null,
    })),
  ]);

/** Account-level definitions over the scoped conditions: quantifiers over the members, and a count of the members' events. */
const arbScopedAccountDefinitions: fc.Arbitrary<Definition[]> = fc
  .record({
    quantified: fc.array(fc.record({ quantifier: fc.constantFrom<'any_user' | 'all_users' | 'no_user'>('any_user', 'any_user', 'all_users', 'no_user'), condition: arbScopedCondition }), { maxLength: 2 }),
    counts: fc.array(fc.record({ event: arbScopedEvent, seconds: fc.constantFrom(...SCOPED_WINDOWS) }), { maxLength: 1 }),
  })
  .map(({ quantified, counts }) => [
    ...counts.map(({ event, seconds }, i): ComputedTraitDefinition => ({
      kind: 'computed_trait', name: `account_ct_${i}_count`, level: 'account', description: null, sync: [], loc: LOC,
      compute: 'count', event: { kind: 'track', name: event.name }, window: within(seconds), filters: [], property: null, minFrequency: 2, scope: 'users',
    })),
    ...quantified.map(({ quantifier, condition }, i): AudienceDefinition => ({
      kind: 'audience', name: `account_aud_${i}`, level: 'account', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
      where: { kind: 'quantifier', quantifier, atLeast: null, condition, loc: LOC },
    })),
  ]);

/**
 * All-history `first` / `last` traits on Logged In, whose partial tables keep only each raw key's
 * winning row (partial-compaction.ts): the history's late rows, identity edges and rows on one
 * instant then move a winner that the kept row must follow.
 */
const arbFirstLastDefinitions: fc.Arbitrary<Definition[]> = fc
  .array(
    fc.record({
      compute: fc.constantFrom<'first' | 'last'>('first', 'last'),
      property: fc.constantFrom('method', 'method', 'duration'),
      level: fc.constantFrom<'user' | 'account'>('user', 'user', 'account'),
      scope: fc.constantFrom<'users' | 'group_context'>('users', 'group_context'),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((traits) =>
    traits.map(({ compute, property, level, scope }, i): ComputedTraitDefinition => ({
      kind: 'computed_trait', name: `ct_${i}_${compute}`, level, description: null, sync: [], loc: LOC,
      compute, event: { kind: 'track', name: EVENTS[0].name }, window: null, filters: [], property, minFrequency: 2, scope: level === 'account' ? scope : 'users',
    })),
  );

/** The `within:` seconds the definitions apply to `event` (performed conditions and computed traits). */
export function windowsOn(definitions: readonly Definition[], event: string): number[] {
  const out = new Set<number>();
  const visit = (c: Condition): void => {
    if (c.kind === 'performed' && c.event.kind === 'track' && c.event.name === event && c.window?.kind === 'within') out.add(c.window.seconds);
    else if (c.kind === 'all' || c.kind === 'any') c.children.forEach(visit);
    else if (c.kind === 'not') visit(c.child);
    else if (c.kind === 'quantifier') visit(c.condition);
  };
  for (const d of definitions) {
    if (d.kind === 'audience') visit(d.where);
    else if (d.kind === 'computed_trait' && d.event.kind === 'track' && d.event.name === event && d.window?.kind === 'within') out.add(d.window.seconds);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * A user with one Logged In event and nothing else, placed where run `run`'s as_of moves a window's
 * edge past it: between the previous run's edge and this run's (`inside`), or on either end.
 */
interface EdgeOnlyUser {
  readonly run: number;
  readonly window: number;
  readonly place: 'inside' | 'upper' | 'lower';
}

export interface HistoryOptions {
  readonly size?: DatasetSize;
  readonly sqlTraits?: boolean;
  readonly modes?: readonly IdentityConfig[];
}

export function arbWarehouseHistory(options: HistoryOptions = {}): fc.Arbitrary<WarehouseHistory> {
  return fc
    .integer({ min: 2, max: 3 })
    .chain((runs) =>
      fc.record({
        offsets: fc.array(fc.constantFrom(...RUN_OFFSETS), { minLength: runs, maxLength: runs }).map((o) => [...o].sort((a, b) => a - b)),
        definitionsAndData: fc
          .oneof(
            { weight: 3, arbitrary: arbDefinitions({ maxComputedTraits: 3, maxAudiences: 2, maxDepth: 2, sqlTraits: options.sqlTraits, userLeaves: [arbFunnel] }).map((definitions) => ({ definitions, scoped: false })) },
            { weight: 2, arbitrary: arbFunnelDefinitions.map((definitions) => ({ definitions, scoped: false })) },
            { weight: 1, arbitrary: arbFirstLastDefinitions.map((definitions) => ({ definitions, scoped: false, firstLast: true })) },
            {
              weight: 2,
              arbitrary: fc
                .record({ users: arbScopedDefinitions, accounts: fc.oneof({ weight: 2, arbitrary: arbScopedAccountDefinitions }, { weight: 1, arbitrary: fc.constant([]) }) })
                .map(({ users, accounts }) => ({ definitions: [...users, ...accounts], scoped: true })),
            },
          )
          .chain(({ definitions, scoped, firstLast }: { definitions: Definition[]; scoped: boolean; firstLast?: boolean }) =>
            arbWithFunnelEpisodes(arbStitchableDataset(options.size ?? { identifies: 8, groups: 8, events: 30, pages: 6, screens: 2 }), definitions).map((dataset) => ({ definitions, dataset, scoped, firstLast: firstLast === true })),
          ),
        identity: fc.constantFrom(...(options.modes ?? IDENTITY_MODES)),
        edges: fc.array(arbEdgeRow(runs), { maxLength: 6 }),
        edgeOnly: fc.array(
          fc.record({ run: fc.integer({ min: 1, max: runs - 1 }), window: fc.nat(), place: fc.constantFrom<EdgeOnlyUser['place']>('inside', 'inside', 'upper', 'lower') }),
          { minLength: 1, maxLength: 3 },
        ),
        // the batch of each row, drawn per row id; batch 0 (the history before the first run) most often
        batchOf: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: runs - 1 }) }), { minLength: 64, maxLength: 64 }),
        lateEdges: fc.boolean(),
        arrival: fc.constantFrom<'uuid_ts' | 'received_at'>('uuid_ts', 'uuid_ts', 'received_at'),
        eventTime: fc.constantFrom<'timestamp' | 'received_at'>('timestamp', 'timestamp', 'received_at'),
        lagSeconds: fc.constantFrom(3600, 60),
        // seconds between one batch's load and the next: one second makes the lag's overlap matter
        spacing: fc.array(fc.constantFrom(1, 60, 3600, DAY), { minLength: runs, maxLength: runs }),
        // how far before its batch's load time each row's arrival value is; a fraction of the lag
        jitter: fc.array(fc.constantFrom(0, 0, 0, 0.5, 1, -1), { minLength: 32, maxLength: 32 }),
      }),
    )
    .map((g) => {
      const runs = g.offsets.map((o) => iso(AS_OF_MS + o * 1000));
      const edgeRows = edgeDataset(g.edges, runs);
      const { definitions, dataset, scoped, firstLast } = g.definitionsAndData;
      let all = mergeDatasets(dataset, edgeRows.dataset);
      if (firstLast) {
        const winners = winnerDataset(runs.length);
        all = mergeDatasets(all, winners.dataset);
        for (const [id, batch] of winners.batch) edgeRows.batch.set(id, batch);
      }
      // the edge-only users' rows: in the first batch, arrived long before every run's lag overlap
      const longAgo = new Set<string>();
      if (scoped) {
        const windows = windowsOn(definitions, EVENTS[0].name);
        const runMs = runs.map((r) => Date.parse(r));
        const only = edgeOnlyDataset(
          g.edgeOnly.map((e) => {
            // a run whose as_of moved, and a window longer than half the move: the event is then
            // before the previous as_of (no new row) and inside the previous run's window
            const moved = runMs.flatMap((t, r) => (r > 0 && t > runMs[r - 1] ? [r] : []));
            const run = moved.length === 0 || moved.includes(e.run) ? e.run : moved[e.run % moved.length];
            const long = windows.filter((w) => w * 2000 > runMs[run] - runMs[run - 1]);
            const chosen = long.length > 0 ? long : windows.length > 0 ? windows : SCOPED_WINDOWS;
            return { ...e, run, window: chosen[e.window % chosen.length] };
          }),
          runs,
        );
        all = mergeDatasets(all, only);
        for (const rows of Object.values(only.tables)) for (const row of rows.rows) edgeRows.batch.set(String(row.id), 0);
        for (const row of [...only.tables.tracks.rows, ...only.tables.groups.rows]) longAgo.add(String(row.id));
      }
      const batchOfRow = new Map<string, number>();
      let next = 0;
      const batchFor = (table: string, row: SourceRow): number => {
        const edge = edgeRows.batch.get(String(row.id));
        if (edge !== undefined) return edge;
        // an identity edge, all of them last: the anonymous rows they re-attribute came before
        if (g.lateEdges && row.user_id !== null && row.anonymous_id !== null && row.anonymous_id !== undefined) return runs.length - 1;
        // a track call lands in `tracks` and in its event's table in the same load
        const key = EVENTS.some((e) => e.table === table) ? `tracks:${String(row.id)}` : `${table}:${String(row.id)}`;
        let batch = batchOfRow.get(key);
        if (batch === undefined) {
          batch = g.batchOf[next++ % g.batchOf.length];
          batchOfRow.set(key, batch);
        }
        return batch;
      };
      // load times: batch b is loaded at loads[b]; the first an hour after the earliest run
      const loads: number[] = [];
      g.spacing.forEach((s, b) => loads.push(b === 0 ? AS_OF_MS - 7 * DAY * 1000 + 3600_000 : loads[b - 1] + s * 1000));
      const lagMs = g.lagSeconds * 1000;
      let j = 0;
      const arrivalOf = (batch: number): string | null => {
        const f = g.jitter[j++ % g.jitter.length];
        if (f < 0) return null; // a row without an arrival value: new to every run
        // strictly within the lag: later than (any earlier batch's arrival) - lag
        return iso(loads[batch] - Math.min(Math.round(f * lagMs), lagMs - 1000));
      };
      const columns: Record<string, Record<string, LogicalType>> = {};
      const batches: Record<string, SourceRow[]>[] = runs.map(() => ({}));
      for (const [name, table] of Object.entries(all.tables)) {
        columns[name] = g.arrival === 'uuid_ts' ? { ...table.columns, uuid_ts: 'timestamp' } : { ...table.columns };
        for (const generated of table.rows) {
          // every column present, so that each engine and the reference read the same nulls
          const row: SourceRow = Object.fromEntries(Object.keys(table.columns).map((c) => [c, generated[c] ?? null]));
          const batch = batchFor(name, row);
          const arrival = row.id === EDGE_BYSTANDER || row.id === EDGE_BYSTANDER_GROUP ? iso(loads[0]) : longAgo.has(String(row.id)) ? iso(AS_OF_MS - 8 * DAY * 1000) : arrivalOf(batch);
          // a null arrival stays null in either column: the generated received_at is no load time
          const loaded: SourceRow = g.arrival === 'uuid_ts' ? { ...row, uuid_ts: arrival } : { ...row, received_at: arrival };
          (batches[batch][name] ??= []).push(loaded);
        }
      }
      // received_at is the arrival column when the tables have no uuid_ts, so it is not also the event time
      const eventTime = g.arrival === 'received_at' ? 'timestamp' : g.eventTime;
      // scoped histories stitch nothing: stitching covers all users
      const project = withIdentity(makeProject(definitions, eventTime), scoped ? { stitch: 'off', conflict: 'first' } : g.identity);
      return {
        project: { ...project, config: { ...project.config, incremental: { enabled: true, arrivalLagSeconds: g.lagSeconds, fullEverySeconds: null, verifyEverySeconds: null } } },
        columns,
        batches: batches.map((rows) => ({ rows })),
        runs,
        arrival: g.arrival,
        scoped,
      };
    });
}

/** The edge-only users' Logged In rows (in `tracks` and `logged_in`), timed against the runs' as_ofs. */
function edgeOnlyDataset(users: readonly EdgeOnlyUser[], runs: readonly string[]): SourceDataset {
  const tracks: SourceRow[] = [];
  const loggedIn: SourceRow[] = [];
  const groups: SourceRow[] = [];
  // each a member of one account since before every run: its answer changes with theirs, and no row of it is new
  const joined = iso(AS_OF_MS - 8 * DAY * 1000);
  users.forEach((u, k) => {
    groups.push({ id: `edge_only_group${k}`, user_id: EDGE_ONLY_USER(k), anonymous_id: null, group_id: EDGE_ONLY_ACCOUNT, timestamp: joined, received_at: joined });
    const previous = Date.parse(runs[u.run - 1]);
    const now = Date.parse(runs[u.run]);
    // inside: in the previous run's window, before its as_of (so no new row), and out of this run's
    const half = Math.floor(Math.min(now - previous, u.window * 1000) / 2000) * 1000;
    const at = u.place === 'upper' ? now - u.window * 1000 : u.place === 'lower' ? previous - u.window * 1000 : previous - u.window * 1000 + half;
    const time = iso(at);
    const track: SourceRow = { id: `edge_only${k}`, user_id: EDGE_ONLY_USER(k), anonymous_id: null, timestamp: time, received_at: time, event: EVENTS[0].table, event_text: EVENTS[0].name, context_group_id: null };
    tracks.push(track);
    loggedIn.push({ ...track, method: 'sso', duration: 1 });
  });
  // a row that arrives with the first load: it moves each table's watermark past the edge-only
  // rows' arrivals by more than the lag, whatever else the first batch holds
  const time = iso(AS_OF_MS - 7 * DAY * 1000);
  const bystander: SourceRow = { id: EDGE_BYSTANDER, user_id: 'edge_bystander', anonymous_id: null, timestamp: time, received_at: time, event: EVENTS[0].table, event_text: EVENTS[0].name, context_group_id: null };
  tracks.push(bystander);
  loggedIn.push({ ...bystander, method: 'sso', duration: 1 });
  groups.push({ id: EDGE_BYSTANDER_GROUP, user_id: 'edge_bystander', anonymous_id: null, group_id: 'edge_bystander_account', timestamp: time, received_at: time });
  const table = (rows: SourceRow[]): SourceTable => ({ columns: {}, rows });
  return { tables: { tracks: table(tracks), [EVENTS[0].table]: table(loggedIn), groups: table(groups) } };
}

/**
 * Logins that move a `first` / `last` winner after the first run (firstLastHistory's cases, drawn
 * into a generated history): fl_u1's first arrives days late in the last batch, an identity edge
 * in the last batch gives fl_u1 an anonymous id whose login is older still, fl_u2 has two logins
 * at one instant (a tie: the smaller event id wins), and fl_u3 only ever has its first two.
 */
function winnerDataset(runs: number): { dataset: SourceDataset; batch: Map<string, number> } {
  const batch = new Map<string, number>();
  const tracks: SourceRow[] = [];
  const loggedIn: SourceRow[] = [];
  const last = runs - 1;
  const login = (id: string, user: string | null, anonymous: string | null, daysBefore: number, method: string, duration: number, into: number) => {
    const time = iso(AS_OF_MS - daysBefore * DAY * 1000);
    const track: SourceRow = { id, user_id: user, anonymous_id: anonymous, timestamp: time, received_at: time, event: EVENTS[0].table, event_text: EVENTS[0].name, context_group_id: 'fl_account' };
    tracks.push(track);
    loggedIn.push({ ...track, method, duration });
    batch.set(id, into);
  };
  for (const user of ['fl_u1', 'fl_u3']) {
    login(`${user}_a`, user, null, 10, 'sso', 1, 0);
    login(`${user}_b`, user, null, 9, 'password', 2, 0);
  }
  login('fl_u1_late', 'fl_u1', null, 12, 'magic link', 3, last);
  login('fl_anon', null, 'fl_a1', 13, 'SSO', 5, 0);
  login('fl_u2_x', 'fl_u2', null, 11, "it's", 0, 0);
  login('fl_u2_y', 'fl_u2', null, 11, '%', 5, 0);
  const time = iso(AS_OF_MS - 8 * DAY * 1000);
  const identifies: SourceRow[] = [{ id: 'fl_edge', user_id: 'fl_u1', anonymous_id: 'fl_a1', timestamp: time, received_at: time }];
  batch.set('fl_edge', last);
  const groups: SourceRow[] = ['fl_u1', 'fl_u2', 'fl_u3'].map((user) => ({ id: `fl_group_${user}`, user_id: user, anonymous_id: null, group_id: 'fl_account', timestamp: iso(AS_OF_MS - 14 * DAY * 1000), received_at: iso(AS_OF_MS - 14 * DAY * 1000) }));
  for (const g of groups) batch.set(String(g.id), 0);
  const table = (rows: SourceRow[]): SourceTable => ({ columns: {}, rows });
  return { dataset: { tables: { tracks: table(tracks), [EVENTS[0].table]: table(loggedIn), identifies: table(identifies), groups: table(groups) } }, batch };
}

/** Rows placed on a run's window edges and on its as_of: track calls (logged_in) and group calls. */
function edgeDataset(edges: readonly EdgeRow[], runs: readonly string[]): { dataset: SourceDataset; batch: Map<string, number> } {
  const batch = new Map<string, number>();
  const tracks: SourceRow[] = [];
  const loggedIn: SourceRow[] = [];
  const groups: SourceRow[] = [];
  edges.forEach((e, i) => {
    const time = iso(Date.parse(runs[e.run]) - e.before * 1000);
    const id = `edge${i}`;
    batch.set(id, e.batch);
    const base: SourceRow = { id, user_id: e.user, anonymous_id: null, timestamp: time, received_at: time };
    if (e.kind === 'group') {
      groups.push({ ...base, group_id: e.account, plan: 'pro' });
      return;
    }
    const track: SourceRow = { ...base, event: EVENTS[0].table, event_text: EVENTS[0].name, context_group_id: e.account };
    tracks.push(track);
    loggedIn.push({ ...track, method: 'sso', duration: 1 });
  });
  const table = (rows: SourceRow[]): SourceTable => ({ columns: {}, rows });
  return { dataset: { tables: { tracks: table(tracks), [EVENTS[0].table]: table(loggedIn), groups: table(groups) } }, batch };
}

/** `extra`'s rows appended to `base`'s tables (whose columns they use). */
function mergeDatasets(base: SourceDataset, extra: SourceDataset): SourceDataset {
  const tables: Record<string, SourceTable> = { ...base.tables };
  for (const [name, table] of Object.entries(extra.tables)) {
    const into = tables[name];
    if (!into) throw new Error(`generated dataset lacks table ${name}`);
    tables[name] = { columns: into.columns, rows: [...into.rows, ...table.rows] };
  }
  return { tables };
}

/** A short description of a history for a failure report. */
export function describeHistory(history: WarehouseHistory): string {
  const sizes = history.batches.map((b, i) => `batch ${i}: ${Object.values(b.rows).reduce((n, rows) => n + rows.length, 0)} rows, then run as of ${history.runs[i]}`);
  const names = history.project.definitions.map((d: Definition) => `${d.kind} ${d.name} (${d.level})`);
  return [`arrival column ${history.arrival}, identity ${JSON.stringify(history.project.config.identity)}`, ...sizes, ...names].join('\n');
}
