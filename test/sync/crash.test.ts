// quorum run killed with SIGKILL at every step that matters (QUORUM_CRASH_AT, src/sync/crash.ts),
// then run again: the receiver must hold every expected call (duplicates only with the same
// messageId and body), the snapshots must match the data, the outbox must be empty. Also: two
// runs started at once never both deliver.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnv, runNode, type ChildResult } from './support/child-process.js';
import { expectedCalls, keyOfReceived } from './support/expected.js';
import { Reference, runAt, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type ReceivedCall, type Receiver } from './support/receiver.js';

const T1 = AS_OFS[1];
const T2 = AS_OFS[3];
// One bundle per test-file run (pid and random bytes), so runs in parallel checkouts or at once in
// one checkout never execute each other's half-written child script; removed in afterAll.
const CHILD_DIR = path.resolve(`node_modules/.cache/quorum-sync-tests-${process.pid}-${randomBytes(3).toString('hex')}`);
const CHILD = path.join(CHILD_DIR, 'run-child.mjs');

interface Case {
  readonly name: string;
  /** crash specs for successive attempts of the run at T2 (the run at T1 runs clean in-process first) */
  readonly crashes: readonly string[];
  /** the crash is in the first run instead (no previous snapshot) */
  readonly firstRun?: boolean;
}

const CASES: Case[] = [
  ...[
    'lock-acquired', 'run-recorded', 'transaction-begun', 'staging', 'staged', 'counted', 'outbox-written:1', 'outbox-written:7',
    'record-rows-kept', 'snapshots-deleted', 'snapshots-written', 'staging-cleared', 'run-summarised', 'committed', 'page-read:1', 'batch-sent:1',
    'batch-sent:4', 'batch-marked:2', 'delivered', 'run-finished',
  ].map((point) => ({ name: point, crashes: [point] })),
  { name: 'first run: batch-sent:2', crashes: ['batch-sent:2'], firstRun: true },
  // a first run's calls by generation: killed after a mark moved a record's watermark
  { name: 'first run: batch-marked:1', crashes: ['batch-marked:1'], firstRun: true },
  // killed again while the next run delivers the leftovers of the first kill
  { name: 'twice: batch-marked:1, then page-read:1', crashes: ['batch-marked:1', 'page-read:1'] },
  { name: 'twice: committed, then batch-sent:1', crashes: ['committed', 'batch-sent:1'] },
];

let receiver: Receiver;
let reference: Reference;
let template: string;
const dataset = makeDataset({ users: 30, logins: 150 });
let expected: { t1: string[]; t2: string[] };
let results2: Awaited<ReturnType<Reference['at']>>;

function runChild(dir: string, asOf: string, crashAt: string | null): Promise<ChildResult> {
  return runNode([CHILD, dir, asOf], runEnv(crashAt));
}

/** A project whose warehouse is fresh, or already holds the state of a run at T1 (all delivered). */
async function projectFor(prefix: string, state: 'fresh' | 'after-t1'): Promise<string> {
  const dir = await tempDir(`crash-${prefix.replace(/[^a-z0-9]+/gi, '-')}`);
  await writeProject(dir, { endpoint: `${receiver.url}/${prefix}`, noWarehouse: true });
  await copyFile(path.join(template, state === 'fresh' ? 'fresh.duckdb' : 'warehouse.duckdb'), path.join(dir, 'warehouse.duckdb'));
  return dir;
}

/** Dedup by messageId: a repeated id must repeat the same call. */
function deduplicated(calls: readonly ReceivedCall[]): ReceivedCall[] {
  const byId = new Map<string, ReceivedCall>();
  for (const call of calls) {
    const first = byId.get(call.messageId);
    if (first) expect(JSON.stringify(call), `duplicate ${call.messageId} differs`).toBe(JSON.stringify(first));
    else byId.set(call.messageId, call);
  }
  return [...byId.values()];
}

