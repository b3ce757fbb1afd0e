// quorum run killed with SIGKILL between two slices of one outbox insert (the point
// `outbox-slice-written`, src/sync/steps/outbox-step.ts), in a first run and in a later run. The
// runs write slices of 2 rows (RunRequest.outboxSliceRows) so that this small project's inserts are
// sliced as a change set above 100,000 rows is. Beside it the same project runs without a crash;
// after each resumed run both warehouses hold the same state and the receiver the same calls,
// messageIds included: the slices written before the kill were rolled back with the transaction,
// none of them half-delivered. On DuckDB (a file), PGlite (a data directory the next process
// recovers) and PostgreSQL over the wire when QUORUM_TEST_POSTGRES_URL is set.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { runEnv, runNode, type ChildResult } from './support/child-process.js';
import { expectedCalls, keyOfReceived } from './support/expected.js';
import { Reference, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type ReceivedCall, type Receiver } from './support/receiver.js';

const SLICE_ROWS = 2;
const T1 = AS_OFS[1];
const T2 = AS_OFS[3];
const WIRE_URL = process.env.QUORUM_TEST_POSTGRES_URL;
const TAG = `qslice_${process.pid}_${randomBytes(3).toString('hex')}`;
const CHILD_DIR = path.resolve(`node_modules/.cache/quorum-slice-crash-${process.pid}-${randomBytes(3).toString('hex')}`);
const CHILD = path.join(CHILD_DIR, 'run-child.mjs');

const dataset = makeDataset({ users: 30, logins: 150 });
let receiver: Receiver;
let expected: { t1: string[]; t2: string[] };
const wireSchemas: string[] = [];

/** One project on one engine: the child's warehouse arguments and a way to read its state. */
interface Warehouse {
  readonly dir: string;
  readonly prefix: string;
  readonly args: readonly string[];
  open(): Promise<WarehouseConnection>;
  readonly state: string;
}

interface Engine {
  readonly name: string;
  make(prefix: string): Promise<Warehouse>;
}

/** quorum.yml's warehouse turned into PostgreSQL at `url` (PGlite: never connected to), its source and state into these schemas. */
async function onPostgres(dir: string, url: string, source: string, state: string): Promise<void> {
  const file = path.join(dir, 'quorum.yml');
  const yml = (await readFile(file, 'utf8'))
    .replace('warehouse:\n  type: duckdb\n  path: warehouse.duckdb', `warehouse:\n  type: postgres\n  url: ${url}`)
    .replace('  schema: app\n', `  schema: ${source}\n`)
    .replace('state:\n  schema: quorum_state', `state:\n  schema: ${state}`);
  expect(yml).toContain('type: postgres');
  expect(yml).toContain(`schema: ${state}`);
  await writeFile(file, yml);
}

const ENGINES: Engine[] = [
  {
    name: 'DuckDB',
    async make(prefix) {
      const dir = await tempDir(`slice-crash-${prefix}`);
      await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, dataset });
      return { dir, prefix, args: [], state: 'quorum_state', open: () => duckdb.connect({ type: 'duckdb', path: path.join(dir, 'warehouse.duckdb') }) };
    },
  },
  {
    name: 'PGlite',
    async make(prefix) {
      const dir = await tempDir(`slice-crash-${prefix}`);
      await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, noWarehouse: true });
      await onPostgres(dir, 'postgres://pglite.invalid/quorum', 'app', 'quorum_state');
      const data = path.join(dir, 'pgdata');
      const db = await PGlite.create(data);
      await loadDatasetPg(db, dataset);
      await db.close();
      return {
        dir,
        prefix,
        args: ['--pglite', data],
        state: 'quorum_state',
        open: async () => new PgliteConnection(postgres, await PGlite.create(data)),
      };
    },
  },
];
if (WIRE_URL) {
  ENGINES.push({
    name: 'PostgreSQL over the wire',
    async make(prefix) {
      const dir = await tempDir(`slice-crash-${prefix}`);
      const source = `${TAG}_${prefix}_src`.toLowerCase();
      const state = `${TAG}_${prefix}_state`.toLowerCase();
      wireSchemas.push(source, state);
      await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, noWarehouse: true });
      await onPostgres(dir, '${QUORUM_TEST_POSTGRES_URL}', source, state);
      const client = new pg.Client({ connectionString: WIRE_URL });
      await client.connect();
      try {
        await loadIntoPostgres(client, source, dataset);
      } finally {
        await client.end();
      }
      return { dir, prefix, args: ['--postgres'], state, open: () => postgres.connect({ type: 'postgres', url: WIRE_URL }) };
    },
  });
}

function runChild(w: Warehouse, asOf: string, crashAt: string | null): Promise<ChildResult> {
  // one row per call: a first run's user-level inserts would otherwise be records by generation, not slices
  return runNode([CHILD, w.dir, asOf, '--outbox-slice-rows', String(SLICE_ROWS), '--row-per-call', ...w.args], runEnv(crashAt));
}

/** A clean run: exit 0; its run id, which the calls and heads carry and the comparison blanks out. */
async function cleanRun(w: Warehouse, asOf: string): Promise<string> {
  const result = await runChild(w, asOf, null);
  expect(result.code, `${w.prefix} at ${asOf}: ${result.stderr}`).toBe(0);
  return (JSON.parse(result.stdout) as { run_id: string }).run_id;
}

