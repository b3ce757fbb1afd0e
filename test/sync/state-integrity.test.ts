// State integrity (SPEC §6) on DuckDB: every state table dropped, emptied or corrupted in turn
// after two runs. The next run stops with state_damaged naming the damage and sends nothing to the
// receiver on 127.0.0.1; `quorum state check` says the same (exit 1); `quorum state repair` without
// --yes only says what it would do (exit 2 without a terminal); with --yes it restores a consistent
// state, and the following run sends exactly what a clean deployment sends at that instant.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { ensureStateTables } from '../../src/sync/state-sql.js';
import { keyOfReceived } from './support/expected.js';
import { cliIn } from './support/cli-in-process.js';
import { runAt, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { outboxMessageIds } from '../support/outbox-ids.js';
import { AS_OFS, makeDataset, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { WRITE_KEY } from './support/project.js';

const T1 = AS_OFS[1];
const T2 = AS_OFS[3];
const T3 = AS_OFS[5];
const S = 'quorum_state';

interface Damage {
  readonly name: string;
  readonly sql: readonly string[];
  /** a fragment of the state_damaged message; null: harmless, the run goes on */
  readonly error: string | null;
}

// staging and changes are not among them: on DuckDB they are temporary tables of the session,
// never in the state schema.
const TABLES = ['snapshots', 'snapshot_users', 'snapshot_runs', 'outbox', 'runs', 'meta', 'lock'];
const EMPTIED: Record<string, string | null> = {
  snapshots: 'snapshots holds 0 rows of "active_accounts"',
  snapshot_users: 'snapshot_users holds 0 rows of "active_accounts"',
  snapshot_runs: 'snapshot_runs has no record of the snapshot of "active_accounts"',
  outbox: 'the outbox no longer holds the last call written',
  runs: 'the runs table no longer holds run',
  meta: 'the state-format version is missing from meta',
  lock: null, // empty between runs anyway
};

const DAMAGES: Damage[] = [
  ...TABLES.map((t) => ({ name: `${t} dropped`, sql: [`DROP TABLE ${S}.${t}`], error: `table ${S}.${t} is missing` })),
  ...TABLES.map((t) => ({ name: `${t} emptied`, sql: [`DELETE FROM ${S}.${t}`], error: EMPTIED[t] })),
  {
    name: 'snapshots: a row added by hand',
    sql: [`INSERT INTO ${S}.snapshots SELECT definition, 'intruder', value, run_id, as_of FROM ${S}.snapshots WHERE definition = 'logins_3d' LIMIT 1`],
    error: 'rows of "logins_3d", its committed snapshot had',
  },
  {
    // found by an audit on 5 December: the counts still matched, and the next run re-sent entries
    name: "snapshots: an entity id changed by hand into another's",
    sql: [
      `UPDATE ${S}.snapshots SET entity_id = (SELECT MIN(entity_id) FROM ${S}.snapshots WHERE definition = 'logins_3d') WHERE definition = 'logins_3d' AND entity_id = (SELECT MAX(entity_id) FROM ${S}.snapshots WHERE definition = 'logins_3d')`,
    ],
    error: 'rows of "logins_3d" for only',
  },
  {
    name: 'snapshots: a column dropped',
    sql: [`ALTER TABLE ${S}.snapshots DROP COLUMN as_of`],
    error: `table ${S}.snapshots has no column as_of`,
  },
  { name: 'snapshot_users: one row deleted', sql: [`DELETE FROM ${S}.snapshot_users WHERE user_id = (SELECT MIN(user_id) FROM ${S}.snapshot_users)`], error: 'snapshot_users holds' },
  { name: 'snapshot_runs: a count changed', sql: [`UPDATE ${S}.snapshot_runs SET row_count = row_count + 5 WHERE definition = 'active_admins'`], error: 'rows of "active_admins", its committed snapshot had' },
  { name: 'snapshot_runs: a generation erased', sql: [`UPDATE ${S}.snapshot_runs SET generation = NULL WHERE definition = 'recent_method'`], error: 'the record of the snapshot of "recent_method" in snapshot_runs lacks its generation' },
  { name: 'meta: the version overwritten', sql: [`UPDATE ${S}.meta SET value = 'banana' WHERE key = 'format_version'`], error: 'the state-format version in meta is "banana"' },
  { name: 'outbox: a call added by hand', sql: [`INSERT INTO ${S}.outbox SELECT message_id || 'x', destination, run_id, definition, entity_id, transition, call_type, payload, created_at, attempts, last_error, delivered_at, sequence + 1000, rejected_at FROM ${S}.outbox LIMIT 1`], error: 'that no run wrote' },
];

let receiver: Receiver;
let template: string;
let fresh: string;
const dataset = makeDataset({ users: 30, logins: 150 });
/** What a clean deployment sends at T3: after T1 and T2, and as its first run. */
const clean: { afterT2: string[]; first: string[] } = { afterT2: [], first: [] };

async function deployment(prefix: string, from: 'after-t2' | 'fresh'): Promise<string> {
  const dir = await tempDir(`state-${prefix}`);
  await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, noWarehouse: true });
  await copyFile(path.join(from === 'fresh' ? fresh : template, 'warehouse.duckdb'), path.join(dir, 'warehouse.duckdb'));
  return dir;
}

