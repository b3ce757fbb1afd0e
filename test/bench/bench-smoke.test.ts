// CI smoke test of `npm run bench`: at a tiny scale factor every ratio is computed and every
// hand-written answer agrees with quorum's (referenceRatios throws otherwise). Benchmarks are not
// timed tests: nothing here asserts on a duration.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { benchCatalog, loadBenchProject, manyDisagreeWithOne, manyVersusOne, referenceRatios, singleRuns } from '../../bench/measure.js';
import { generateScaleWarehouse, scaleSizes, scaleWarehouseSql } from '../../bench/scale-generator.js';
import { REFERENCE_DEFINITIONS } from '../../bench/reference-queries.js';

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

  it('computes the reference ratios on Postgres (PGlite) with the same rows', async () => {
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
    } finally {
      await source.close();
      await pg.close();
    }
  });
});
