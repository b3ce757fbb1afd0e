import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { arbDataset, arbScenario } from '../support/arbitraries.js';
import { loadDataset, runSqlTraits } from '../support/load-duckdb.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

async function connect() {
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

describe('arbitraries', () => {
  it('produce datasets that load into DuckDB with every row', async () => {
    const connection = await connect();
    const samples = fc.sample(arbDataset(), { numRuns: 25, seed: 42 });
    for (const dataset of samples) {
      await loadDataset(connection, dataset);
      for (const [name, table] of Object.entries(dataset.tables)) {
        const result = await connection.runAndReadAll(`select count(*)::integer as n from app."${name}"`);
        expect(result.getRowObjectsJS()[0].n).toBe(table.rows.length);
      }
    }
    connection.closeSync();
  });

  it('round-trips hostile strings and timestamps exactly', async () => {
    const connection = await connect();
    let checked = 0;
    for (const dataset of fc.sample(arbDataset({ identifies: 40 }), { numRuns: 20, seed: 7 })) {
      await loadDataset(connection, dataset);
      const result = await connection.runAndReadAll(
        `select id, email, strftime(timestamp, '%Y-%m-%dT%H:%M:%SZ') as ts from app.identifies`,
      );
      const byId = new Map(result.getRowObjectsJS().map((r) => [r.id, r]));
      for (const row of dataset.tables.identifies.rows) {
        const loaded = byId.get(row.id as string)!;
        expect(loaded.email).toBe(row.email);
        expect(loaded.ts).toBe(row.timestamp);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(50);
    connection.closeSync();
  });

  it('produce scenarios the reference evaluator accepts (names resolve, levels agree, no cycles)', async () => {
    const connection = await connect();
    await fc.assert(
      fc.asyncProperty(arbScenario(), async ({ project, dataset, asOf }) => {
        await loadDataset(connection, dataset);
        const sql = await runSqlTraits(connection, project, asOf);
        const results = evaluateReference(project, dataset, asOf, { sqlTraitRows: sql.rows, sqlTraitColumnTypes: sql.types });
        expect(results.size).toBe(project.definitions.length);
      }),
      { numRuns: 150, seed: PROPERTY_SEED },
    );
    connection.closeSync();
  });
});
