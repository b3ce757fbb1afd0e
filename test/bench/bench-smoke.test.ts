// CI smoke test of `npm run bench`: at a tiny scale factor every ratio is computed and every
// hand-written answer agrees with quorum's (referenceRatios throws otherwise). Benchmarks are not
// timed tests: nothing here asserts on a duration.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { benchCatalog, loadBenchProject, manyDisagreeWithOne, manyVersusOne, referenceRatios, singleRuns } from '../../bench/measure.js';
import { generateScaleWarehouse, scaleSizes, scaleWarehouseSql } from '../../bench/scale-generator.js';
import { REFERENCE_DEFINITIONS } from '../../bench/reference-queries.js';
import { incrementalFigure, incrementalRows, snapshotDifference } from '../../bench/incremental-bench.js';

describe('bench smoke (SF 0.005)', () => {
  it('generates the scale warehouse with set-based SQL at the requested size', async () => {
    expect(scaleSizes(1)).toEqual({ accounts: 10_000, users: 100_000, events: 10_000_000 });
    expect(scaleWarehouseSql({ sf: 10 }).join('\n')).toContain('range(1, 1000001)');
  });

  it('computes every ratio on DuckDB, and the hand-written answers agree with quorum', async () => {
    const connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      const stats = await generateScaleWarehouse(connection.connection, { sf: 0.005 });
      expect(stats.tables.tracks).toBe(50_000);
      expect(stats.accounts).toBeGreaterThan(20);
      const project = await loadBenchProject();
      expect(project.definitions).toHaveLength(50);
      const catalog = await benchCatalog(connection, project);
      const refs = await referenceRatios(connection, 'duckdb', project, catalog, 1);
      expect(refs.map((r) => r.name)).toEqual(REFERENCE_DEFINITIONS.map((r) => r.name));
      for (const r of refs) {
        expect(Number.isFinite(r.ratio) && r.ratio > 0).toBe(true);
        expect(r.rows).toBeGreaterThan(0);
      }
      // Work shared between definitions must not change any answer.
      expect(await manyDisagreeWithOne(connection, project, catalog)).toEqual([]);
      const many = await manyVersusOne(connection, project, catalog, 1);
      expect(many.definitions).toBe(50);
      expect(many.singles.map((x) => x.name).sort()).toEqual(project.definitions.map((d) => d.name).sort());
      const single = singleRuns(many);
      for (const ms of [many.manyMs, single.cheapest.ms, single.median, single.heaviest.ms]) expect(ms).toBeGreaterThan(0);
      expect(single.cheapest.ms).toBeLessThanOrEqual(single.heaviest.ms);
    } finally {
      await connection.close();
    }
  });

  it('computes the reference ratios and the 50 / 1 runs on Postgres (PGlite) with the same rows', async () => {
    const { PgliteConnection } = await import('../../dialects/postgres/pglite-connection.js');
    const { postgres } = await import('../../dialects/postgres/index.js');
    const { copyToPglite } = await import('../../bench/scale-generator.js');
    // The copy goes through a CSV file, so the source is the bench's own DuckDB, not a sandboxed
    // session of the connector (external access off).
    const instance = await DuckDBInstance.create(':memory:');
    const source = new DuckDbConnection(duckdb, instance, await instance.connect());
    const pg = await PgliteConnection.open(postgres);
    try {
      await generateScaleWarehouse(source.connection, { sf: 0.002 });
      await copyToPglite(source.connection, pg.db as never);
      const project = await loadBenchProject();
      const catalog = await benchCatalog(pg, project);
      const refs = await referenceRatios(pg, 'postgres', project, catalog, 1);
      expect(refs).toHaveLength(REFERENCE_DEFINITIONS.length);
      expect(await manyDisagreeWithOne(pg, project, catalog)).toEqual([]);
      // as `npm run bench` stages them: one statement a call, which the connector enforces
      const many = await manyVersusOne(pg, project, catalog, 1);
      expect(many.singles).toHaveLength(50);
    } finally {
      await source.close();
      await pg.close();
    }
  });

  // Whole `quorum run` processes (bin/quorum.js, so dist/ must be built: `npm test` builds first).
  it('computes the incremental section, and the incremental run answers as run --full and the engine off do', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quorum-bench-smoke-'));
    try {
      const file = path.join(dir, 'scale.duckdb');
      const instance = await DuckDBInstance.create(file);
      const connection = await instance.connect();
      await generateScaleWarehouse(connection, { sf: 0.005 });
      connection.closeSync();
      instance.closeSync();

      // Throws when a copy's snapshots differ from run --full's, or a run is not in the mode it is measured as.
      const figure = await incrementalFigure(0.005, file, { reps: 1, singles: ['logins_past_30_days'] });
      const [pair] = figure.pairs;
      expect(figure.added).toBeGreaterThan(0);
      expect(pair.compared).toBeGreaterThan(0);
      expect(figure.first.modes).toEqual({ 'full (first_run)': 6 });
      expect(pair.runs.incremental.modes).toEqual({ incremental: 6 });
      expect(pair.runs.full.modes).toEqual({ 'full (requested)': 6 });
      expect(pair.runs.off.modes).toEqual({ 'full (disabled)': 6 });
      // the incremental run reads the new rows and the edges of windows, not the history
      expect(pair.runs.incremental.rowsRead).toBeGreaterThan(0);
      expect(pair.runs.incremental.rowsRead).toBeLessThan(pair.runs.full.rowsRead);
      expect(figure.many?.many[0].modes.incremental).toBeGreaterThan(0);
      expect(figure.many?.singles[0].runs[0].modes).toEqual({ incremental: 1 });
      const rows = incrementalRows(figure);
      expect(rows).toHaveLength(14);
      for (const [what, value] of rows) expect(value, what).toMatch(/^(\d+\.\d\dx|\d+\.\d\d s|agree)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('computes the whole runs on Postgres (PGlite) after the first, and the incremental run answers as the engine off does', async () => {
    const { pgliteRunsFigure, pgliteRunsRows } = await import('../../bench/pglite-runs.js');
    const figure = await pgliteRunsFigure(0.005, 1);
    expect(figure.modes.incremental).toEqual({ incremental: 6 });
    expect(figure.modes.engineOff).toEqual({ full: 6 });
    expect(figure.modes.indexed).toEqual({ incremental: 6 });
    expect(figure.indexedMs).toHaveLength(1);
    expect(figure.changes).toBeGreaterThan(0);
    expect(figure.snapshotRows).toBeGreaterThan(0);
    expect(figure.agree).toBe(true);
    const rows = pgliteRunsRows(figure);
    expect(rows).toHaveLength(4);
    for (const [what, value] of rows) expect(value, what).toMatch(/^(\d+\.\d\dx|agree)$/);
  }, 600_000);

  it('finds a snapshot value or account user that differs between two states', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quorum-bench-smoke-'));
    try {
      for (const [name, value, user] of [['a', '3', 'u1'], ['b', '4', 'u2']]) {
        mkdirSync(path.join(dir, name));
        const instance = await DuckDBInstance.create(path.join(dir, name, 'warehouse.duckdb'));
        const c = await instance.connect();
        await c.run(`CREATE SCHEMA s; CREATE TABLE s.snapshots (definition TEXT, entity_id TEXT, value TEXT); CREATE TABLE s.snapshot_users (definition TEXT, entity_id TEXT, user_id TEXT, position INTEGER)`);
        await c.run(`INSERT INTO s.snapshots VALUES ('t', 'e1', '1'), ('t', 'e2', '${value}'); INSERT INTO s.snapshot_users VALUES ('a', 'acc', '${user}', 1)`);
        c.closeSync();
        instance.closeSync();
      }
      expect(await snapshotDifference(path.join(dir, 'a'), path.join(dir, 'a'), 's')).toEqual({ compared: 3, differing: 0 });
      expect(await snapshotDifference(path.join(dir, 'a'), path.join(dir, 'b'), 's')).toEqual({ compared: 3, differing: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
