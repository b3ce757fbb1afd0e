// Reads restricted to the dirty users (entity-scope-pass.ts ScanRead, merge-sql.ts): where every
// definition reading a scan stages only the users whose answers can have changed, the scan's merge
// reads only those users' partials and raw rows. Replays hand-built arrival histories (the window
// edge history of window-edge-history.ts, and the same with a definition that covers all entities
// reading the same scan) on DuckDB, PGlite and PostgreSQL over the wire (QUORUM_TEST_POSTGRES_URL):
// after every run the committed snapshot must be a full recomputation's, and the reference
// evaluator's (test/support/history-replay.ts). The mutation `restrict-uncovered-reads` restricts the scan that the covering-all
// definition reads too, and must be caught. The account history (test/support/history-accounts.ts)
// does the same for account-level definitions, which stage only the dirty accounts: each run's dirty
// accounts are checked exactly, and `forget-previous-memberships` must be caught. Their scans read
// the dirty accounts' members only (with a user-level reader too, the dirty users as well), and
// `read-dirty-users-for-accounts`, which reads the dirty users alone for them, must be caught.
import { describe, expect, it } from 'vitest';
import type { Condition, Definition, TimeWindow } from '../../src/definitions/model.js';
import type { IncrementalMutation } from '../../src/incremental/evaluate-incremental.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { offlineIncrementalPass } from '../../src/plan/physical/incremental-pass.js';
import { EVENTS, LOC } from '../support/arbitraries.js';
import type { WarehouseHistory } from '../support/history-arbitraries.js';
import { replayHistory } from '../support/history-replay.js';
import { describeOnHistoryEngines, type HistoryEngine } from '../support/history-engines.js';
import { windowEdgeHistory } from './window-edge-history.js';
import { accountHistory, DIRTY_ACCOUNTS_AFTER_RUN } from '../support/history-accounts.js';
import { col, countAll, select, tableOf, type TableRef } from '../../src/sql/ast.js';
import { accountMembersRef, dirtyAccountsRef, dirtyRef } from '../../src/incremental/entity-scope.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

const WEEK: TimeWindow = { kind: 'within', seconds: 7 * 86_400, text: '7d' };

/**
 * Logged in within a week, or logged in and then created a report: the funnel makes it cover all
 * entities, and its measure lives in the same scan of `logged_in` as the one-day audiences'. u1's
 * only row (run 1) keeps it a member through run 4, where u1 is not dirty: a scan restricted to the
 * dirty users would drop it.
 */
const WEEKLY_OR_FUNNEL: Definition = {
  kind: 'audience', name: 'weekly_or_funnel', level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: {
    kind: 'any',
    loc: LOC,
    children: [
      { kind: 'performed', event: { kind: 'track', name: EVENTS[0].name }, window: WEEK, filters: [], count: { op: 'at_least', n: 1 }, loc: LOC },
      {
        kind: 'funnel',
        loc: LOC,
        steps: [
          { event: { kind: 'track', name: EVENTS[0].name }, window: WEEK, filters: [], negated: false, loc: LOC },
          { event: { kind: 'track', name: EVENTS[1].name }, window: { kind: 'within', seconds: 86_400, text: '1d' }, filters: [], negated: false, loc: LOC },
        ],
      },
    ],
  },
};

/** Logged in within a week: a user-level reader of the user scan that the account history's quantifiers read. */
const WEEKLY: Definition = { ...WEEKLY_OR_FUNNEL, name: 'weekly', where: (WEEKLY_OR_FUNNEL.where as Extract<Condition, { kind: 'any' }>).children[0] };

/**
 * Accounts with two members logged in today, beside a user-level reader (WEEKLY, so that the
 * statement builds every user's features row from the user universe, and the quantifier counts
 * those rows): the user universe must hold every member of a dirty account. In run 4, acme's u2
 * (dirty) and u6 (not dirty, its login still inside the window) make two; a universe of the dirty
 * users alone would count one.
 */
function withTwoActive(history: WarehouseHistory): WarehouseHistory {
  // the account history's own condition: logged in within a day
  const loggedInToday = ((history.project.definitions[0] as Extract<Definition, { kind: 'audience' }>).where as Extract<Condition, { kind: 'quantifier' }>).condition;
  const twoActiveToday: Definition = {
    kind: 'audience', name: 'two_active_today', level: 'account', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
    where: { kind: 'quantifier', quantifier: 'at_least_users', atLeast: { count: 2 }, condition: loggedInToday, loc: LOC },
  };
  return { ...history, project: { ...history.project, definitions: [...history.project.definitions, twoActiveToday, WEEKLY] } };
}

function withCoveringAll(history: WarehouseHistory): WarehouseHistory {
  return { ...history, project: { ...history.project, definitions: [...history.project.definitions, WEEKLY_OR_FUNNEL] } };
}

const SCAN_LINE = /scans read the dirty users only: (.*)$/;