const STATE_QUERIES = {
  snapshots: 'SELECT definition, entity_id, value FROM {s}.snapshots ORDER BY 1, 2',
  snapshotUsers: 'SELECT definition, entity_id, user_id, position FROM {s}.snapshot_users ORDER BY 1, 2, 3',
  snapshotRuns: 'SELECT definition, as_of, generation, row_count, user_count FROM {s}.snapshot_runs ORDER BY 1, 3',
  outbox: 'SELECT sequence, destination, run_id, definition, entity_id, transition, call_type, payload, message_id, delivered_at IS NULL AS pending FROM {s}.outbox ORDER BY sequence',
  heads: 'SELECT destination, run_id, first_sequence, last_sequence, head FROM {s}.outbox_heads ORDER BY 1, 3',
};

/** The state tables a run writes, every run id replaced by its position in `runIds`. */
async function stateOf(w: Warehouse, runIds: readonly string[]): Promise<Record<string, string[]>> {
  const c = await w.open();
  try {
    const out: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(STATE_QUERIES)) {
      const rows = await c.query(sql.replace('{s}', w.state));
      out[name] = rows.map((r) => blankRunIds(JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v)))), runIds));
    }
    return out;
  } finally {
    await c.close();
  }
}

function blankRunIds(text: string, runIds: readonly string[]): string {
  return runIds.reduce((t, id, i) => t.replaceAll(id, `<run ${i + 1}>`), text);
}

/** The calls a warehouse's prefix received, one per messageId (a repeat must be the same call), sorted. */
function callsOf(prefix: string, runIds: readonly string[]): string[] {
  const byId = new Map<string, string>();
  for (const call of receiver.calls(prefix)) {
    const text = blankRunIds(JSON.stringify(call), runIds);
    const first = byId.get(call.messageId);
    if (first !== undefined) expect(text, `duplicate ${call.messageId} differs`).toBe(first);
    else byId.set(call.messageId, text);
  }
  return [...byId.keys()].sort().map((id) => byId.get(id)!);
}

beforeAll(async () => {
  await mkdir(CHILD_DIR, { recursive: true });
  await build({ entryPoints: ['test/sync/support/run-child.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: CHILD, logLevel: 'warning' });
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  const reference = await Reference.open(dataset);
  try {
    const dir = await tempDir('slice-crash-reference');
    await writeProject(dir, { endpoint: `${receiver.url}/reference`, dataset });
    const project = await withSession(dir, async (s) => s.project);
    const r1 = await reference.at(project, T1);
    const r2 = await reference.at(project, T2);
    expected = {
      t1: expectedCalls(project, dataset, null, { asOf: T1, results: r1 }),
      t2: expectedCalls(project, dataset, { asOf: T1, results: r1 }, { asOf: T2, results: r2 }),
    };
  } finally {
    reference.close();
  }
}, 60_000);

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
  await rm(CHILD_DIR, { recursive: true, force: true });
  if (WIRE_URL && wireSchemas.length > 0) {
    const client = new pg.Client({ connectionString: WIRE_URL });
    await client.connect();
    try {
      for (const schema of wireSchemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
});

describe('quorum run killed between two slices of an outbox insert', () => {
  for (const engine of ENGINES) {
    it(`resumes as if never killed, first run and later run, on ${engine.name}`, async () => {
      const tag = engine.name.toLowerCase().replace(/[^a-z]+/g, '');
      const [clean, crashed] = await Promise.all([engine.make(`${tag}_clean`), engine.make(`${tag}_crashed`)]);
      const runIds = { clean: [] as string[], crashed: [] as string[] };
      for (const [asOf, want] of [[T1, expected.t1], [T2, expected.t2]] as const) {
        runIds.clean.push(await cleanRun(clean, asOf));
        const killed = await runChild(crashed, asOf, 'outbox-slice-written:1');
        expect(killed.signal, `not killed between slices at ${asOf}: ${killed.stderr || killed.stdout}`).toBe('SIGKILL');
        runIds.crashed.push(await cleanRun(crashed, asOf));

        const calls = { clean: callsOf(clean.prefix, runIds.clean), crashed: callsOf(crashed.prefix, runIds.crashed) };
        const wanted = [...(asOf === T2 ? expected.t1 : []), ...want].sort();
        expect(calls.clean.map((c) => keyOfReceived(JSON.parse(c) as ReceivedCall)).sort(), `${asOf}: the run without a crash`).toEqual(wanted);
        expect(calls.crashed, `${asOf}: calls and messageIds`).toEqual(calls.clean);
        const [cleanState, crashedState] = [await stateOf(clean, runIds.clean), await stateOf(crashed, runIds.crashed)];
        expect(cleanState.outbox.length, `${asOf}: outbox rows`).toBe(wanted.length);
        expect(cleanState.heads.length).toBeGreaterThan(0);
        expect(crashedState, `${asOf}: snapshots, outbox and heads`).toEqual(cleanState);
      }
      expect(receiver.invalid).toEqual([]);
    }, 300_000);
  }
});
