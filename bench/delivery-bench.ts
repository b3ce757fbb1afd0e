// Delivery throughput (issue 4): `quorum run` delivers N changes to a local Segment-speaking
// /v1/batch receiver on 127.0.0.1, reported as calls per second and the peak RSS of the quorum
// process. Three processes: this one orchestrates, the receiver is a child (node:http, a real
// server; its memory is not counted) and the quorum side is another child, so its peak RSS is its
// own and not the bench's.
//
// The changes are real: a DuckDB warehouse of N generated users, a user-level audience that all of
// them meet, and the first run, in which everybody enters (one identify call each, as Engage's first
// sync sends). The whole of `run()` happens in the child: evaluation, staging, the diff and the outbox
// in the warehouse, then delivery. Calls per second is over the delivery stage alone; the total run
// time is printed beside it.
//
// The same on PostgreSQL over the wire (QUORUM_BENCH_POSTGRES_URL, e.g. from .ci/start-postgres.sh):
// there the warehouse is a separate server, as Postgres, Snowflake and BigQuery are in production, so
// the quorum process's RSS is quorum's own; with the embedded DuckDB it includes DuckDB's buffers,
// which hold the outbox transaction's data. The source rows are generated inside Postgres
// (generate_series), in a database of their own that is dropped afterwards.
//
//   node dist/bench/delivery-bench.js                    the tables for 100,000 and 1,000,000 changes
//   node dist/bench/delivery-bench.js 250000             other counts
//   node dist/bench/delivery-bench.js --only postgres    one warehouse (duckdb | postgres)
//   (roles, internal) receiver | quorum <dir>
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { writeAdminWarehouse } from './admin-warehouse.js';
import { timeStatements } from './statement-timer.js';

export const DELIVERY_COUNTS = [100_000, 1_000_000] as const;
export const DELIVERY_GOALS = { callsPerSecond: 20_000, rssMb: 300 } as const;

export type DeliveryWarehouse = 'duckdb' | 'postgres';

export interface DeliveryFigure {
  readonly warehouse: DeliveryWarehouse;
  readonly changes: number;
  readonly received: number;
  readonly distinct: number;
  readonly requests: number;
  readonly deliverMs: number;
  readonly runMs: number;
  readonly callsPerSecond: number;
  /** peak RSS of the quorum process over the whole run (the embedded DuckDB included) */
  readonly rssMb: number;
  /** peak JS heap (used) over the whole run, sampled every 20 ms */
  readonly heapMb: number;
  /** peak RSS and JS heap while delivering */
  readonly deliverRssMb: number;
  readonly deliverHeapMb: number;
}

// ---------------------------------------------------------------------------------------------
// The receiver: POST /v1/batch, gzip or not; counts calls and distinct messageIds; answers 200.