async function checkState(dir: string): Promise<void> {
  await withSession(dir, async (s) => {
    const pending = await s.connection.query('SELECT COUNT(*) AS n FROM quorum_state.outbox WHERE delivered_at IS NULL');
    expect(Number(pending[0].n)).toBe(0);
    // staged rows lived in the killed process's session (DuckDB's temporary tables): none is in the state
    expect([...(await s.connection.readTables('quorum_state')).keys()]).not.toContain('staging');
    const lock = await s.connection.query('SELECT COUNT(*) AS n FROM quorum_state.lock');
    expect(Number(lock[0].n)).toBe(0);
    const rows = await s.connection.query('SELECT definition, entity_id, value FROM quorum_state.snapshots');
    for (const [name, result] of results2) {
      const mine = rows.filter((r) => r.definition === name);
      if (result.kind === 'audience') expect(new Set(mine.map((r) => String(r.entity_id))), name).toEqual(new Set(result.members));
      else {
        const want = [...result.values].filter(([, v]) => v !== null).map(([id, v]) => `${id}=${JSON.stringify(v)}`).sort();
        expect(mine.map((r) => `${String(r.entity_id)}=${JSON.stringify(JSON.parse(String(r.value)))}`).sort(), name).toEqual(want);
      }
    }
  });
}

beforeAll(async () => {
  await mkdir(CHILD_DIR, { recursive: true });
  await build({ entryPoints: ['test/sync/support/run-child.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: CHILD, logLevel: 'warning' });
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  reference = await Reference.open(dataset);
  template = await tempDir('crash-template');
  await writeProject(template, { endpoint: `${receiver.url}/template`, dataset });
  await copyFile(path.join(template, 'warehouse.duckdb'), path.join(template, 'fresh.duckdb'));
  await runAt(template, T1);
  const project = await withSession(template, async (s) => s.project);
  const r1 = await reference.at(project, T1);
  results2 = await reference.at(project, T2);
  expected = {
    t1: expectedCalls(project, dataset, null, { asOf: T1, results: r1 }),
    t2: expectedCalls(project, dataset, { asOf: T1, results: r1 }, { asOf: T2, results: results2 }),
  };
}, 60_000);

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
  reference?.close();
  await rm(CHILD_DIR, { recursive: true, force: true });
});

describe('quorum run killed at any point loses nothing', () => {
  it(`at ${CASES.length} crash points (${new Set(CASES.flatMap((c) => c.crashes)).size} distinct)`, async () => {
    expect(new Set(CASES.flatMap((c) => c.crashes)).size).toBeGreaterThanOrEqual(20);
    const queue = CASES.map((c, i) => ({ ...c, prefix: `c${i}` }));
    const failures: string[] = [];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        try {
          const dir = await projectFor(c.prefix, c.firstRun ? 'fresh' : 'after-t1');
          const crashedAsOf = c.firstRun ? T1 : T2;
          for (const spec of c.crashes) {
            const crashed = await runChild(dir, crashedAsOf, spec);
            expect(crashed.signal, `${c.name}: ${spec} was not reached (${crashed.stderr || crashed.stdout})`).toBe('SIGKILL');
          }
          const clean = await runChild(dir, crashedAsOf, null);
          expect(clean.code, `${c.name}: ${clean.stderr}`).toBe(0);
          if (c.firstRun) await runAt(dir, T2);
          const calls = deduplicated(receiver.calls(c.prefix));
          expect(calls.map(keyOfReceived).sort(), c.name).toEqual((c.firstRun ? [...expected.t1, ...expected.t2] : expected.t2).sort());
          await checkState(dir);
        } catch (cause) {
          failures.push(`${c.name}: ${(cause as Error).message.slice(0, 2000)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(failures).toEqual([]);
    expect(receiver.invalid).toEqual([]);
    // about 55 CLI processes: 300 s ran out at load 28 on the 2-core CI machine; this is a hang detector
  }, 900_000);

  it('two runs started at once never both deliver', async () => {
    const dir = await projectFor('concurrent', 'after-t1');
    const before = receiver.calls('concurrent').length;
    const [a, b] = await Promise.all([runChild(dir, T2, null), runChild(dir, T2, null)]);
    expect([a.code, b.code]).toContain(0);
    const calls = receiver.calls('concurrent').slice(before);
    expect(new Set(calls.map((c) => c.messageId)).size).toBe(calls.length); // no call twice
    expect(calls.map(keyOfReceived).sort()).toEqual(expected.t2);
    const outputs = [a, b].filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout) as { delivered: Record<string, number> });
    expect(outputs.filter((o) => (o.delivered.hook ?? 0) > 0).length).toBe(1);
    const loser = [a, b].find((r) => r.code !== 0);
    if (loser) expect(loser.stderr).toMatch(/state_locked|warehouse_unreachable|lock/);
  }, 120_000);
});
