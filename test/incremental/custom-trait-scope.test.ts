// Custom traits read for the entities recomputed only (entity-scope-pass.ts, evaluate-incremental.ts
// customTraitNarrowings), on DuckDB, PGlite and PostgreSQL over the wire (QUORUM_TEST_POSTGRES_URL).
// The account history (test/support/history-accounts.ts) with identify calls carrying `role` and
// group calls carrying `plan`, a user-level audience of admins and account-level audiences of
// accounts with an admin member and of accounts on the pro plan:
//   - the user-level audience covers changed entities: a user whose identify call is new to the run
//     is dirty (u1 in run 4), and the users' custom traits are read for the dirty
//     users only;
//   - in run 4 three of the four accounts are dirty (not initech), so both levels' custom traits are
//     read for the entities recomputed only. acme is an admin account through u6 alone, who is not dirty in run 4:
//     a custom-trait read of the dirty users without the dirty accounts' members
//     (`shared-parts-for-dirty-users`) loses it.
// After every run the committed answer must equal a full recomputation and the reference evaluator.
import { describe, expect, it } from 'vitest';
import type { Definition } from '../../src/definitions/model.js';
import type { IncrementalMutation } from '../../src/incremental/evaluate-incremental.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { offlineIncrementalPass } from '../../src/plan/physical/incremental-pass.js';
import { LOC } from '../support/arbitraries.js';
import type { WarehouseHistory } from '../support/history-arbitraries.js';
import { accountHistory } from '../support/history-accounts.js';
import { describeOnHistoryEngines, type HistoryEngine } from '../support/history-engines.js';
import { replayHistory } from '../support/history-replay.js';
import { DAY, iso, LOADS, MINUTE, T0 } from '../support/history-timeline.js';

const equals = (value: string) => ({ op: 'equals' as const, value, ignoreCase: false, instants: {} });

const ADMINS: Definition = {
  kind: 'audience', name: 'admins', level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'trait', trait: 'role', predicate: equals('Admin'), loc: LOC },
};

const ADMIN_ACCOUNTS: Definition = {
  kind: 'audience', name: 'admin_accounts', level: 'account', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'quantifier', quantifier: 'any_user', atLeast: null, condition: { kind: 'trait', trait: 'role', predicate: equals('Admin'), loc: LOC }, loc: LOC },
};

const PRO_ACCOUNTS: Definition = {
  kind: 'audience', name: 'pro_accounts', level: 'account', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'trait', trait: 'plan', predicate: equals('pro'), loc: LOC },
};

/** The account history with custom traits, and `definitions` in place of its own. */
function customTraitHistory(definitions: readonly Definition[]): WarehouseHistory {
  const history = accountHistory();
  const { columns } = history;
  const batches = history.batches.map((b) => ({ rows: Object.fromEntries(Object.entries(b.rows).map(([t, rows]) => [t, [...rows]])) as Record<string, SourceRow[]> }));
  const filled = (name: string, row: SourceRow, batch: number): SourceRow =>
    Object.fromEntries(Object.keys(columns[name]).map((c) => [c, c === 'uuid_ts' ? iso(LOADS[batch]) : (row[c] ?? null)]));
  let n = 0;
  const identify = (batch: number, user: string, role: string, at: number) => {
    (batches[batch].rows.identifies ??= []).push(filled('identifies', { id: `c${n++}`, user_id: user, anonymous_id: null, timestamp: iso(at), received_at: iso(at), role }, batch));
  };
  const plan = (batch: number, account: string, value: string, at: number) => {
    (batches[batch].rows.groups ??= []).push(filled('groups', { id: `c${n++}`, user_id: null, anonymous_id: null, group_id: account, timestamp: iso(at), received_at: iso(at), plan: value }, batch));
  };
  identify(0, 'u1', 'Member', T0 - DAY);
  identify(0, 'u2', 'Member', T0 - DAY);
  identify(0, 'u6', 'Admin', T0 - DAY);
  plan(0, 'acme', 'pro', T0 - DAY);
  plan(0, 'umbrella', 'pro', T0 - DAY);
  identify(2, 'u5', 'Admin', LOADS[2] - MINUTE);
  // u1 changes role without becoming an admin: acme is an admin account through u6 alone
  identify(3, 'u1', 'Viewer', LOADS[3] - MINUTE);
  plan(3, 'globex', 'pro', LOADS[3] - MINUTE);
  return { ...history, batches, project: { ...history.project, definitions } };
}