/** Replays the history (history-replay.ts checks every run's answer); per run, the scans whose reads were restricted, from its log. */
async function replay(engine: HistoryEngine, history: WarehouseHistory, schemas: { source: string; state: string }, mutation?: IncrementalMutation): Promise<string[][]> {
  const restricted: string[][] = [];
  await replayHistory(engine, history, schemas, { mutation, afterRun: (_, { log }) => void restricted.push(log.flatMap((line) => SCAN_LINE.exec(line)?.[1].split(', ') ?? [])) });
  return restricted;
}

const SCHEMAS = { source: 'read_scope_app', state: 'read_scope_state' };

function readScopeCases(engine: () => HistoryEngine): void {
  it('restricted reads: runs 2 to 4 read the dirty users only, and every committed answer is exact', async () => {
    const restricted = await replay(engine(), windowEdgeHistory(), SCHEMAS);
    // run 1 is full; the others restrict the one scan of logged_in its two audiences read
    expect(restricted.map((scans) => scans.length)).toEqual([0, 1, 1, 1]);
  });

  it('a scan that a definition covering all entities reads is not restricted, and the answer is exact', async () => {
    const restricted = await replay(engine(), withCoveringAll(windowEdgeHistory()), SCHEMAS);
    expect(restricted).toEqual([[], [], [], []]);
  });

  it('restrict-uncovered-reads (that scan restricted all the same) gives a wrong answer', async () => {
    await expect(replay(engine(), withCoveringAll(windowEdgeHistory()), SCHEMAS, 'restrict-uncovered-reads')).rejects.toThrow(/differs from a full recomputation/);
  });

  it('account-level definitions: runs 2 to 4 stage the dirty accounts only, exactly those that can have changed, and every committed answer is exact', async () => {
    const runs: { restricted: string | null; dirty: string[] }[] = [];
    await replayHistory(engine(), accountHistory(), SCHEMAS, {
      afterRun: async (_, { connection, project, log }) => {
        const rows = await connection.query(connection.dialect.printer.print(select({ columns: [{ expr: col('id', 'd'), alias: 'id' }], from: tableOf(dirtyAccountsRef(project.config.stateSchema), 'd') })));
        runs.push({ restricted: log.map((line) => ACCOUNT_LINE.exec(line)?.[1] ?? null).find((m) => m !== null) ?? null, dirty: rows.map((r) => String(r.id)).sort() });
      },
    });
    // run 1 is full; every later run restricts the four account-level definitions
    expect(runs.map((r) => r.restricted)).toEqual([null, '4', '4', '4']);
    expect(runs.map((r) => r.dirty)).toEqual(DIRTY_ACCOUNTS_AFTER_RUN.map((a) => [...a]));
  });

  it("as a deployment runs them (the dirty keys emptied before COMMIT), every committed answer is exact and no run leaves its dirty keys behind", async () => {
    const left: { restricted: string | null; rows: number[] }[] = [];
    await replayHistory(engine(), accountHistory(), SCHEMAS, {
      keepDirtyKeys: false,
      afterRun: async (_, { connection, project, log }) => {
        const schema = project.config.stateSchema;
        const count = async (ref: TableRef) => Number((await connection.query(connection.dialect.printer.print(select({ columns: [{ expr: countAll(), alias: 'n' }], from: tableOf(ref, 'd') }))))[0].n);
        left.push({ restricted: log.map((line) => ACCOUNT_LINE.exec(line)?.[1] ?? null).find((m) => m !== null) ?? null, rows: [await count(dirtyRef(schema)), await count(dirtyAccountsRef(schema)), await count(accountMembersRef(schema))] });
      },
    });
    // runs 2 to 4 filled all three (the test above reads their dirty accounts when they are kept)
    expect(left).toEqual([null, '4', '4', '4'].map((restricted) => ({ restricted, rows: [0, 0, 0] })));
  });

  it("account-level definitions: the accounts' users kept in the state are those of a run with the engine off, after every run", async () => {
    const users = async (history: WarehouseHistory) => {
      const out: string[][] = [];
      await replayHistory(engine(), history, SCHEMAS, { afterRun: async (_, { connection, project }) => void out.push(await snapshotUsers(connection, project.config.stateSchema)) });
      return out;
    };
    const restricted = await users(accountHistory());
    const off = accountHistory();
    const engineOff = await users({ ...off, project: { ...off.project, config: { ...off.project.config, incremental: { ...off.project.config.incremental!, enabled: false } } } });
    expect(restricted).toEqual(engineOff);
    // umbrella, not dirty in run 4, is a member of quiet_accounts_today with its user
    expect(restricted[3]).toContain('quiet_accounts_today umbrella u5 1');
  });

  it("account-level definitions: runs 2 to 4 read their scans for the dirty accounts' members only", async () => {
    const restricted: string[][] = [];
    await replayHistory(engine(), accountHistory(), SCHEMAS, { afterRun: (_, { log }) => void restricted.push(log.flatMap((line) => MEMBERS_LINE.exec(line)?.[1].split(', ') ?? []).sort()) });
    // runs 2 and 3 make all four accounts dirty: past the gate (read-gate.ts) the scans are read whole; run 4 makes two of them dirty
    expect(restricted).toEqual([[], [], [], ['events:account:logged_in', 'events:user:logged_in']]);
  });

  it('a user-level reader beside them: the user scan reads the dirty users and the members, and every committed answer is exact', async () => {
    const history = accountHistory();
    const restricted: string[][] = [];
    await replayHistory(engine(), { ...history, project: { ...history.project, definitions: [...history.project.definitions, WEEKLY] } }, SCHEMAS, {
      afterRun: (_, { log }) => void restricted.push(log.flatMap((line) => MEMBERS_LINE.exec(line)?.[1].split(', ') ?? []).sort()),
    });
    expect(restricted).toEqual([[], [], [], ['events:account:logged_in', 'events:user:logged_in']]);
  });

  it('the universes and memberships are read for the entities recomputed only where few accounts are dirty, and every committed answer is exact', async () => {
    const shared: string[][] = [];
    await replayHistory(engine(), withTwoActive(accountHistory()), SCHEMAS, { afterRun: (_, { log }) => void shared.push(log.flatMap((line) => SHARED_LINE.exec(line)?.[1].split(', ') ?? []).sort()) });
    // runs 2 and 3 make all four accounts dirty: the parts are read whole; run 4 makes two of them dirty
    expect(shared).toEqual([[], [], [], ['memberships', 'universe:account', 'universe:user']]);
  });

  it('shared-parts-for-dirty-users (the user universe without the dirty accounts\' other members) gives a wrong answer', async () => {
    await expect(replayHistory(engine(), withTwoActive(accountHistory()), SCHEMAS, { mutation: 'shared-parts-for-dirty-users' })).rejects.toThrow(/differs from a full recomputation/);
  });

  it('read-dirty-users-for-accounts (an account reader reads the dirty users only) gives a wrong answer', async () => {
    await expect(replayHistory(engine(), accountHistory(), SCHEMAS, { mutation: 'read-dirty-users-for-accounts' })).rejects.toThrow(/differs from a full recomputation/);
  });

  it('forget-previous-memberships (a dirty user dirties only the accounts it newly joined) gives a wrong answer', async () => {
    await expect(replayHistory(engine(), accountHistory(), SCHEMAS, { mutation: 'forget-previous-memberships' })).rejects.toThrow(/differs from a full recomputation/);
  });
}

