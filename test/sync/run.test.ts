// quorum run in-process on DuckDB against a real HTTP receiver: the calls of each run are exactly
// those the reference evaluator predicts (time travel over six instants), in Segment's shape,
// delivered at least once through faults, with the guardrail, the lock and dry runs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { messageIdOf } from '../../src/sync/calls.js';
import { history } from '../../src/sync/history.js';
import { expectedCalls, keyOfReceived } from './support/expected.js';
import { Reference, runAt, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { outboxMessageIds } from '../support/outbox-ids.js';
import { AS_OFS, HOSTILE_USER, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type ReceivedCall, type Receiver } from './support/receiver.js';

let receiver: Receiver;
let reference: Reference;
const dataset = makeDataset();

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  reference = await Reference.open(dataset);
});
afterAll(async () => {
  removeTempDirs();
  await receiver.close();
  reference.close();
});

const since = (calls: ReceivedCall[], n: number) => calls.slice(n);
const messageIds = (calls: readonly ReceivedCall[]) => new Set(calls.map((c) => c.messageId));

describe('quorum run over time (DuckDB)', () => {
  it('sends exactly the changes the reference evaluator predicts, run after run', async () => {
    const dir = await tempDir('travel');
    await writeProject(dir, { endpoint: `${receiver.url}/travel` });
    const project = await withSession(dir, async (s) => s.project);
    let prev: { asOf: string; results: Awaited<ReturnType<Reference['at']>> } | null = null;
    let seen = 0;
    let total = 0;
    for (const asOf of AS_OFS) {
      const output = await runAt(dir, asOf);
      const results = await reference.at(project, asOf);
      const calls = since(receiver.calls('travel'), seen);
      seen += calls.length;
      expect(calls.map(keyOfReceived).sort()).toEqual(expectedCalls(project, dataset, prev, { asOf, results }));
      total += calls.length;
      expect(output.delivered.hook ?? 0).toBe(calls.length);
      expect(output.failed).toEqual({});
      for (const d of output.definitions) {
        const r = results.get(d.name)!;
        const size = r.kind === 'audience' ? r.members.size : [...r.values.values()].filter((v) => v !== null).length;
        expect(d.size, `${d.name} at ${asOf}`).toBe(size);
      }
      prev = { asOf, results };
    }
    expect(total).toBeGreaterThan(200);
    expect(receiver.calls('travel').some((c) => c.userId === HOSTILE_USER)).toBe(true);
    expect(receiver.calls('travel').some((c) => c.anonymousId === "account:acct-01 O'Brien ü")).toBe(true);
    expect(receiver.invalid).toEqual([]);
    // the same as_of again: nothing changes, nothing is sent
    const again = await runAt(dir, AS_OFS[AS_OFS.length - 1]);
    expect(again.definitions.every((d) => d.entered + d.exited + d.changed === 0)).toBe(true);
    expect(receiver.calls('travel').length).toBe(seen);
    const runs = await withSession(dir, (s) => history(s.connection, s.project.config.stateSchema));
    expect(runs.length).toBe(AS_OFS.length + 1);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(runs[0].definitions.map((d) => d.name).sort()).toEqual(['active_accounts', 'active_admins', 'logins_3d', 'recent_method']);
  });

  it('emits Engage-shaped calls with deterministic messageIds', async () => {
    const dir = await tempDir('shape');
    await writeProject(dir, { endpoint: `${receiver.url}/shape` });
    await runAt(dir, AS_OFS[1]);
    const calls = receiver.calls('shape');
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/segment/enqueue-group.json', import.meta.url), 'utf8')) as { batch: Record<string, unknown>[] };
    const group = calls.find((c) => c.type === 'group' && (c.context as { personas: { computation_class: string } }).personas.computation_class === 'audience')!;
    for (const key of Object.keys(fixture.batch[0])) if (key !== 'userId') expect(group).toHaveProperty(key);
    expect(group.anonymousId).toBe(`account:${String(group.groupId)}`);
    expect(group.traits).toEqual({ active_accounts: true });
    expect(group.context).toMatchObject({
      personas: { computation_class: 'audience', computation_key: 'active_accounts', namespace: 'quorum', space_id: 'quorum' },
      quorum: { as_of: AS_OFS[1] },
    });
    expect(group.integrations).toEqual({});
    // first snapshot of the definition: generation 1 in the messageId
    expect(group.messageId).toBe(messageIdOf(['hook', 'active_accounts', 'group', String(group.groupId), '', 'entered', AS_OFS[1], '1']));
    expect(group.messageId.length).toBeLessThan(100);
    const track = calls.find((c) => c.type === 'track' && c.event === 'Audience Entered')!;
    expect(track.properties).toEqual({ audience_key: 'active_accounts', active_accounts: true });
    expect((track.context as { groupId: string }).groupId).toBeTruthy();
    const computed = calls.find((c) => c.type === 'track' && c.event === 'Trait Computed' && (c.properties as { trait_key: string }).trait_key === 'logins_3d')!;
    expect(computed.anonymousId).toMatch(/^account:/);
    expect(typeof (computed.properties as { logins_3d: unknown }).logins_3d).toBe('number');
    // The id of each kind of call, from its parts (delivery derives it; formats before 5 stored the
    // same value): an account audience's identify / track name the user, one call per user of the account.
    const accountOf = (c: ReceivedCall) => (c.context as { groupId: string }).groupId;
    expect(track.messageId).toBe(messageIdOf(['hook', 'active_accounts', 'track', accountOf(track), String(track.userId), 'entered', AS_OFS[1], '1']));
    expect(computed.messageId).toBe(messageIdOf(['hook', 'logins_3d', 'track', accountOf(computed), '', 'entered', AS_OFS[1], '1']));
    const admin = calls.find((c) => c.type === 'identify' && (c.context as { personas: { computation_key: string } }).personas.computation_key === 'active_admins')!;
    expect(admin.messageId).toBe(messageIdOf(['hook', 'active_admins', 'identify', String(admin.userId), '', 'entered', AS_OFS[1], '1']));
    expect(new Set(calls.map((c) => c.messageId)).size).toBe(calls.length);
    expect(receiver.requests.filter((r) => r.prefix === 'shape').every((r) => r.status === 200)).toBe(true);
    expect(receiver.invalid).toEqual([]);
  });

  it('group_identity: member sends group calls as the earliest user of the account', async () => {
    const dir = await tempDir('member');
    await writeProject(dir, { endpoint: `${receiver.url}/member`, groupIdentity: 'member' });
    const project = await withSession(dir, async (s) => s.project);
    let prev: { asOf: string; results: Awaited<ReturnType<Reference['at']>> } | null = null;
    let seen = 0;
    for (const asOf of AS_OFS.slice(0, 3)) {
      await runAt(dir, asOf);
      const results = await reference.at(project, asOf);
      const calls = since(receiver.calls('member'), seen);
      seen += calls.length;
      expect(calls.map(keyOfReceived).sort()).toEqual(expectedCalls(project, dataset, prev, { asOf, results }, { groupIdentity: 'member' }));
      expect(calls.filter((c) => c.type === 'group').every((c) => typeof c.userId === 'string' && c.anonymousId === undefined)).toBe(true);
      prev = { asOf, results };
    }
  });

  it('--dry-run reports the diff and writes nothing', async () => {
    const dir = await tempDir('dry');
    await writeProject(dir, { endpoint: `${receiver.url}/dry` });
    const output = await runAt(dir, AS_OFS[2], { dryRun: true });
    expect(output.dry_run).toBe(true);
    expect(output.definitions.find((d) => d.name === 'active_accounts')!.entered).toBeGreaterThan(0);
    expect(output.definitions.find((d) => d.name === 'active_accounts')!.sample!.entered.length).toBeGreaterThan(0);
    expect(receiver.calls('dry')).toEqual([]);
    await withSession(dir, async (s) => expect((await s.connection.readTables('quorum_state')).size).toBe(0));
    // after a real run, a dry run at the next instant predicts what that run then does
    await runAt(dir, AS_OFS[2]);
    const predicted = await runAt(dir, AS_OFS[3], { dryRun: true });
    const real = await runAt(dir, AS_OFS[3]);
    expect(predicted.definitions.map(({ sample: _, ...d }) => d)).toEqual(real.definitions);
  });
});

