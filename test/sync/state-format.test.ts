// The messageId rule and the state format (SPEC §6), on DuckDB:
// - determinism: two fresh deployments that run the same as_ofs, going back in time and repeating
//   some, emit identical messageIds, and within each deployment no id repeats;
// - upgrade: a state in format 1 (no `meta`, no generation or counts) is upgraded by the next run,
//   not called damaged, and from then on emits the ids a deployment that always had format 2 emits;
//   an upgrade that stopped half-way finishes on the next run; calls a format-3 or format-4 state
//   left undelivered (their messageIds stored in the row) go out with those ids, after the upgrade
//   to format 5 (messageIds computed at delivery); a format-5 state gets format 6's table of records
//   by generation and its leftovers go out as before. States of an older format are made by runs
//   that write one outbox row per call (`outboxByGeneration: false`), as those formats did.
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
/** The tables format 6 added (a first run's calls by generation). */
const FORMAT_6_TABLES = ['outbox_generations', 'outbox_generation_rows'];
/** The table format 7 added (the destinations each snapshot was sent to). */
const FORMAT_7_TABLES = ['snapshot_targets'];
/** What `meta` says once a run has upgraded a state. */
const CURRENT_FORMAT = '7';
/** Forward, back, forward, back, and the same instant twice. */
const HISTORY = [AS_OFS[1], AS_OFS[3], AS_OFS[0], AS_OFS[5], AS_OFS[3], AS_OFS[3], AS_OFS[4]];

/** Runs that build a state to be turned into an older format write the outbox those formats wrote. */
const LEGACY_OUTBOX = { outboxByGeneration: false } as const;

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
    for (const asOf of asOfs) await runAt(dir, asOf, LEGACY_OUTBOX);
    dirs.push(dir);
  }
  return dirs;
}

async function catalog(dir: string): Promise<Record<string, string[]>> {
  return withSession(dir, async (s) => Object.fromEntries([...(await s.connection.readTables(S)).values()].map((t) => [t.name, [...t.columns.keys()]])));
}

/**
 * The outbox as format 4 (and 3) wrote it, every call still undelivered: each row stores its
 * messageId ('stored-<sequence>' here, so that the test sees which id went out), heads carry no
 * generation, and the column is NOT NULL again.
 */
