// The messageId rule and the state format (SPEC §6), on DuckDB:
// - determinism: two fresh deployments that run the same as_ofs, going back in time and repeating
//   some, emit identical messageIds, and within each deployment no id repeats;
// - upgrade: a state in format 1 (no `meta`, no generation or counts) is upgraded by the next run,
//   not called damaged, and from then on emits the ids a deployment that always had format 2 emits;
//   an upgrade that stopped half-way finishes on the next run.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOfReceived } from './support/expected.js';
import { cliIn } from './support/cli-in-process.js';
import { runAt, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const S = 'quorum_state';
/** Format 1, as quorum wrote it before state integrity: these tables, these columns. */
const FORMAT_1: Record<string, string[]> = {
  snapshots: ['definition', 'entity_id', 'value', 'run_id', 'as_of'],
  snapshot_users: ['definition', 'entity_id', 'user_id', 'position', 'run_id'],
  snapshot_runs: ['definition', 'run_id', 'as_of'],
  staging: ['definition', 'entity_id', 'user_id', 'value', 'position'],
  outbox: ['message_id', 'destination', 'run_id', 'definition', 'entity_id', 'transition', 'call_type', 'payload', 'created_at', 'attempts', 'last_error', 'delivered_at', 'sequence', 'rejected_at'],
  runs: ['run_id', 'as_of', 'started_at', 'finished_at', 'status', 'summary'],
  lock: ['name', 'run_id', 'acquired_at', 'expires_at', 'holder'],
};
/** The tables format 3 added (incremental runs). */
const FORMAT_3_TABLES = ['run_modes', 'verifications'];
/** The table format 4 added (each outbox insert's shared head). */
const FORMAT_4_TABLES = ['outbox_heads'];
/** Forward, back, forward, back, and the same instant twice. */
const HISTORY = [AS_OFS[1], AS_OFS[3], AS_OFS[0], AS_OFS[5], AS_OFS[3], AS_OFS[3], AS_OFS[4]];

let receiver: Receiver;
let fresh: string;
const dataset = makeDataset({ users: 30, logins: 150 });

async function deployment(prefix: string): Promise<string> {
  const dir = await tempDir(`format-${prefix}`);
  await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, noWarehouse: true });
  await copyFile(path.join(fresh, 'warehouse.duckdb'), path.join(dir, 'warehouse.duckdb'));
  return dir;
}

/** Deployments that each ran these as_ofs. */
async function deploymentsAfter(prefixes: readonly string[], asOfs: readonly string[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const prefix of prefixes) {
    const dir = await deployment(prefix);
    for (const asOf of asOfs) await runAt(dir, asOf);
    dirs.push(dir);
  }
  return dirs;
}

async function catalog(dir: string): Promise<Record<string, string[]>> {
  return withSession(dir, async (s) => Object.fromEntries([...(await s.connection.readTables(S)).values()].map((t) => [t.name, [...t.columns.keys()]])));
}

/** What quorum before state integrity left: no meta table, snapshot_runs without the format-2 columns. */
async function downgradeToFormat1(dir: string): Promise<void> {
  await withSession(dir, async (s) => {
    await s.connection.execute(`DROP TABLE ${S}.meta`);
    await s.connection.execute(`DROP TABLE ${S}.changes`); // the change set's scratch table came later too
    for (const t of [...FORMAT_3_TABLES, ...FORMAT_4_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
    for (const c of ['generation', 'row_count', 'user_count']) await s.connection.execute(`ALTER TABLE ${S}.snapshot_runs DROP COLUMN ${c}`);
  });
  expect(await catalog(dir)).toEqual(FORMAT_1);
}

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  fresh = await tempDir('format-fresh');
  await writeProject(fresh, { endpoint: `${receiver.url}/unused`, dataset });
}, 60_000);

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
});

describe('messageIds are a pure function of the history', () => {
  it(`two deployments running ${HISTORY.length} as_ofs (back in time, repeated) emit identical ids, none twice`, async () => {
    const [a, b] = [await deployment('det-a'), await deployment('det-b')];
    for (const asOf of HISTORY) {
      await runAt(a, asOf);
      await runAt(b, asOf);
    }
    const idsA = receiver.calls('det-a').map((c) => c.messageId);
    const idsB = receiver.calls('det-b').map((c) => c.messageId);
    expect(idsA.length).toBeGreaterThan(300);
    expect(new Set(idsA).size, 'no id repeats within a deployment').toBe(idsA.length);
    expect([...idsA].sort()).toEqual([...idsB].sort());
    // the same call content, same id: going back to an instant gives new ids, not the old ones
    const back = receiver.calls('det-a').filter((c) => (c.context as { quorum: { as_of: string } }).quorum.as_of === AS_OFS[3]);
    expect(new Set(back.map(keyOfReceived)).size).toBeLessThan(back.length);
  }, 120_000);
});