describe('the max_exit_fraction guardrail', () => {
  it('keeps the snapshot and sends nothing for an audience losing most members, until --allow-mass-exit', async () => {
    const dir = await tempDir('guard');
    await writeProject(dir, { endpoint: `${receiver.url}/guard`, maxExitFraction: 0.5 });
    // reads the guarded audience: blocked with it, or its members would be computed from a
    // membership destinations never hear of
    const reader = 'audience: quiet_accounts\nlevel: account\nwhere:\n  - { not_in_audience: active_accounts }\nsync:\n  - to: hook\n    calls: [group]\n';
    writeFileSync(path.join(dir, 'audiences', 'quiet_accounts.yml'), reader);
    const first = await runAt(dir, AS_OFS[3]);
    const size = first.definitions.find((d) => d.name === 'active_accounts')!.size;
    expect(size).toBeGreaterThan(2);
    const before = receiver.calls('guard').length;
    // a late-loaded event table: nobody logged in
    await withSession(dir, async (s) => {
      await s.connection.execute('DELETE FROM app.logged_in');
      await s.connection.execute('DELETE FROM app.tracks');
    });
    const blocked = await runAt(dir, AS_OFS[3]);
    const accounts = blocked.definitions.find((d) => d.name === 'active_accounts')!;
    expect(accounts.status).toBe('blocked');
    expect(accounts.message).toMatch(/would lose \d+ of its \d+ members .* more than max_exit_fraction 0.5/);
    expect(accounts.size).toBe(size);
    const quiet = blocked.definitions.find((d) => d.name === 'quiet_accounts')!;
    expect(quiet).toMatchObject({ status: 'blocked', size: first.definitions.find((d) => d.name === 'quiet_accounts')!.size });
    expect(quiet.entered).toBeGreaterThan(0);
    expect(quiet.message).toMatch(/reads audience "active_accounts", which the guardrail blocked/);
    const sent = since(receiver.calls('guard'), before);
    const keyOf = (c: ReceivedCall) => (c.context as { personas: { computation_key: string } }).personas.computation_key;
    expect(sent.some((c) => keyOf(c) === 'active_accounts' || keyOf(c) === 'quiet_accounts')).toBe(false);
    // traits are not guarded: the recent_method values went to null
    expect(sent.some((c) => c.type === 'identify' && (c.traits as Record<string, unknown>).recent_method === null)).toBe(true);
    const allowed = await runAt(dir, AS_OFS[3], { allowMassExit: true });
    expect(allowed.definitions.find((d) => d.name === 'active_accounts')).toMatchObject({ status: 'ok', exited: size, size: 0 });
    expect(allowed.definitions.find((d) => d.name === 'quiet_accounts')).toMatchObject({ status: 'ok', entered: quiet.entered });
    const exits = since(receiver.calls('guard'), before).filter((c) => c.type === 'group' && (c.traits as Record<string, unknown>).active_accounts === false);
    expect(exits.length).toBe(size);
    const runs = await withSession(dir, (s) => history(s.connection, s.project.config.stateSchema, { name: 'active_accounts' }));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
  });
});