function receiverRole(): void {
  let calls = 0;
  let requests = 0;
  const ids = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = JSON.parse(raw.toString('utf8')) as { batch: { messageId: string }[] };
      requests += 1;
      calls += body.batch.length;
      for (const call of body.batch) ids.add(call.messageId);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message: { report?: boolean }) => {
    if (message.report) process.send!({ calls, requests, distinct: ids.size });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The quorum side: one `run()` over the project, timing the delivery stage.

async function quorumRole(dir: string): Promise<void> {
  const { dialectNamed } = await import('../dialects/registry.js');
  const { openSession } = await import('../src/evaluation/session.js');
  const { run } = await import('../src/sync/run.js');
  const session = await openSession(dir, dialectNamed);
  if (process.env.QUORUM_BENCH_STATEMENTS) {
    // Statement timings on stderr, for finding what a run spends its time on.
    timeStatements(session.connection, ['query', 'execute'], (sql, ms) => {
      if (ms > Number(process.env.QUORUM_BENCH_STATEMENTS))
        process.stderr.write(`${ms.toFixed(0).padStart(7)} ms ${(process.memoryUsage().rss / 2 ** 20).toFixed(0).padStart(5)} MB  ${sql.replace(/\s+/g, ' ').slice(0, 160)}\n`);
    });
  }
  if (process.env.QUORUM_BENCH_DUCKDB_MEMORY)
    await session.connection.execute(`SET memory_limit = '${process.env.QUORUM_BENCH_DUCKDB_MEMORY}'`);
  const started = performance.now();
  let deliverAt = 0;
  // RSS and JS heap sampled while delivering: the delivery's own footprint, beside the peak of the
  // whole process (which includes the embedded DuckDB writing the outbox).
  let delivering = false;
  let deliverRss = 0;
  let deliverHeap = 0;
  let heap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    if (!delivering) return;
    deliverRss = Math.max(deliverRss, m.rss);
    deliverHeap = Math.max(deliverHeap, m.heapUsed);
  }, 20);
  try {
    const output = await run({
      ...session,
      asOf: '2024-06-01T00:00:00Z',
      definitions: session.project.definitions.map((d) => d.name),
      onStage: (stage, detail) => {
        if (process.env.QUORUM_BENCH_STAGES)
          process.stderr.write(
            `stage ${stage}${detail ? ` ${detail}` : ''} at ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`,
          );
        if (stage === 'deliver' && detail === undefined) {
          deliverAt = performance.now();
          delivering = true;
        }
      },
    });
    const ended = performance.now();
    clearInterval(sampler);
    if (output.errors.length > 0) throw new Error(output.errors.join('; '));
    process.send!({
      delivered: output.delivered.receiver ?? 0,
      deliverMs: ended - deliverAt,
      runMs: ended - started,
      rssMb: process.resourceUsage().maxRSS / 1024,
      heapMb: Math.max(heap, process.memoryUsage().heapUsed) / 2 ** 20,
      deliverRssMb: deliverRss / 2 ** 20,
      deliverHeapMb: deliverHeap / 2 ** 20,
    });
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

/** A warehouse of `users` users in the Segment layout, all of them Admins: DuckDB in `dir`, or a Postgres database. */
async function writeProject(dir: string, users: number, endpoint: string, warehouse: Warehouse): Promise<void> {
  await mkdir(path.join(dir, 'audiences'), { recursive: true });
  await writeFile(
    path.join(dir, 'quorum.yml'),
    [
      warehouse.kind === 'duckdb' ? 'warehouse:\n  type: duckdb\n  path: warehouse.duckdb' : `warehouse:\n  type: postgres\n  url: ${warehouse.url}`,
      'source:\n  preset: segment\n  schema: app\n  event_time: timestamp',
      'state:\n  schema: quorum_state',
      `destinations:\n  receiver:\n    type: segment\n    write_key: bench_write_key\n    endpoint: ${endpoint}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'audiences', 'admins.yml'),
    'audience: admins\nlevel: user\nwhere:\n  - { trait: role, equals: Admin }\nsync:\n  - to: receiver\n    calls: [identify]\n',
  );
  if (warehouse.kind === 'postgres') return writePostgres(warehouse.url, users);
  await writeAdminWarehouse(path.join(dir, 'warehouse.duckdb'), users);
}

type Warehouse = { kind: 'duckdb' } | { kind: 'postgres'; url: string };

/** The same tables in Postgres, generated by the server (generate_series): no row passes through JS. */
async function writePostgres(url: string, users: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA app');
    await client.query(
      `CREATE TABLE app.identifies AS SELECT 'i' || i AS id, 'user-' || lpad(i::text, 8, '0') AS user_id, NULL::text AS anonymous_id,
         TIMESTAMP '2024-01-01' + (i % 1000) * INTERVAL '1 minute' AS timestamp, TIMESTAMP '2024-01-01' + (i % 1000) * INTERVAL '1 minute' AS received_at,
         'Admin'::text AS role, 'user' || i || '@example.com' AS email FROM generate_series(0, ${users - 1}) AS t(i)`,
    );
    await client.query('CREATE TABLE app.groups (id text, user_id text, anonymous_id text, group_id text, timestamp timestamp, received_at timestamp, plan text)');
    await client.query(
      'CREATE TABLE app.tracks (id text, user_id text, anonymous_id text, event text, event_text text, timestamp timestamp, received_at timestamp, context_group_id text)',
    );
    await client.query('ANALYZE app.identifies');
  } finally {
    await client.end();
  }
}

/** A database of its own on the server at `url` for one measurement; `drop` removes it. */
async function scratchDatabase(url: string, changes: number): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `quorum_delivery_bench_${process.pid}_${changes}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

const self = fileURLToPath(import.meta.url);

function once<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code} before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

export async function deliveryFigure(changes: number, warehouse: DeliveryWarehouse = 'duckdb'): Promise<DeliveryFigure> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quorum-delivery-bench-'));
  const receiver = fork(self, ['receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let scratch: { url: string; drop: () => Promise<void> } | null = null;
  try {
    const { port } = await once<{ port: number }>(receiver);
    if (warehouse === 'postgres') {
      const url = process.env.QUORUM_BENCH_POSTGRES_URL;
      if (!url) throw new Error('QUORUM_BENCH_POSTGRES_URL is not set');
      scratch = await scratchDatabase(url, changes);
    }
    await writeProject(dir, changes, `http://127.0.0.1:${port}`, scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'duckdb' });
    const profile = process.env.QUORUM_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.QUORUM_BENCH_CPU_PROF}`] : [];
    const quorum = fork(self, ['quorum', dir], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...process.execArgv, ...profile],
    });
    const result = await once<{
      delivered: number;
      deliverMs: number;
      runMs: number;
      rssMb: number;
      heapMb: number;
      deliverRssMb: number;
      deliverHeapMb: number;
    }>(quorum);
    await new Promise((resolve) => quorum.once('exit', resolve));
    receiver.send({ report: true });
    const seen = await once<{ calls: number; requests: number; distinct: number }>(receiver);
    return {
      warehouse,
      changes,
      received: seen.calls,
      distinct: seen.distinct,
      requests: seen.requests,
      deliverMs: result.deliverMs,
      runMs: result.runMs,
      callsPerSecond: result.delivered / (result.deliverMs / 1000),
      rssMb: result.rssMb,
      heapMb: result.heapMb,
      deliverRssMb: result.deliverRssMb,
      deliverHeapMb: result.deliverHeapMb,
    };
  } finally {
    receiver.kill();
    await rm(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

export type DeliveryRow = [string, string, string];

const WAREHOUSE_LABEL: Record<DeliveryWarehouse, string> = {
  duckdb: 'DuckDB, embedded (in the quorum process)',
  postgres: 'PostgreSQL over the wire (a separate server)',
};

/** The bench's rows: calls per second, peak RSS and JS heap at each count, for one warehouse. */
export function deliveryRows(figures: readonly DeliveryFigure[]): DeliveryRow[] {
  const rows: DeliveryRow[] = [];
  for (const f of figures) {
    const label = `${f.changes.toLocaleString('en')} changes, ${f.warehouse}`;
    const lost = f.distinct === f.changes ? 'all received' : `RECEIVED ${f.distinct.toLocaleString('en')} DISTINCT`;
    rows.push([
      `deliver ${label} to /v1/batch on 127.0.0.1`,
      `${Math.round(f.callsPerSecond).toLocaleString('en')}/s`,
      `goal >= ${DELIVERY_GOALS.callsPerSecond.toLocaleString('en')}/s; ${(f.deliverMs / 1000).toFixed(1)} s delivering, ${(f.runMs / 1000).toFixed(1)} s the whole run; ${f.requests} requests; ${lost}`,
    ]);
    rows.push([
      `peak RSS of the quorum process, whole run, ${label}`,
      `${f.rssMb.toFixed(0)} MB`,
      `goal < ${DELIVERY_GOALS.rssMb} MB, flat as the count grows; JS heap peak ${f.heapMb.toFixed(0)} MB` +
        (f.warehouse === 'duckdb' ? '; includes the embedded DuckDB, which holds the outbox transaction in its buffers' : ''),
    ]);
    rows.push([
      `peak RSS of the quorum process while delivering, ${label}`,
      `${f.deliverRssMb.toFixed(0)} MB`,
      `JS heap peak while delivering ${f.deliverHeapMb.toFixed(0)} MB`,
    ]);
  }
  return rows;
}

/** Figures for each count on one warehouse. */
export async function deliveryBenchmark(
  counts: readonly number[] = DELIVERY_COUNTS,
  warehouse: DeliveryWarehouse = 'duckdb',
): Promise<{ figures: DeliveryFigure[]; rows: DeliveryRow[] }> {
  const figures: DeliveryFigure[] = [];
  for (const n of counts) figures.push(await deliveryFigure(n, warehouse));
  return { figures, rows: deliveryRows(figures) };
}

/** The figures side by side, as the markdown table in BENCHMARKS.md. */
export function deliveryTable(figures: readonly DeliveryFigure[]): string {
  const lines = [
    '| warehouse | changes | calls/s | delivering | whole run | peak RSS, whole run | peak RSS, delivering | peak JS heap, whole run | received |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const f of figures)
    lines.push(
      `| ${f.warehouse === 'duckdb' ? 'DuckDB (embedded)' : 'PostgreSQL (over the wire)'} | ${f.changes.toLocaleString('en')} | ${Math.round(f.callsPerSecond).toLocaleString('en')} | ${(f.deliverMs / 1000).toFixed(1)} s | ${(f.runMs / 1000).toFixed(1)} s | ${f.rssMb.toFixed(0)} MB | ${f.deliverRssMb.toFixed(0)} MB | ${f.heapMb.toFixed(0)} MB | ${f.distinct === f.changes ? 'all' : `${f.distinct.toLocaleString('en')} distinct`} |`,
    );
  return lines.join('\n');
}

/**
 * Prints the delivery section the way run-bench.ts prints its own: the embedded DuckDB, then
 * PostgreSQL over the wire when QUORUM_BENCH_POSTGRES_URL is set (a skip line otherwise).
 */
export async function printDeliveryBenchmark(
  counts: readonly number[] = DELIVERY_COUNTS,
  warehouses: readonly DeliveryWarehouse[] = ['duckdb', 'postgres'],
): Promise<DeliveryFigure[]> {
  const all: DeliveryFigure[] = [];
  process.stdout.write('\ndelivery: quorum run, first run of a user-level audience (everyone enters), one identify call per change\n');
  for (const warehouse of warehouses) {
    process.stdout.write(`\n  ${WAREHOUSE_LABEL[warehouse]}\n`);
    if (warehouse === 'postgres' && !process.env.QUORUM_BENCH_POSTGRES_URL) {
      process.stdout.write(
        '  skipped: QUORUM_BENCH_POSTGRES_URL is not set (export QUORUM_BENCH_POSTGRES_URL=$(bash .ci/start-postgres.sh) to measure quorum with the warehouse out of process)\n',
      );
      continue;
    }
    const { figures, rows } = await deliveryBenchmark(counts, warehouse);
    all.push(...figures);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [what, figure, note] of rows) process.stdout.write(`  ${what.padEnd(width)}  ${figure.padStart(9)}  ${note}\n`);
  }
  if (all.length > 0) process.stdout.write(`\n${deliveryTable(all)}\n`);
  return all;
}

const role = process.argv[1] && path.resolve(process.argv[1]) === self ? process.argv[2] : undefined;
if (role === 'receiver') receiverRole();
else if (role === 'quorum') await quorumRole(process.argv[3]);
else if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  const only = args.indexOf('--only');
  const warehouses: DeliveryWarehouse[] = only >= 0 ? [args[only + 1] as DeliveryWarehouse] : ['duckdb', 'postgres'];
  const counts = args.map(Number).filter((n) => n > 0);
  await printDeliveryBenchmark(counts.length > 0 ? counts : DELIVERY_COUNTS, warehouses);
}