const SCHEMAS = { source: 'custom_scope_app', state: 'custom_scope_state' };

interface Restricted {
  readonly users: string | null;
  readonly accounts: string | null;
  readonly shared: string[];
}

const USERS_LINE = /^(\d+) definitions recomputed for (\d+) users/;
const ACCOUNTS_LINE = /^(\d+) account-level definitions recomputed for (\d+) accounts/;
const SHARED_LINE = /shared parts read for the entities recomputed only: (.*)$/;

/** Replays the history (every run's answer checked); per run, what it recomputed and which shared parts it read for those entities only. */
async function replay(engine: HistoryEngine, history: WarehouseHistory, mutation?: IncrementalMutation): Promise<Restricted[]> {
  const runs: Restricted[] = [];
  await replayHistory(engine, history, SCHEMAS, {
    mutation,
    afterRun: (_, { log }) => {
      const first = (re: RegExp) => log.map((line) => re.exec(line)).find((m) => m !== null) ?? null;
      const users = first(USERS_LINE);
      const accounts = first(ACCOUNTS_LINE);
      runs.push({
        users: users === null ? null : `${users[1]} for ${users[2]}`,
        accounts: accounts === null ? null : `${accounts[1]} for ${accounts[2]}`,
        shared: log.flatMap((line) => SHARED_LINE.exec(line)?.[1].split(', ') ?? []).sort(),
      });
    },
  });
  return runs;
}

function customTraitCases(engine: () => HistoryEngine): void {
  it("a user-level audience of a custom trait recomputes the dirty users only and reads their custom traits only; every answer is exact", async () => {
    const runs = await replay(engine(), customTraitHistory([ADMINS]));
    // run 1 is full; run 2 reads the first batch again within the lag (u1, u2, u5, u6, u9); run 3
    // u3's group call as well; run 4: u1's identify call, u2's late login, u9, and u3's and u5's
    // calls of batch 2 again within the lag: not u6
    expect(runs.map((r) => r.users)).toEqual([null, '1 for 5', '1 for 6', '1 for 5']);
    expect(runs.map((r) => r.shared)).toEqual([[], ...[2, 3, 4].map(() => ['custom_traits:user', 'universe:user'])]);
  });

  it("account-level audiences of users' and accounts' custom traits: run 4 reads both for the entities recomputed only; every answer is exact", async () => {
    const runs = await replay(engine(), customTraitHistory([ADMINS, ADMIN_ACCOUNTS, PRO_ACCOUNTS]));
    expect(runs.map((r) => [r.users, r.accounts])).toEqual([[null, null], ['1 for 5', '2 for 4'], ['1 for 6', '2 for 4'], ['1 for 5', '2 for 3']]);
    // runs 2 and 3 make every account dirty: the parts are read whole; run 4 acme, globex and umbrella (u5)
    expect(runs.map((r) => r.shared)).toEqual([[], [], [], ['custom_traits:account', 'custom_traits:user', 'memberships', 'universe:account', 'universe:user']]);
  });

  it("shared-parts-for-dirty-users (the users' custom traits without the dirty accounts' other members) gives a wrong answer", async () => {
    await expect(replay(engine(), customTraitHistory([ADMINS, ADMIN_ACCOUNTS, PRO_ACCOUNTS]), 'shared-parts-for-dirty-users')).rejects.toThrow(/differs from a full recomputation/);
  });
}

describe('the physical plan restricts a user-level definition that reads a custom trait', () => {
  it('admins covers changed entities, found from the identify calls among the user universe tables', () => {
    const history = customTraitHistory([ADMINS]);
    const pass = offlineIncrementalPass(planFor({ project: history.project, asOf: history.runs[0], targets: ['admins'] }));
    expect(pass.scopes.definitions.map((d) => [d.name, d.covers])).toEqual([['admins', 'changed entities']]);
    expect(pass.scopes.sources.map((s) => s.table)).toContain('identifies');
  });
});

describeOnHistoryEngines('custom traits read for the entities recomputed only', [SCHEMAS.source, SCHEMAS.state], customTraitCases);
