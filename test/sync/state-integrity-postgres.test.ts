// State integrity (SPEC §6) on Postgres: PGlite in-process, and a real server over the wire when
// QUORUM_TEST_POSTGRES_URL is set (.ci/run sets it). Each kind of damage gets its own state schema
// after two runs; the next run stops with state_damaged and sends nothing to the receiver on
// 127.0.0.1; repair (in-process, under the lock) restores a consistent state; the following run
// sends exactly what a clean deployment sends. A state in format 1 is upgraded; a corrupt outbox
// call is set aside and named.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run, type RunRequest } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { applyRepair, diagnoseState, planRepair, type RepairFrom } from '../../src/sync/state-repair.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { keyOfReceived } from './support/expected.js';
import { FAST_RETRY, removeTempDirs, tempDir } from './support/harness.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const URL = process.env.QUORUM_TEST_POSTGRES_URL;
const TAG = `qstate_${process.pid}_${randomBytes(3).toString('hex')}`;
const [T1, T2, T3] = [AS_OFS[1], AS_OFS[3], AS_OFS[5]];
const dataset = makeDataset({ users: 24, logins: 120 });

interface Case {
  readonly name: string;
  readonly sql: (state: string) => string[];
  readonly error: string;
  readonly from: RepairFrom;
}

const CASES: Case[] = [
  { name: 'snapshots dropped', sql: (s) => [`DROP TABLE ${s}.snapshots`], error: '.snapshots is missing', from: 'last' },
  { name: 'snapshot_users emptied', sql: (s) => [`DELETE FROM ${s}.snapshot_users`], error: 'snapshot_users holds 0 rows of "active_accounts"', from: 'last' },
  { name: 'a snapshot count changed', sql: (s) => [`UPDATE ${s}.snapshot_runs SET row_count = row_count + 1`], error: 'its committed snapshot had', from: 'empty' },
  { name: 'outbox emptied', sql: (s) => [`DELETE FROM ${s}.outbox`], error: 'the outbox no longer holds the last call written', from: 'last' },
  { name: 'meta altered', sql: (s) => [`ALTER TABLE ${s}.meta DROP COLUMN value`], error: '.meta has no column value', from: 'last' },
  { name: 'runs dropped', sql: (s) => [`DROP TABLE ${s}.runs`], error: '.runs is missing', from: 'last' },
];

interface Engine {
  readonly connection: WarehouseConnection;
  /** the project on this engine, with its own state schema */
  project(state: string): Project;
}

let receiver: Receiver;
let base: Project;

async function runOn(engine: Engine, project: Project, asOf: string, extra: Partial<RunRequest> = {}) {
  const catalog = await readCatalog(engine.connection, project);
  return run({ connection: engine.connection, project, catalog, asOf, definitions: selectDefinitions(project, []), destinationOptions: { retry: FAST_RETRY, maxCalls: 30 }, ...extra });
}

/** A project whose calls go to `/<prefix>` on the receiver. */
function withEndpoint(project: Project, prefix: string): Project {
  const hook = project.config.destinations.hook;
  if (hook.type !== 'segment') throw new Error('the test project sends to a segment destination');
  return { ...project, config: { ...project.config, destinations: { ...project.config.destinations, hook: { ...hook, endpoint: `${receiver.url}/${prefix}` } } } };
}