async function damage(dir: string, sql: readonly string[]): Promise<void> {
  await withSession(dir, async (s) => {
    for (const statement of sql) await s.connection.execute(statement);
  });
}

async function stateDamagedError(work: Promise<unknown>): Promise<string> {
  const caught = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(caught).toBeInstanceOf(DiagnosticsError);
  const d = (caught as DiagnosticsError).diagnostics[0];
  expect(d.code).toBe('state_damaged');
  return d.message;
}

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  process.env.QUORUM_TEST_WRITE_KEY = WRITE_KEY;
  process.env.QUORUM_HTTP_BACKOFF_MS = '5';
  template = await tempDir('state-template');
  await writeProject(template, { endpoint: `${receiver.url}/template`, dataset });
  fresh = await tempDir('state-fresh');
  await writeProject(fresh, { endpoint: `${receiver.url}/fresh`, noWarehouse: true });
  await copyFile(path.join(template, 'warehouse.duckdb'), path.join(fresh, 'warehouse.duckdb'));
  await runAt(template, T1);
  await runAt(template, T2);
  const a = await deployment('clean-a', 'after-t2');
  await runAt(a, T3);
  clean.afterT2 = receiver.calls('clean-a').map(keyOfReceived).sort();
  const b = await deployment('clean-b', 'fresh');
  await runAt(b, T3);
  clean.first = receiver.calls('clean-b').map(keyOfReceived).sort();
  expect(clean.afterT2.length).toBeGreaterThan(10);
  expect(clean.first.length).toBeGreaterThan(clean.afterT2.length);
}, 60_000);

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
});

