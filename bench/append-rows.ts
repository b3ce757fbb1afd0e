// New rows for a scale warehouse (bench/scale-generator.ts), as a loader would land them between two
// runs: for the incremental section of the bench (issue 15), "a run after 1% new rows, 5% of them
// late". A fraction of each table's rows is copied with a new id and new times, set-based inside
// DuckDB (no row passes through JavaScript), deterministically from (batch, row id):
//
// - on time: `timestamp` uniform in (since, arrived], `received_at` a few seconds later (at most
//   `arrived`), as rows that happened since the last run;
// - late (a `late` fraction of them): `timestamp` up to `lateDays` before `since`, `received_at` in
//   the second half of (since, arrived]: old events that arrive now, which an incremental run must
//   still count in the windows they fall into.
//
// Each copy keeps its source row's user, anonymous id, event and properties, so the new rows have
// the warehouse's own distributions. Per-event tables are subsets of `tracks` (same ids), so the
// copies of each event table are added to `tracks` too; `identifies` and `groups` get their own.
//
//   node dist/bench/append-rows.js <warehouse.duckdb> [--percent 1] [--late 0.05] [--batch 1]
//                                  [--since 2024-06-01T00:00:00Z] [--arrived 2024-06-01T01:00:00Z]
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCALE_AS_OF, SCALE_EVENTS, SCALE_SCHEMA, SCALE_SEED } from './scale-generator.js';

export interface AppendOptions {
  /** the share of each table's rows to add, e.g. 0.01 */
  readonly fraction: number;
  /** the share of the added rows that are late, e.g. 0.05 */
  readonly late: number;
  /** the previous run's as_of: on-time rows happen after it */
  readonly since: string;
  /** when the rows land (the next run's as_of): every added row has arrived by then */
  readonly arrived: string;
  /** distinguishes successive appends (ids and random choices); 1, 2, ... */
  readonly batch?: number;
  /** how far before `since` a late row's `timestamp` may be; default 30 */
  readonly lateDays?: number;
  readonly schema?: string;
  readonly seed?: number;
}

/** Rows added per table. */
export type Appended = Record<string, number>;

const COMMON = ['id', 'user_id', 'anonymous_id', 'event', 'event_text', 'timestamp', 'received_at', 'context_group_id'];

function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

function epochSeconds(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`${what} is not an ISO-8601 instant: ${iso}`);
  return ms / 1000;
}

/** The statements that add the rows; exported for inspection. */
export function appendRowsSql(options: AppendOptions): string[] {
  const { fraction, late } = options;
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`fraction must be in (0, 1], got ${fraction}`);
  if (!(late >= 0 && late <= 1)) throw new Error(`late must be in [0, 1], got ${late}`);
  const since = epochSeconds(options.since, 'since');
  const arrived = epochSeconds(options.arrived, 'arrived');
  if (!(arrived > since)) throw new Error(`arrived (${options.arrived}) must be after since (${options.since})`);
  const batch = options.batch ?? 1;
  const seed = options.seed ?? SCALE_SEED;
  if (!Number.isSafeInteger(batch) || !Number.isSafeInteger(seed)) throw new Error('batch and seed must be integers');
  const lateSeconds = (options.lateDays ?? 30) * 86_400;
  const s = ident(options.schema ?? SCALE_SCHEMA);
  const r = (salt: string) => `((hash(id, '${salt}', ${batch}::BIGINT, ${seed}::BIGINT) % 1000003)::DOUBLE / 1000003.0)`;
  const isLate = `${r('late')} < ${late}`;
  const happened = `CASE WHEN ${isLate} THEN ${since} - ${r('when')} * ${lateSeconds} ELSE ${since} + (1 - ${r('when')}) * ${arrived - since} END`;
  const landed = `CASE WHEN ${isLate} THEN ${arrived} - ${r('landed')} * ${(arrived - since) / 2} ELSE least(${arrived}, (${happened}) + ${r('landed')} * 5) END`;
  const ts = (seconds: string) => `make_timestamp(round((${seconds}) * 1000000)::BIGINT)`;
  const copies = (table: string) =>
    `SELECT * REPLACE ('b${batch}-' || id AS id, ${ts(happened)} AS "timestamp", ${ts(landed)} AS received_at)
     FROM ${s}.${ident(table)} WHERE ${r('pick')} < ${fraction}`;
  const out: string[] = [];
  for (const { table } of SCALE_EVENTS) {
    out.push(`CREATE OR REPLACE TEMP TABLE __append_${table} AS ${copies(table)}`);
    out.push(`INSERT INTO ${s}.${ident(table)} SELECT * FROM __append_${table}`);
    out.push(`INSERT INTO ${s}.tracks (${COMMON.map(ident).join(', ')}) SELECT ${COMMON.map(ident).join(', ')} FROM __append_${table}`);
  }
  for (const table of ['identifies', 'groups']) out.push(`INSERT INTO ${s}.${ident(table)} ${copies(table)}`);
  return out;
}

/** Adds the rows in one transaction and says how many went into each table. */
export async function appendRows(connection: DuckDBConnection, options: AppendOptions): Promise<Appended> {
  const s = ident(options.schema ?? SCALE_SCHEMA);
  const tables = ['identifies', 'groups', 'tracks', ...SCALE_EVENTS.map((e) => e.table)];
  const count = async () => {
    const counts: Appended = {};
    for (const table of tables) {
      const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${s}.${ident(table)}`);
      counts[table] = Number(reader.getRowObjectsJS()[0]!.n);
    }
    return counts;
  };
  const before = await count();
  await connection.run('BEGIN TRANSACTION');
  try {
    for (const sql of appendRowsSql(options)) await connection.run(sql);
    await connection.run('COMMIT');
  } catch (cause) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw cause;
  }
  const after = await count();
  return Object.fromEntries(tables.map((t) => [t, after[t] - before[t]]));
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const file = argv[0];
  if (!file || file.startsWith('--')) throw new Error('usage: append-rows <warehouse.duckdb> [--percent 1] [--late 0.05] [--batch 1] [--since iso] [--arrived iso]');
  const since = value('--since') ?? SCALE_AS_OF;
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  const added = await appendRows(connection, {
    fraction: Number(value('--percent') ?? 1) / 100,
    late: Number(value('--late') ?? 0.05),
    since,
    arrived: value('--arrived') ?? new Date(Date.parse(since) + 3_600_000).toISOString(),
    batch: Number(value('--batch') ?? 1),
  });
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(`${JSON.stringify(added)}\n`);
}