async function scenario(engine: Engine, label: string): Promise<void> {
  const keys = async (prefix: string, asOfs: string[]) => {
    const project = withEndpoint(engine.project(`${TAG}_${prefix}`), prefix);
    for (const asOf of asOfs) await runOn(engine, project, asOf);
    return receiver.calls(prefix).map(keyOfReceived).sort();
  };
  const allThree = await keys(`${label}_clean`, [T1, T2, T3]);
  const cleanAfterT2 = allThree.filter((k) => k.endsWith(`|${T3}`));
  const cleanFirst = await keys(`${label}_first`, [T3]);
  expect(cleanAfterT2.length).toBeGreaterThan(5);
  const failures: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const prefix = `${label}_c${i}`;
    const state = `${TAG}_${prefix}`;
    const project = withEndpoint(engine.project(state), prefix);
    try {
      await runOn(engine, project, T1);
      await runOn(engine, project, T2);
      const before = receiver.calls(prefix).length;
      for (const statement of c.sql(`"${state}"`)) await engine.connection.execute(statement);
      const caught = await runOn(engine, project, T3).then(
        () => null,
        (e: unknown) => e,
      );
      expect(caught).toBeInstanceOf(DiagnosticsError);
      expect((caught as DiagnosticsError).diagnostics[0].code).toBe('state_damaged');
      expect((caught as DiagnosticsError).diagnostics[0].message).toContain(c.error);
      expect(receiver.calls(prefix).length, 'nothing sent').toBe(before);
      const diagnosis = await diagnoseState(engine.connection, state);
      expect(diagnosis.problems.map((p) => p.message).join('; ')).toContain(c.error);
      const plan = await planRepair(engine.connection, project, diagnosis, c.from);
      const catalog = await readCatalog(engine.connection, project);
      expect(await applyRepair({ connection: engine.connection, project, catalog }, plan)).toEqual([]);
      expect(receiver.calls(prefix).length, 'repair sends nothing').toBe(before);
      await runOn(engine, project, T3);
      expect(receiver.calls(prefix).slice(before).map(keyOfReceived).sort()).toEqual(c.from === 'last' ? cleanAfterT2 : cleanFirst);
    } catch (cause) {
      failures.push(`${label} ${c.name}: ${(cause as Error).message.slice(0, 1500)}`);
    }
  }
  expect(failures).toEqual([]);

  // the scratch tables (staging, changes) are tables of the schema here, empty between runs:
  // dropped, they hold nothing to lose, and the next run makes them again and goes on
  {
    const prefix = `${label}_scratch`;
    const state = `${TAG}_${prefix}`;
    const project = withEndpoint(engine.project(state), prefix);
    await runOn(engine, project, T1);
    await runOn(engine, project, T2);
    const before = receiver.calls(prefix).length;
    for (const t of ['staging', 'changes']) await engine.connection.execute(`DROP TABLE "${state}".${t}`);
    await runOn(engine, project, T3);
    expect(receiver.calls(prefix).slice(before).map(keyOfReceived).sort()).toEqual(cleanAfterT2);
    expect([...(await engine.connection.readTables(state)).keys()]).toEqual(expect.arrayContaining(['staging', 'changes']));
  }

  // a state in format 1 (no meta, no generation or counts) is upgraded by the next run, not called damaged
  {
    const prefix = `${label}_format1`;
    const state = `${TAG}_${prefix}`;
    const project = withEndpoint(engine.project(state), prefix);
    // format 1 wrote one outbox row per call
    await runOn(engine, project, T1, { outboxByGeneration: false });
    await runOn(engine, project, T2, { outboxByGeneration: false });
    const before = receiver.calls(prefix).length;
    for (const t of ['meta', 'outbox_generations', 'outbox_generation_rows']) await engine.connection.execute(`DROP TABLE "${state}".${t}`);
    for (const c of ['generation', 'row_count', 'user_count']) await engine.connection.execute(`ALTER TABLE "${state}".snapshot_runs DROP COLUMN ${c}`);
    // formats before 5 stored every call's messageId, in a NOT NULL column
    await engine.connection.execute(`UPDATE "${state}".outbox SET message_id = 'stored-' || CAST(sequence AS VARCHAR)`);
    await engine.connection.execute(`ALTER TABLE "${state}".outbox ALTER COLUMN message_id SET NOT NULL`);
    expect((await diagnoseState(engine.connection, state)).shape).toBe('old');
    await runOn(engine, project, T3);
    expect(receiver.calls(prefix).slice(before).map(keyOfReceived).sort()).toEqual(cleanAfterT2);
    expect(await diagnoseState(engine.connection, state)).toMatchObject({ shape: 'current', problems: [] });
    // the upgrade made the column nullable: the new run's calls store no messageId
    const computed = await engine.connection.query(`SELECT COUNT(*) AS n FROM "${state}".outbox WHERE message_id IS NULL`);
    expect(Number(computed[0].n)).toBe(receiver.calls(prefix).length - before);
  }

  // a corrupt outbox call: set aside and named, the run goes on
  const prefix = `${label}_corrupt`;
  const state = `${TAG}_${prefix}`;
  const project = withEndpoint(engine.project(state), prefix);
  await runOn(engine, project, T1);
  await engine.connection.execute(`UPDATE "${state}".outbox SET delivered_at = NULL`);
  const [row] = await engine.connection.query(`SELECT sequence FROM "${state}".outbox ORDER BY sequence LIMIT 1`);
  await engine.connection.execute(`UPDATE "${state}".outbox SET payload = '[1, 2' WHERE sequence = ${Number(row.sequence)}`);
  const output = await runOn(engine, project, T2);
  expect(output.errors.some((e) => e.includes(`(sequence ${Number(row.sequence)},`) && e.includes('is corrupt and set aside'))).toBe(true);
  expect(receiver.calls(prefix).length).toBeGreaterThan(5);
  expect(receiver.invalid).toEqual([]);
}

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  const dir = await tempDir('state-pg');
  await writeProject(dir, { endpoint: receiver.url, noWarehouse: true });
  base = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
});

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
});

describe('state integrity on Postgres', () => {
  it('PGlite: damage stops the run, nothing is sent, repair restores it; a corrupt outbox call is set aside', async () => {
    const connection = await PgliteConnection.open(postgres);
    try {
      await loadIntoPostgres(connection.db, 'app', dataset);
      await scenario({ connection, project: (state) => ({ ...base, config: { ...base.config, stateSchema: state } }) }, 'pglite');
    } finally {
      await connection.close();
    }
  }, 300_000);

  it.skipIf(!URL)('over the wire (set QUORUM_TEST_POSTGRES_URL, as .ci/run does): the same', async () => {
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    const source = `${TAG}_src`;
    const connection = await postgres.connect({ type: 'postgres', url: URL! });
    try {
      await loadIntoPostgres(admin, source, dataset);
      const project = (state: string): Project => ({ ...base, config: { ...base.config, stateSchema: state, source: { ...base.config.source, schema: source } } });
      await scenario({ connection, project }, 'wire');
    } finally {
      await connection.close();
      const schemas = await admin.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${TAG}%`]);
      for (const { nspname } of schemas.rows) await admin.query(`DROP SCHEMA "${nspname}" CASCADE`);
      await admin.end();
    }
  }, 300_000);
});