describe('a damaged state stops the run and sends nothing; state repair restores it (DuckDB)', () => {
  it(`${DAMAGES.length} kinds of damage, each repaired --from last`, async () => {
    const failures: string[] = [];
    for (const [i, d] of DAMAGES.entries()) {
      const prefix = `d${i}`;
      try {
        const dir = await deployment(prefix, 'after-t2');
        await damage(dir, d.sql);
        if (d.error === null) {
          expect((await cliIn(dir, 'state', 'check')).code, 'state check').toBe(0);
          await runAt(dir, T3);
          expect(receiver.calls(prefix).map(keyOfReceived).sort()).toEqual(clean.afterT2);
          continue;
        }
        expect(await stateDamagedError(runAt(dir, T3))).toContain(d.error);
        expect(receiver.calls(prefix), 'a damaged state sends nothing').toEqual([]);
        const check = await cliIn(dir, 'state', 'check');
        expect(check.code, 'state check exits 1').toBe(1);
        expect(check.stderr).toContain('error[state_damaged]');
        expect(check.stdout).toContain(d.error);
        const asked = await cliIn(dir, 'state', 'repair', '--from', 'last');
        expect(asked.code, `repair without --yes: ${asked.stderr}`).toBe(2);
        expect(asked.stdout).toContain('repair --from last would:');
        expect((await cliIn(dir, 'state', 'check')).code, 'nothing changed without --yes').toBe(1);
        const repaired = await cliIn(dir, 'state', 'repair', '--from', 'last', '--yes');
        expect(repaired.code, repaired.stderr).toBe(0);
        expect(repaired.stdout).toContain('is consistent; nothing was sent');
        expect(receiver.calls(prefix), 'repair sends nothing').toEqual([]);
        expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
        await runAt(dir, T3);
        expect(receiver.calls(prefix).map(keyOfReceived).sort()).toEqual(clean.afterT2);
      } catch (cause) {
        failures.push(`${d.name}: ${(cause as Error).message.slice(0, 1500)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(receiver.invalid).toEqual([]);
  }, 300_000);

  it('--from empty forgets the damaged snapshots: the next run sends every member again, as a first run does', async () => {
    for (const [i, sql] of [[`DELETE FROM ${S}.snapshot_runs`], [`DROP TABLE ${S}.snapshots`], [`DELETE FROM ${S}.outbox`]].entries()) {
      const prefix = `empty${i}`;
      const dir = await deployment(prefix, 'after-t2');
      await damage(dir, sql);
      await stateDamagedError(runAt(dir, T3));
      const asked = await cliIn(dir, 'state', 'repair', '--from', 'empty', '--json');
      expect(asked.code).toBe(2);
      expect(JSON.parse(asked.stdout)).toMatchObject({ status: 'damaged', repaired: false });
      expect((JSON.parse(asked.stdout) as { actions: string[] }).actions.join('\n')).toContain('the next run sends every member');
      const repaired = await cliIn(dir, 'state', 'repair', '--from', 'empty', '--yes');
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(repaired.stdout).toContain('the next run sends every member');
      await runAt(dir, T3);
      const calls = receiver.calls(prefix);
      expect(calls.map(keyOfReceived).sort(), sql[0]).toEqual(clean.first);
      // the generation went on counting: none of these ids is one of the first run's
      expect(calls.some((c) => receiver.calls('clean-b').some((f) => f.messageId === c.messageId))).toBe(false);
    }
  }, 120_000);

  it('calls waiting in the outbox stay there while the state is damaged, and go out after the repair with their ids', async () => {
    const prefix = 'leftovers';
    const dir = await deployment(prefix, 'after-t2');
    const waiting = await withSession(dir, async (s) => {
      await s.connection.execute(`UPDATE ${S}.outbox SET delivered_at = NULL WHERE sequence > (SELECT MAX(sequence) - 5 FROM ${S}.outbox)`);
      return outboxMessageIds(s.connection, S, 'delivered_at IS NULL');
    });
    expect(waiting.length).toBe(5);
    await damage(dir, [`DELETE FROM ${S}.snapshot_users`]);
    await stateDamagedError(runAt(dir, T3));
    expect(receiver.calls(prefix)).toEqual([]);
    expect((await cliIn(dir, 'state', 'repair', '--from', 'last', '--yes')).code).toBe(0);
    expect(receiver.calls(prefix)).toEqual([]);
    await runAt(dir, T3);
    const calls = receiver.calls(prefix);
    expect(calls.slice(0, 5).map((c) => c.messageId).sort()).toEqual([...waiting].sort());
    expect(calls.slice(5).map(keyOfReceived).sort()).toEqual(clean.afterT2);
  }, 60_000);

  it('a corrupt outbox call is set aside and named; its entity\'s later calls wait behind it, every other call goes out', async () => {
    const prefix = 'corrupt';
    const dir = await deployment(prefix, 'after-t2');
    const picked = await withSession(dir, async (s) => {
      // every call of the run at T2 waits again; one with later calls of its entity gets a broken payload
      await s.connection.execute(`UPDATE ${S}.outbox SET delivered_at = NULL WHERE run_id = (SELECT MAX(run_id) FROM ${S}.outbox)`);
      const rows = await s.connection.query(
        `SELECT o.sequence, o.entity_id FROM ${S}.outbox o WHERE o.delivered_at IS NULL AND EXISTS (SELECT 1 FROM ${S}.outbox l WHERE l.destination = o.destination AND l.entity_id = o.entity_id AND l.sequence > o.sequence AND l.delivered_at IS NULL) ORDER BY o.sequence LIMIT 1`,
      );
      await s.connection.execute(`UPDATE ${S}.outbox SET payload = '{"type": "gro' WHERE sequence = ${Number(rows[0].sequence)}`);
      // a broken payload has no messageId to derive: it is named by its sequence
      return { sequence: Number(rows[0].sequence), entity: String(rows[0].entity_id), messageId: `sequence ${Number(rows[0].sequence)}` };
    });
    const idsOf = async (where: string) => withSession(dir, (s) => outboxMessageIds(s.connection, S, where));
    const behind = await idsOf(`entity_id = '${picked.entity.replaceAll("'", "''")}' AND sequence > ${picked.sequence} AND delivered_at IS NULL`);
    expect(behind.length).toBeGreaterThan(0);
    const waitingBefore = await idsOf('delivered_at IS NULL');

    const output = await runAt(dir, T3);
    const note = output.errors.find((e) => e.includes(`(sequence ${picked.sequence},`));
    // named once, though the run's two deliveries (its leftovers, then its own calls) each hold it
    expect(output.errors.filter((e) => e.includes(`(sequence ${picked.sequence},`))).toHaveLength(1);
    expect(note).toContain(`sequence ${picked.sequence}, entity ${JSON.stringify(picked.entity)}) is corrupt and set aside`);
    const held = await idsOf('delivered_at IS NULL');
    expect(note).toContain(`${held.length - 1} later calls of that entity wait behind it`);
    const fresh = await idsOf(`run_id = '${output.run_id}'`);
    // held: the corrupt call, and every later call of its entity (this run's included), nothing else
    const heldOfRun = await idsOf(`run_id = '${output.run_id}' AND entity_id = '${picked.entity.replaceAll("'", "''")}'`);
    expect([...held].sort()).toEqual([picked.messageId, ...behind, ...heldOfRun].sort());
    expect(output.failed.hook).toBe(held.length);
    const received = receiver.calls(prefix).map((c) => c.messageId);
    expect(new Set(received)).toEqual(new Set([...waitingBefore, ...fresh].filter((id) => !held.includes(id))));
    const lastError = await withSession(dir, (s) => s.connection.query(`SELECT last_error FROM ${S}.outbox WHERE sequence = ${picked.sequence}`));
    expect(String(lastError[0].last_error)).toContain('corrupt: its payload is not JSON');

    // the next run holds them again; once the row is deleted, the entity's calls go out in order
    const again = await runAt(dir, T3);
    expect(again.errors.some((e) => e.includes(picked.messageId))).toBe(true);
    expect(receiver.calls(prefix).length).toBe(received.length);
    await damage(dir, [`DELETE FROM ${S}.outbox WHERE sequence = ${picked.sequence}`]);
    const after = await runAt(dir, T3);
    expect(after.failed).toEqual({});
    const released = receiver.calls(prefix).slice(received.length).map((c) => c.messageId);
    expect(released).toEqual(held.filter((id) => id !== picked.messageId));
    expect(receiver.invalid).toEqual([]);
  }, 60_000);

  it('a first run that died while creating the state (tables missing, nothing written) is finished, not called damaged', async () => {
    const prefix = 'half-created';
    const dir = await deployment(prefix, 'fresh');
    await withSession(dir, async (s) => {
      await ensureStateTables(s.connection, S);
      for (const t of ['meta', 'lock', 'runs']) await s.connection.execute(`DROP TABLE ${S}.${t}`);
    });
    await runAt(dir, T3);
    expect(receiver.calls(prefix).map(keyOfReceived).sort()).toEqual(clean.first);
    expect((await cliIn(dir, 'state', 'check')).code).toBe(0);
  });

  it('a consistent state: check exits 0 and repair has nothing to do', async () => {
    const dir = await deployment('healthy', 'after-t2');
    const check = await cliIn(dir, 'state', 'check', '--json');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ schema: S, status: 'consistent', problems: [] });
    const repair = await cliIn(dir, 'state', 'repair', '--from', 'empty');
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain('nothing to repair');
    expect((await cliIn(dir, 'state', 'repair', '--from', 'sideways', '--yes')).code).toBe(2);
  });
});