/** Every (definition, account, user, position) row of snapshot_users, sorted. */
async function snapshotUsers(connection: WarehouseConnection, schema: string): Promise<string[]> {
  const columns = ['definition', 'entity_id', 'user_id', 'position'].map((c) => ({ expr: col(c, 'u'), alias: c }));
  const rows = await connection.query(connection.dialect.printer.print(select({ columns, from: tableOf({ schema, name: 'snapshot_users' }, 'u') })));
  return rows.map((r) => [r.definition, r.entity_id, r.user_id, Number(r.position)].join(' ')).sort();
}

const MEMBERS_LINE = /scans read the dirty accounts' members \(and the dirty users their other readers need\) only: (.*)$/;
const SHARED_LINE = /shared parts read for the entities recomputed only: (.*)$/;
const ACCOUNT_LINE = /^(\d+) account-level definitions recomputed for \d+ accounts/;

describe('the physical plan says which scans read the dirty users only', () => {
  it('the one-day audiences\' scan does; with a definition covering all entities reading it, it does not, and says why', () => {
    const asOf = windowEdgeHistory().runs[0];
    const reads = (history: WarehouseHistory) => offlineIncrementalPass(planFor({ project: history.project, asOf, targets: history.project.definitions.map((d) => d.name) })).scopes.reads;
    expect(reads(windowEdgeHistory()).map((r) => [r.users, [...r.readers].sort()])).toEqual([['dirty users', ['logged_in_today', 'quiet_today']]]);
    const wide = reads(withCoveringAll(windowEdgeHistory()));
    expect(wide.map((r) => r.users)).toEqual(['all']);
    expect(wide[0].reason).toBe('read by weekly_or_funnel, which covers all entities');
  });

  it("account-level readers read their dirty accounts' members; with a user-level reader too, the dirty users as well", () => {
    const asOf = accountHistory().runs[0];
    const reads = (history: WarehouseHistory) => offlineIncrementalPass(planFor({ project: history.project, asOf, targets: history.project.definitions.map((d) => d.name) })).scopes.reads;
    const accounts = reads(accountHistory());
    expect(accounts.map((r) => [r.scan, r.users]).sort()).toEqual([['events:account:logged_in', 'members of dirty accounts'], ['events:user:logged_in', 'members of dirty accounts']]);
    const history = accountHistory();
    const both = reads({ ...history, project: { ...history.project, definitions: [...history.project.definitions, WEEKLY] } });
    expect(both.map((r) => [r.scan, r.users, [...r.readers].sort()])).toContainEqual(['events:user:logged_in', 'dirty users and members of dirty accounts', ['active_accounts_today', 'all_active_today', 'quiet_accounts_today', 'weekly']]);
  });
});

describeOnHistoryEngines('reads restricted to the dirty users', [SCHEMAS.source, SCHEMAS.state], readScopeCases);