describe('state format 1 is upgraded, not called damaged', () => {
  it('the next run upgrades it and then emits the ids a format-2 deployment emits', async () => {
    const [old, always] = await deploymentsAfter(['old', 'always'], [AS_OFS[1], AS_OFS[3]]);
    await downgradeToFormat1(old);
    const check = await cliIn(old, 'state', 'check', '--json');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ status: 'upgradable', problems: [] });
    const before = receiver.calls('old').length;
    await runAt(old, AS_OFS[5]);
    await runAt(always, AS_OFS[5]);
    const upgraded = receiver.calls('old').slice(before);
    const reference = receiver.calls('always').slice(before);
    expect(upgraded.length).toBeGreaterThan(10);
    expect(upgraded.map((c) => c.messageId).sort()).toEqual(reference.map((c) => c.messageId).sort());
    expect((await cliIn(old, 'state', 'check')).code).toBe(0);
    const meta = await withSession(old, (s) => s.connection.query(`SELECT key, value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ key: 'format_version', value: '4' }]);
    const generations = await withSession(old, (s) => s.connection.query(`SELECT DISTINCT CAST(generation AS INTEGER) AS g FROM ${S}.snapshot_runs`));
    expect(generations).toEqual([{ g: 3 }]);
  }, 120_000);

  it('a format-1 state with a table dropped is damaged; repair --from last brings it to format 2', async () => {
    const [dir, always] = await deploymentsAfter(['old-damaged', 'old-reference'], [AS_OFS[1], AS_OFS[3]]);
    await downgradeToFormat1(dir);
    await withSession(dir, (s) => s.connection.execute(`DROP TABLE ${S}.outbox`));
    const check = await cliIn(dir, 'state', 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`table ${S}.outbox is missing`);
    expect((await cliIn(dir, 'state', 'repair', '--from', 'last', '--yes')).code).toBe(0);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    const before = receiver.calls('old-damaged').length;
    await runAt(dir, AS_OFS[5]);
    await runAt(always, AS_OFS[5]);
    const sent = receiver.calls('old-damaged').slice(before).map(keyOfReceived).sort();
    expect(sent).toEqual(receiver.calls('old-reference').slice(before).map(keyOfReceived).sort());
  }, 60_000);

  it('an upgrade that stopped after adding the columns finishes on the next run', async () => {
    const dir = await deployment('half');
    await runAt(dir, AS_OFS[1]);
    await downgradeToFormat1(dir);
    await withSession(dir, async (s) => {
      for (const c of ['generation', 'row_count', 'user_count']) await s.connection.execute(`ALTER TABLE ${S}.snapshot_runs ADD COLUMN ${c} BIGINT`);
    });
    await runAt(dir, AS_OFS[3]);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    expect(Object.keys(await catalog(dir)).sort()).toEqual([...Object.keys(FORMAT_1), 'meta', 'changes', ...FORMAT_3_TABLES, ...FORMAT_4_TABLES].sort());
  }, 60_000);
});

describe('state format 2 is upgraded to 4, not called damaged', () => {
  it('the next run creates the tables of formats 3 and 4 and writes the version; without them a format-4 state is damaged', async () => {
    const dir = await deployment('format-2');
    await runAt(dir, AS_OFS[1]);
    await withSession(dir, async (s) => {
      for (const t of [...FORMAT_3_TABLES, ...FORMAT_4_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
      await s.connection.execute(`UPDATE ${S}.meta SET value = '2' WHERE key = 'format_version'`);
    });
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    await runAt(dir, AS_OFS[3]);
    expect(Object.keys(await catalog(dir))).toEqual(expect.arrayContaining([...FORMAT_3_TABLES, ...FORMAT_4_TABLES]));
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: '4' }]);
    await withSession(dir, (s) => s.connection.execute(`DROP TABLE ${S}.verifications`));
    const check = await cliIn(dir, 'state', 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`table ${S}.verifications is missing`);
  }, 60_000);
});

describe('state format 3 is upgraded to 4, not called damaged', () => {
  it('calls a format-3 state left in the outbox (whole payloads, no heads) go out byte for byte as they first went', async () => {
    const [dir] = await deploymentsAfter(['format-3'], [AS_OFS[1]]);
    const original = receiver.calls('format-3').map((c) => JSON.stringify(c));
    expect(original.length).toBeGreaterThan(10);
    // What format 3 wrote: every row its whole record, no heads; and none of it delivered yet.
    await withSession(dir, async (s) => {
      await s.connection.execute(
        `UPDATE ${S}.outbox AS o SET payload = h.head || o.payload, delivered_at = NULL FROM ${S}.outbox_heads AS h
         WHERE h.run_id = o.run_id AND h.destination = o.destination AND o.sequence BETWEEN h.first_sequence AND h.last_sequence`,
      );
      const whole = await s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox WHERE payload LIKE '{"type":%' AND delivered_at IS NULL`);
      expect(Number(whole[0].n)).toBe(original.length);
      await s.connection.execute(`DROP TABLE ${S}.outbox_heads`);
      await s.connection.execute(`UPDATE ${S}.meta SET value = '3' WHERE key = 'format_version'`);
    });
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    await runAt(dir, AS_OFS[3]);
    const leftovers = receiver.calls('format-3').slice(original.length, 2 * original.length).map((c) => JSON.stringify(c));
    expect(leftovers.sort()).toEqual([...original].sort());
    expect(Object.keys(await catalog(dir))).toEqual(expect.arrayContaining(FORMAT_4_TABLES));
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: '4' }]);
    // the new run's own calls have heads
    const heads = await withSession(dir, (s) => s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox_heads`));
    expect(Number(heads[0].n)).toBeGreaterThan(0);
  }, 60_000);
});