describe('at-least-once delivery', () => {
  it('a failing destination keeps its calls for the next run and never blocks the others', async () => {
    const down = await startReceiver({ writeKey: WRITE_KEY, faults: { always: 503 } });
    try {
      const dir = await tempDir('down');
      await writeProject(dir, {
        endpoint: `${receiver.url}/up`,
        extraDestinations: { down: `{ type: segment, write_key: "\${QUORUM_TEST_WRITE_KEY}", endpoint: "${down.url}" }` },
        extraTargets: ['- to: down'],
      });
      const first = await runAt(dir, AS_OFS[1]);
      expect(first.failed.down).toBeGreaterThan(0);
      expect(first.failed.hook).toBeUndefined();
      expect(first.errors.join('\n')).toMatch(/destination "down": HTTP 503/);
      expect(first.errors.join('\n')).not.toContain(WRITE_KEY);
      const up = receiver.calls('up').length;
      expect(up).toBe(first.delivered.hook);
      expect(down.calls()).toEqual([]);
      const pending = await withSession(dir, (s) => outboxMessageIds(s.connection, 'quorum_state', "destination = 'down' AND delivered_at IS NULL"));
      expect(pending.length).toBe(first.failed.down);
      // still down at the next instant: the old calls and the new ones wait, in order
      const second = await runAt(dir, AS_OFS[2]);
      expect(second.failed.down).toBeGreaterThan(first.failed.down);
      down.faults = {};
      const third = await runAt(dir, AS_OFS[2]);
      expect(third.failed).toEqual({});
      expect(third.delivered.down).toBe(second.failed.down);
      const all = await withSession(dir, (s) => outboxMessageIds(s.connection, 'quorum_state', "destination = 'down'"));
      expect(messageIds(down.calls())).toEqual(new Set(all));
      // each entity's calls of the first instant arrived before its calls of the second (batches of
      // different entities travel side by side, so only the order per entity is kept)
      const perEntity = new Map<string, string[]>();
      for (const c of down.calls()) {
        const context = c.context as { quorum: { as_of: string }; personas: { computation_key: string } };
        const key = [c.type, context.personas.computation_key, c.userId ?? c.anonymousId, c.groupId ?? ''].join('|');
        perEntity.set(key, [...(perEntity.get(key) ?? []), context.quorum.as_of]);
      }
      expect([...perEntity.values()].some((asOfs) => new Set(asOfs).size > 1)).toBe(true);
      for (const asOfs of perEntity.values()) expect([...asOfs].sort()).toEqual(asOfs);
      expect(down.invalid).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('through 500s, 429s, slow answers and 30% dropped connections: nothing missing, order per entity kept', async () => {
    const flaky = await startReceiver({
      writeKey: WRITE_KEY,
      seed: 3,
      faults: { dropBefore: 0.15, dropAfter: 0.15, fail: 0.1, rateLimit: 0.1, retryAfterSeconds: 0, slow: 0.05, slowMs: 50 },
    });
    try {
      const dir = await tempDir('flaky');
      await writeProject(dir, { endpoint: flaky.url });
      const project = await withSession(dir, async (s) => s.project);
      const expected: string[] = [];
      let prev: { asOf: string; results: Awaited<ReturnType<Reference['at']>> } | null = null;
      for (const asOf of AS_OFS) {
        await runAt(dir, asOf);
        const results = await reference.at(project, asOf);
        expected.push(...expectedCalls(project, dataset, prev, { asOf, results }));
        prev = { asOf, results };
      }
      let rounds = 0;
      for (; rounds < 30; rounds += 1) {
        const output = await runAt(dir, AS_OFS[AS_OFS.length - 1]);
        if (Object.keys(output.failed).length === 0) break;
      }
      expect(rounds).toBeLessThan(30);
      const calls = flaky.calls();
      const dropped = flaky.requests.filter((r) => r.status < 0).length;
      expect(dropped / flaky.requests.length).toBeGreaterThanOrEqual(0.25);
      expect(flaky.requests.some((r) => r.status === 429)).toBe(true);
      expect(calls.length).toBeGreaterThan(new Set(calls.map((c) => c.messageId)).size); // there were duplicates...
      const byId = new Map<string, ReceivedCall>();
      for (const call of calls) {
        const first = byId.get(call.messageId);
        if (first) expect(JSON.stringify(call)).toBe(JSON.stringify(first)); // ...only with identical ids and bodies
        else byId.set(call.messageId, call);
      }
      expect([...byId.values()].map(keyOfReceived).sort()).toEqual(expected.sort());
      // per entity, first arrivals follow the order of the instants
      const lastAsOf = new Map<string, string>();
      for (const call of byId.values()) {
        const context = call.context as { groupId?: string; personas: { computation_key: string }; quorum: { as_of: string } };
        const entity = [context.personas.computation_key, call.type, call.userId ?? call.anonymousId, call.groupId ?? context.groupId ?? ''].join('|');
        const at = context.quorum.as_of;
        expect(at >= (lastAsOf.get(entity) ?? ''), entity).toBe(true);
        lastAsOf.set(entity, at);
      }
      expect(flaky.invalid).toEqual([]);
    } finally {
      await flaky.close();
    }
  });
});

describe('the run lock', () => {
  it('refuses to run while another live run holds the lock, and takes over an expired or dead one', async () => {
    const dir = await tempDir('lock');
    await writeProject(dir, { endpoint: `${receiver.url}/lock` });
    await runAt(dir, AS_OFS[0]);
    const before = receiver.calls('lock').length;
    const hold = (holder: string, expires: string) =>
      withSession(dir, async (s) => {
        await s.connection.execute('DELETE FROM quorum_state.lock');
        await s.connection.execute(`INSERT INTO quorum_state.lock VALUES ('run', 'r-other', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '${expires}', '${holder}')`);
      });
    await hold('elsewhere:1', '2999-01-01 00:00:00');
    const error = await runAt(dir, AS_OFS[1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticsError);
    expect((error as DiagnosticsError).diagnostics[0].code).toBe('state_locked');
    expect((error as DiagnosticsError).message).toContain('r-other');
    expect(receiver.calls('lock').length).toBe(before);
    await hold('elsewhere:1', '2000-01-01 00:00:00'); // expired
    await runAt(dir, AS_OFS[1]);
    expect(receiver.calls('lock').length).toBeGreaterThan(before);
    const { hostname } = await import('node:os');
    await hold(`${hostname()}:999999999`, '2999-01-01 00:00:00'); // a process on this host that is gone
    await runAt(dir, AS_OFS[2]);
    const left = await withSession(dir, (s) => s.connection.query('SELECT * FROM quorum_state.lock'));
    expect(left).toEqual([]);
  });
});

describe('state files', () => {
  it('writes nothing outside the state schema and the destinations', async () => {
    const dir = await tempDir('tables');
    await writeProject(dir, { endpoint: `${receiver.url}/tables`, extraDestinations: { audit: '{ type: file, path: out/calls.ndjson }' }, extraTargets: ['- to: audit'] });
    await runAt(dir, AS_OFS[1]);
    const lines = readFileSync(path.join(dir, 'out/calls.ndjson'), 'utf8').trim().split('\n');
    // `- to: audit` takes the default calls: traits send no "Trait Computed" track there
    expect(lines.length).toBe(receiver.calls('tables').filter((c) => c.event !== 'Trait Computed').length);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { messageId: string }).messageId)).size).toBe(lines.length);
    const tables = await withSession(dir, async (s) => [...(await s.connection.readTables('quorum_state')).keys()].sort());
    // staging and changes are the session's temporary tables on DuckDB: not in the schema
    expect(tables).toEqual(['lock', 'meta', 'outbox', 'outbox_generation_rows', 'outbox_generations', 'outbox_heads', 'run_modes', 'runs', 'snapshot_runs', 'snapshot_targets', 'snapshot_users', 'snapshots', 'verifications']);
  });
});

