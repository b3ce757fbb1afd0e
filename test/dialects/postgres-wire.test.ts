// The Postgres connector (knex + pg) over the wire, against a real PostgreSQL server: `.ci/run`
// starts one (Debian's postgresql) and sets QUORUM_TEST_POSTGRES_URL; without it this is skipped.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { postgres } from '../../dialects/postgres/index.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { differences } from '../support/compare-results.js';
import { COVERAGE_AS_OF, COVERAGE_DEFINITIONS, coverageDataset, coverageProject } from './support/coverage-project.js';
import { loadDataset, runSqlTraits } from '../support/load-duckdb.js';
import { loadDatasetPg } from './support/load-pglite.js';

const url = process.env.QUORUM_TEST_POSTGRES_URL;

// Without a server the test below is reported as skipped, under this title.
describe.skipIf(!url)('postgres over the wire: needs QUORUM_TEST_POSTGRES_URL (.ci/run starts a server and sets it)', () => {
  let client: pg.Client;
  let connection: WarehouseConnection;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await loadDatasetPg({ exec: (sql: string) => client.query(sql), query: (sql: string, params: unknown[]) => client.query(sql, params) }, coverageDataset());
    connection = await postgres.connect({ type: 'postgres', url: url! });
  });

  afterAll(async () => {
    await connection?.close();
    await client?.query('DROP SCHEMA IF EXISTS app CASCADE');
    await client?.end();
  });

  it('the coverage project gives the reference answer through knex + pg', async () => {
    const project = coverageProject();
    const catalog = await readCatalog(connection, project);
    const targets = COVERAGE_DEFINITIONS.map((d) => d.name);
    const actual = await evaluate(connection, { project, catalog, asOf: COVERAGE_AS_OF, targets });
    // The reference cannot run SQL traits; their rows come from the same query on DuckDB.
    const duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    await loadDataset(duck.connection, coverageDataset());
    const sqlTraits = await runSqlTraits(duck.connection, project, COVERAGE_AS_OF);
    await duck.close();
    const expected = evaluateReference(project, coverageDataset(), COVERAGE_AS_OF, { sqlTraitRows: sqlTraits.rows, sqlTraitColumnTypes: sqlTraits.types });
    expect(differences(new Map([...expected].filter(([name]) => targets.includes(name))), actual, 50)).toEqual([]);
  });

  // What an incremental run's incremental.unindexed warning is made of (src/incremental/new-row-indexes.ts).
  it('reads the leading column of each index of the source schema, through knex placeholders', async () => {
    const table = [...(await connection.readTables('app')).keys()].sort()[0];
    await client.query(`CREATE INDEX quorum_wire_two ON app."${table}" (received_at, "timestamp")`);
    try {
      // not Redshift: a map, not null
      const indexed = (await connection.readIndexedColumns!('app'))!;
      expect(indexed.get(table)).toContain('received_at');
      // only an index's first column decides whether Postgres can find the rows by it
      expect(indexed.get(table) ?? new Set()).not.toContain('timestamp');
      expect((await connection.readIndexedColumns!('no_such_schema'))?.size).toBe(0);
    } finally {
      await client.query('DROP INDEX app.quorum_wire_two');
    }
  });
});