async function outboxAsFormat4(dir: string): Promise<Map<string, string>> {
  return withSession(dir, async (s) => {
    await s.connection.execute(`UPDATE ${S}.outbox SET message_id = 'stored-' || CAST(sequence AS VARCHAR), delivered_at = NULL`);
    await s.connection.execute(`UPDATE ${S}.outbox_heads SET head = regexp_replace(head, ',"generation":"[0-9]+"', '')`);
    await s.connection.execute(`ALTER TABLE ${S}.outbox ALTER COLUMN message_id SET NOT NULL`);
    for (const t of [...FORMAT_6_TABLES, ...FORMAT_7_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
    await s.connection.execute(`UPDATE ${S}.meta SET value = '4' WHERE key = 'format_version'`);
    const heads = await s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox_heads WHERE head LIKE '%"generation"%'`);
    expect(Number(heads[0].n)).toBe(0);
    const rows = await s.connection.query(`SELECT message_id, entity_id FROM ${S}.outbox`);
    return new Map(rows.map((r) => [String(r.message_id), String(r.entity_id)]));
  });
}

/** A received call without its messageId, as JSON text: what must be the same whichever format wrote it. */
const withoutMessageId = (call: object) => JSON.stringify({ ...call, messageId: undefined });

/** What quorum before state integrity left: no meta table, snapshot_runs without the format-2 columns. */
async function downgradeToFormat1(dir: string): Promise<void> {
  await withSession(dir, async (s) => {
    await s.connection.execute(`DROP TABLE ${S}.meta`);
    // format 1 kept staging in the schema; the change set's scratch table came later (and is now the session's)
    await s.connection.execute(`CREATE TABLE IF NOT EXISTS ${S}.staging (definition VARCHAR NOT NULL, entity_id VARCHAR NOT NULL, user_id VARCHAR, value VARCHAR, position BIGINT)`);
    await s.connection.execute(`DROP TABLE IF EXISTS ${S}.changes`);
    for (const t of [...FORMAT_3_TABLES, ...FORMAT_4_TABLES, ...FORMAT_6_TABLES, ...FORMAT_7_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
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
    expect(meta).toEqual([{ key: 'format_version', value: CURRENT_FORMAT }]);
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
    await runAt(dir, AS_OFS[1], LEGACY_OUTBOX);
    await downgradeToFormat1(dir);
    await withSession(dir, async (s) => {
      for (const c of ['generation', 'row_count', 'user_count']) await s.connection.execute(`ALTER TABLE ${S}.snapshot_runs ADD COLUMN ${c} BIGINT`);
    });
    await runAt(dir, AS_OFS[3]);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    // format 1's staging is left in the schema, unused: DuckDB's scratch tables are the session's
    expect(Object.keys(await catalog(dir)).sort()).toEqual([...Object.keys(FORMAT_1), 'meta', ...FORMAT_3_TABLES, ...FORMAT_4_TABLES, ...FORMAT_6_TABLES, ...FORMAT_7_TABLES].sort());
  }, 60_000);
});

describe('state format 2 is upgraded to 7, not called damaged', () => {
  it('the next run creates the tables of formats 3, 4, 6 and 7 and writes the version; without them a format-4 state is damaged', async () => {
    const dir = await deployment('format-2');
    await runAt(dir, AS_OFS[1], LEGACY_OUTBOX);
    await withSession(dir, async (s) => {
      for (const t of [...FORMAT_3_TABLES, ...FORMAT_4_TABLES, ...FORMAT_6_TABLES, ...FORMAT_7_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
      await s.connection.execute(`UPDATE ${S}.meta SET value = '2' WHERE key = 'format_version'`);
    });
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    await runAt(dir, AS_OFS[3]);
    expect(Object.keys(await catalog(dir))).toEqual(expect.arrayContaining([...FORMAT_3_TABLES, ...FORMAT_4_TABLES, ...FORMAT_6_TABLES, ...FORMAT_7_TABLES]));
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: CURRENT_FORMAT }]);
    await withSession(dir, (s) => s.connection.execute(`DROP TABLE ${S}.verifications`));
    const check = await cliIn(dir, 'state', 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`table ${S}.verifications is missing`);
  }, 60_000);
});

describe('state format 3 is upgraded to 6, not called damaged', () => {
  it('calls a format-3 state left in the outbox (whole payloads, stored messageIds, no heads) go out as they first went, with their stored ids', async () => {
    const [dir] = await deploymentsAfter(['format-3'], [AS_OFS[1]]);
    const original = receiver.calls('format-3').map(withoutMessageId);
    expect(original.length).toBeGreaterThan(10);
    // What format 3 wrote: every row its whole record and its messageId, no heads; none of it delivered yet.
    const stored = await outboxAsFormat4(dir);
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
    const resent = receiver.calls('format-3').slice(original.length, 2 * original.length);
    expect(resent.map(withoutMessageId).sort()).toEqual([...original].sort());
    expect(new Set(resent.map((c) => c.messageId))).toEqual(new Set(stored.keys()));
    expect(Object.keys(await catalog(dir))).toEqual(expect.arrayContaining(FORMAT_4_TABLES));
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: CURRENT_FORMAT }]);
    // the new run's own calls have heads
    const heads = await withSession(dir, (s) => s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox_heads`));
    expect(Number(heads[0].n)).toBeGreaterThan(0);
  }, 60_000);
});

