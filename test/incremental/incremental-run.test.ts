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
import { DEFINITIONS, datasetUpTo, history, type Batch } from '../support/incremental-history.js';
import { loadDataset } from '../support/load-duckdb.js';

/** Each run's counts per definition, with and without partials, on twin warehouses. */
async function expectSameAsFullRuns(batches: readonly Batch[]): Promise<DuckDbConnection[]> {
  const project = {
    ...makeProject(DEFINITIONS),
    config: { ...makeProject(DEFINITIONS).config, identity: { stitch: 'anonymous_id' as const, conflict: 'first' as const } },
  };
  const targets = project.definitions.map((d) => d.name);
  const open = async () => (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
  const [full, incremental] = [await open(), await open()];
  try {
    for (let k = 0; k < batches.length; k += 1) {
      const counts = [];
      for (const [connection, mode] of [
        [full, false],
        [incremental, true],
      ] as const) {
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
        counts.push(
          output.definitions.map((d) => ({ name: d.name, size: d.size, entered: d.entered, exited: d.exited, changed: d.changed })),
        );
      }
      expect(counts[1], `run ${k} as of ${batches[k].asOf}`).toEqual(counts[0]);
      // Counts alone miss a wrong value on an entity that changed either way.
      const values = `SELECT definition, entity_id, value FROM quorum.snapshots ORDER BY definition, entity_id`;
      expect(await incremental.query(values), `values of run ${k}`).toEqual(await full.query(values));
    }
    return [full, incremental];
  } catch (failure) {
    await full.close();
    await incremental.close();
    throw failure;
  }
}

describe('quorum run, incremental', () => {
  it('gives every definition the changes a run without partials gives, run after run', async () => {
    const [full, incremental] = await expectSameAsFullRuns(history());
    try {
      // The partials were kept, and only on the incremental side.
      const kept = await incremental.query('SELECT count(*) AS n FROM quorum.incremental_state');
      expect(Number(kept[0].n)).toBeGreaterThan(0);
      expect((await full.readTables('quorum')).has('incremental_state')).toBe(false);
    } finally {
      await full.close();
      await incremental.close();
    }
  }, 120_000);

  // A replay at a past as_of, or a warehouse that already holds rows stamped after it: the first
  // run sees an arrival value two days ahead of its as_of. A row landing an hour later with an old
  // timestamp is new to the next run only if the watermark was capped at the first run's as_of.
  it('counts a late row that lands behind a row stamped after the previous as_of', async () => {
    const [first] = history();
    const asOf = Date.parse(first.asOf);
    const at = (ms: number) => new Date(ms).toISOString();
    const template = first.logins.find((row) => row.user_id === 'u1')!;
    const ahead = { ...template, id: 'ahead', timestamp: at(asOf + 2 * 86_400_000), received_at: at(asOf + 2 * 86_400_000) };
    const late = { ...template, id: 'late', timestamp: at(asOf - 4 * 86_400_000), received_at: at(asOf + 3_600_000) };
    const batches: Batch[] = [
      { ...first, logins: [...first.logins, ahead] },
      { asOf: at(asOf + 2 * 3_600_000), logins: [late], identifies: [], groups: [] },
    ];
    for (const connection of await expectSameAsFullRuns(batches)) await connection.close();
  }, 120_000);
});