describe('outbox pruning', () => {
  it('deletes delivered calls older than state.outbox_retention_days at the end of a run, and keeps the rest', async () => {
    const dir = await tempDir('prune');
    await writeProject(dir, { endpoint: `${receiver.url}/prune` });
    const yml = path.join(dir, 'quorum.yml');
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('state:\n  schema: quorum_state', 'state:\n  schema: quorum_state\n  outbox_retention_days: 2'));
    const project = await withSession(dir, async (s) => s.project);
    expect(project.config.outboxRetentionDays).toBe(2);
    // one outbox row per call, which this test ages by hand (a first run's records by generation are
    // pruned in outbox-generations.test.ts)
    const first = await runAt(dir, AS_OFS[1], { outboxByGeneration: false });
    expect(first.delivered.hook).toBeGreaterThan(0);
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
    // the first run's calls were delivered three days ago; one of them never was
    await withSession(dir, async (s) => {
      await s.connection.execute(`UPDATE quorum_state.outbox SET delivered_at = TIMESTAMP '${old}'`);
      await s.connection.execute(`UPDATE quorum_state.outbox SET delivered_at = NULL, created_at = TIMESTAMP '${old}' WHERE sequence = (SELECT min(sequence) FROM quorum_state.outbox)`);
    });
    const second = await runAt(dir, AS_OFS[2]);
    expect(second.errors).toEqual([]);
    const rows = await withSession(dir, (s) => s.connection.query('SELECT run_id, delivered_at FROM quorum_state.outbox'));
    // the undelivered one went out with the second run and stays (delivered now); the rest of the first run is gone
    expect(rows.filter((r) => r.run_id === first.run_id).length).toBe(1);
    expect(rows.filter((r) => r.run_id === second.run_id).length).toBe(second.delivered.hook - 1);
    expect(rows.every((r) => r.delivered_at !== null)).toBe(true);
    // a head stays while a call of its run does
    const heads = await withSession(dir, (s) => s.connection.query('SELECT DISTINCT run_id FROM quorum_state.outbox_heads ORDER BY run_id'));
    expect(heads.map((h) => h.run_id)).toEqual([first.run_id, second.run_id].sort());
  });
});
