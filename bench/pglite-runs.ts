// Whole runs on Postgres (PGlite, in process), after the first one: the run a schedule makes there.
// The statements of the PGlite section above time one query each; a run's state writes, its diff
// and its incremental refresh only show in a run that has a state to build on. Without this, a
// change set that Postgres planned as one row cost 48 s where 5 were due, and no bench saw it
// (BENCHMARKS.md, "Postgres: the change set's statistics").
//
// The scale warehouse at `sf`, cut as it stood at SECOND_AS_OF, goes into PGlite; the bench's six
// definitions (incremental.enabled) make a first run there; then APPENDED lands (1% new rows, 5%
// late) and PGlite's data directory is kept. Each repetition loads it into a fresh PGlite and runs
// at THIRD_AS_OF three times, rotating: incremental, with the engine off (the same diff and state
// writes after a full recomputation), and incremental again on a copy of the data directory whose
// source tables have a btree index on the arrival column and one on the event time (made after the
// first run, untimed, like an index the loader keeps up). Without them Postgres reads each source
// table whole in every statement that looks for the rows new to a run. The three snapshots must be
// the same.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PGlite } from '@electric-sql/pglite';
import { dialectNamed } from '../dialects/registry.js';
import { loadProject } from '../src/definitions/load-project.js';
import type { Project } from '../src/definitions/model.js';
import { readCatalog } from '../src/evaluation/evaluate.js';
import { runThenVerify } from '../src/sync/run-and-verify.js';
import type { WarehouseConnection } from '../src/warehouse/connection.js';
import { appendRows } from './append-rows.js';
import { asItStood } from './incremental-bench.js';
import { median } from './measure.js';
import { APPENDED, writeRunDefinitions } from './run-stages-bench.js';
import { appendToPglite, copyToPglite, generateScaleWarehouse, SCALE_SCHEMA, type PgliteLike } from './scale-generator.js';

export interface PgliteRunsFigure {
  readonly sf: number;
  readonly firstMs: number;
  readonly incrementalMs: readonly number[];
  readonly engineOffMs: readonly number[];
  /** incremental, the source tables indexed on received_at and on timestamp */
  readonly indexedMs: readonly number[];
  /** entered + exited + changed of the measured run */
  readonly changes: number;
  /** the measured runs' definitions per mode, e.g. { incremental: 6 } and { full: 6 } */
  readonly modes: { readonly incremental: Readonly<Record<string, number>>; readonly engineOff: Readonly<Record<string, number>>; readonly indexed: Readonly<Record<string, number>> };
  /** snapshot and snapshot-user rows, identical after the three runs */
  readonly snapshotRows: number;
  readonly agree: boolean;
}

interface Opened {
  readonly db: PGlite;
  readonly connection: WarehouseConnection;
}

async function open(data?: Blob): Promise<Opened> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PgliteConnection } = await import('../dialects/postgres/pglite-connection.js');
  const { postgres } = await import('../dialects/postgres/index.js');
  const db = await PGlite.create(data === undefined ? {} : { loadDataDir: data });
  await db.exec("SET TIME ZONE 'UTC'");
  return { db, connection: new PgliteConnection(postgres, db) };
}

async function timedRun(connection: WarehouseConnection, project: Project, asOf: string): Promise<{ ms: number; changes: number; modes: Record<string, number> }> {
  const catalog = await readCatalog(connection, project);
  const session = { project, connection, catalog, diagnostics: [], close: async () => undefined };
  const started = performance.now();
  const output = await runThenVerify({ ...session, asOf, definitions: project.definitions.map((d) => d.name), countRowsRead: false });
  const ms = performance.now() - started;
  if (Object.keys(output.failed).length > 0) throw new Error(`a PGlite run failed: ${JSON.stringify(output.failed)}`);
  const modes: Record<string, number> = {};
  for (const d of output.definitions) modes[d.mode ?? 'none'] = (modes[d.mode ?? 'none'] ?? 0) + 1;
  return { ms, changes: output.definitions.reduce((sum, d) => sum + d.entered + d.exited + d.changed, 0), modes };
}

/** An md5 over the sorted snapshot and snapshot-user rows, and their number. */
async function snapshotDigest(connection: WarehouseConnection): Promise<{ rows: number; digest: string }> {
  const rows = await connection.query(
    `SELECT 's' AS t, definition, entity_id, COALESCE(value, '') AS v FROM quorum_state.snapshots
     UNION ALL SELECT 'u', definition, entity_id, user_id || ':' || position FROM quorum_state.snapshot_users
     ORDER BY 1, 2, 3, 4`,
  );
  const hash = createHash('md5');
  for (const r of rows) hash.update(`${r.t}\u0000${r.definition}\u0000${r.entity_id}\u0000${r.v}\n`);
  return { rows: rows.length, digest: hash.digest('hex') };
}

