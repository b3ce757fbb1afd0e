// `quorum run` with `incremental` set (the evaluate step reads partials, refreshed in the run's
// transaction): after every batch of the hand-built history, each definition's size, entered,
// exited and changed counts equal those of a run without it on a twin warehouse.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { incrementalSettings } from '../../src/incremental/incremental-settings.js';
import { run } from '../../src/sync/run.js';
import { makeProject } from '../support/arbitraries.js';
import { DEFINITIONS, datasetUpTo, history } from '../support/incremental-history.js';
import { loadDataset } from '../support/load-duckdb.js';

describe('quorum run, incremental', () => {
  it('gives every definition the changes a run without partials gives, run after run', async () => {
    const project = { ...makeProject(DEFINITIONS), config: { ...makeProject(DEFINITIONS).config, identity: { stitch: 'anonymous_id' as const, conflict: 'first' as const } } };
    const targets = project.definitions.map((d) => d.name);
    const open = async () => (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    const [full, incremental] = [await open(), await open()];
    try {
      const batches = history();
      for (let k = 0; k < batches.length; k += 1) {
        const counts = [];
        for (const [connection, mode] of [[full, false], [incremental, true]] as const) {
          await connection.execute('DROP SCHEMA IF EXISTS app CASCADE');
          await loadDataset(connection.connection, datasetUpTo(batches, k));
          const catalog = await readCatalog(connection, project);
          const output = await run({
            connection,
            project,
            catalog,
            asOf: batches[k].asOf,
            definitions: targets,
            destinations: new Map(),
            allowMassExit: true,
            ...(mode ? { incremental: { settings: incrementalSettings(catalog) } } : {}),
          });
          expect(output.errors).toEqual([]);
          counts.push(output.definitions.map((d) => ({ name: d.name, size: d.size, entered: d.entered, exited: d.exited, changed: d.changed })));
        }
        expect(counts[1], `run ${k} as of ${batches[k].asOf}`).toEqual(counts[0]);
      }
      // The partials were kept, and only on the incremental side.
      const kept = await incremental.query('SELECT count(*) AS n FROM quorum.incremental_state');
      expect(Number(kept[0].n)).toBeGreaterThan(0);
      expect((await full.readTables('quorum')).has('incremental_state')).toBe(false);
    } finally {
      await full.close();
      await incremental.close();
    }
  }, 120_000);
});