describe('state format 4 is upgraded to 6, not called damaged', () => {
  it('undelivered calls a format-4 state left (stored messageIds) go out with those ids; the next calls get ids computed at delivery', async () => {
    const [dir, always] = await deploymentsAfter(['format-4', 'format-4-reference'], [AS_OFS[1]]);
    const original = receiver.calls('format-4');
    expect(original.length).toBeGreaterThan(10);
    const stored = await outboxAsFormat4(dir);
    expect(stored.size).toBe(original.length);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
    await runAt(dir, AS_OFS[3]);
    await runAt(always, AS_OFS[3]);
    const after = receiver.calls('format-4').slice(original.length);
    // first the leftovers, each with the id its row stores, nothing lost or sent twice
    const leftovers = after.slice(0, original.length);
    expect(leftovers.map(withoutMessageId).sort()).toEqual(original.map(withoutMessageId).sort());
    expect(new Set(leftovers.map((c) => c.messageId))).toEqual(new Set(stored.keys()));
    // then the new run's calls, with the same ids as a deployment that was never format 4
    const reference = receiver.calls('format-4-reference').slice(original.length);
    expect(reference.length).toBeGreaterThan(0);
    expect(after.slice(original.length).map((c) => c.messageId).sort()).toEqual(reference.map((c) => c.messageId).sort());
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: CURRENT_FORMAT }]);
    const rows = await withSession(dir, (s) => s.connection.query(`SELECT count(*) FILTER (WHERE message_id IS NULL) AS computed, count(*) FILTER (WHERE delivered_at IS NULL) AS pending FROM ${S}.outbox`));
    expect(Number(rows[0].computed)).toBe(reference.length);
    expect(Number(rows[0].pending)).toBe(0);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
  }, 90_000);

  it('repair of a damaged format-4 state writes format 6 only after making the column nullable; its leftovers keep their ids', async () => {
    const [dir] = await deploymentsAfter(['format-4-repair'], [AS_OFS[1]]);
    const original = receiver.calls('format-4-repair');
    const stored = await outboxAsFormat4(dir);
    await withSession(dir, (s) => s.connection.execute(`DELETE FROM ${S}.snapshots WHERE entity_id = (SELECT MIN(entity_id) FROM ${S}.snapshots)`));
    expect((await cliIn(dir, 'state', 'check')).code).toBe(1);
    expect((await cliIn(dir, 'state', 'repair', '--from', 'last', '--yes')).code).toBe(0);
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: CURRENT_FORMAT }]);
    await runAt(dir, AS_OFS[3]);
    const after = receiver.calls('format-4-repair').slice(original.length);
    expect(new Set(after.slice(0, original.length).map((c) => c.messageId))).toEqual(new Set(stored.keys()));
    const computed = await withSession(dir, (s) => s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox WHERE message_id IS NULL`));
    expect(Number(computed[0].n)).toBe(after.length - original.length);
    expect(after.length).toBeGreaterThan(original.length);
  }, 90_000);

  it('a state newer than this quorum is refused with an error naming both formats', async () => {
    const [dir] = await deploymentsAfter(['format-8'], [AS_OFS[1]]);
    await withSession(dir, (s) => s.connection.execute(`UPDATE ${S}.meta SET value = '8' WHERE key = 'format_version'`));
    const check = await cliIn(dir, 'state', 'check');
    expect(check.code).not.toBe(0);
    expect(check.stdout + check.stderr).toContain(`state schema "${S}" has state format 8, written by a newer quorum; this one reads format ${CURRENT_FORMAT}`);
  }, 60_000);
});

describe('state format 5 is upgraded to 6, not called damaged', () => {
  it("the next run creates outbox_generations; calls a format-5 state left go out as written, and the next first run's calls by generation as a format-6 deployment sends them", async () => {
    const [dir, always] = [await deployment('format-5'), await deployment('format-5-reference')];
    const down = await startReceiver({ writeKey: WRITE_KEY, faults: { always: 503 } });
    try {
      // a format-5 state whose first run's calls all wait: the destination was down
      await writeProject(dir, { endpoint: down.url, noWarehouse: true });
      const first = await runAt(dir, AS_OFS[1], LEGACY_OUTBOX);
      expect(first.failed.hook).toBeGreaterThan(10);
    } finally {
      await down.close();
    }
    await writeProject(dir, { endpoint: `${receiver.url}/format-5`, noWarehouse: true });
    await withSession(dir, async (s) => {
      for (const t of [...FORMAT_6_TABLES, ...FORMAT_7_TABLES]) await s.connection.execute(`DROP TABLE ${S}.${t}`);
      await s.connection.execute(`UPDATE ${S}.meta SET value = '5' WHERE key = 'format_version'`);
    });
    const check = await cliIn(dir, 'state', 'check', '--json');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ problems: [] });
    await runAt(always, AS_OFS[1]);
    const generations = await withSession(always, (s) => s.connection.query(`SELECT count(*) AS n FROM ${S}.outbox_generations`));
    expect(Number(generations[0].n)).toBeGreaterThan(0);
    await runAt(dir, AS_OFS[3]);
    await runAt(always, AS_OFS[3]);
    expect(receiver.calls('format-5').map(keyOfReceived).sort()).toEqual(receiver.calls('format-5-reference').map(keyOfReceived).sort());
    expect(new Set(receiver.calls('format-5').map((c) => c.messageId))).toEqual(new Set(receiver.calls('format-5-reference').map((c) => c.messageId)));
    expect(Object.keys(await catalog(dir))).toEqual(expect.arrayContaining(FORMAT_6_TABLES));
    const meta = await withSession(dir, (s) => s.connection.query(`SELECT value FROM ${S}.meta WHERE key = 'format_version'`));
    expect(meta).toEqual([{ value: CURRENT_FORMAT }]);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
  }, 90_000);
});