function projectDir(engine: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-pglite-runs-'));
  writeRunDefinitions(dir);
  appendFileSync(path.join(dir, 'quorum.yml'), `incremental:\n  enabled: ${engine}\n`);
  writeFileSync(path.join(dir, 'warehouse.duckdb'), ''); // never opened: the runs here are given PGlite
  return dir;
}

async function loadRunProject(dir: string): Promise<Project> {
  const loaded = await loadProject(dir, { dialects: dialectNamed });
  if (!loaded.project) throw new Error(`the bench's run project in ${dir} does not load`);
  return loaded.project;
}

/** The columns an incremental run's reads of new rows filter on (the bench project's arrival column and event time). */
const INDEXED_COLUMNS = ['received_at', 'timestamp'] as const;

async function indexSourceTables(db: PGlite): Promise<void> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = ANY($2) ORDER BY 1`,
    [SCALE_SCHEMA, [...INDEXED_COLUMNS]],
  );
  for (const { table_name } of tables.rows) {
    for (const column of INDEXED_COLUMNS) await db.exec(`CREATE INDEX ON "${SCALE_SCHEMA}"."${table_name}" ("${column}")`);
  }
  await db.exec('ANALYZE');
}

export async function pgliteRunsFigure(sf: number, reps: number): Promise<PgliteRunsFigure> {
  const dirs = [projectDir(true), projectDir(false)];
  try {
    const [incremental, engineOff] = await Promise.all(dirs.map(loadRunProject));
    const duck = await DuckDBInstance.create(':memory:');
    const raw = await duck.connect();
    let first: Opened | null = null;
    let data: Blob;
    let indexedData: Blob;
    let firstMs: number;
    try {
      await generateScaleWarehouse(raw, { sf });
      await asItStood(raw, APPENDED.since);
      first = await open();
      await copyToPglite(raw, first.db as unknown as PgliteLike);
      firstMs = (await timedRun(first.connection, incremental, APPENDED.since)).ms;
      await appendRows(raw, APPENDED);
      await appendToPglite(raw, first.db as unknown as PgliteLike, APPENDED.batch);
      data = await first.db.dumpDataDir('none');
      await indexSourceTables(first.db);
      indexedData = await first.db.dumpDataDir('none');
    } finally {
      raw.closeSync();
      duck.closeSync();
      await first?.db.close();
    }
    // incremental, engine off, incremental on the indexed tables
    const runs = [
      { project: incremental, data },
      { project: engineOff, data },
      { project: incremental, data: indexedData },
    ];
    const times = runs.map((): number[] => []);
    const digests = runs.map(() => new Set<string>());
    let changes = 0;
    let snapshotRows = 0;
    const modes = runs.map((): Record<string, number> => ({}));
    for (let r = 0; r < reps; r += 1) {
      // each mode first, second and third in turn
      for (const k of [0, 1, 2].map((i) => (i + r) % 3)) {
        const opened = await open(runs[k].data);
        try {
          const measured = await timedRun(opened.connection, runs[k].project, APPENDED.arrived);
          times[k].push(measured.ms);
          changes = measured.changes;
          modes[k] = measured.modes;
          const digest = await snapshotDigest(opened.connection);
          snapshotRows = digest.rows;
          digests[k].add(digest.digest);
        } finally {
          await opened.db.close();
        }
      }
    }
    const agree = new Set(digests.flatMap((d) => [...d])).size === 1;
    return { sf, firstMs, incrementalMs: times[0], engineOffMs: times[1], indexedMs: times[2], changes, modes: { incremental: modes[0], engineOff: modes[1], indexed: modes[2] }, snapshotRows, agree };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function pgliteRunsRows(f: PgliteRunsFigure): [string, string, string][] {
  const inc = median(f.incrementalMs);
  const off = median(f.engineOffMs);
  const indexed = median(f.indexedMs);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const label = `pglite: a run after ${(APPENDED.fraction * 100).toFixed(0)}% new rows (${(APPENDED.late * 100).toFixed(0)}% late), SF${f.sf}, in process`;
  return [
    [`${label}: incremental / engine off`, `${(inc / off).toFixed(2)}x`, `${s(inc)} vs ${s(off)}; medians of ${f.incrementalMs.length}; ${f.changes.toLocaleString('en')} changes`],
    [`${label}: incremental on indexed tables / engine off`, `${(indexed / off).toFixed(2)}x`, `${s(indexed)}; btree indexes on ${INDEXED_COLUMNS.join(' and ')} of every source table; ${(indexed / inc).toFixed(2)}x the incremental run without them`],
    [`${label}: incremental / the first run (full, builds the kept state)`, `${(inc / f.firstMs).toFixed(2)}x`, `first run ${s(f.firstMs)}`],
    [`${label}: answers of incremental and engine off`, f.agree ? 'agree' : 'DIFFER', `${f.snapshotRows.toLocaleString('en')} snapshot rows (values, members, account users), the same after all three modes`],
  ];
}
