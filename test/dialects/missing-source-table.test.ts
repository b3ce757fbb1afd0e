// A SQL trait's {{ source('x') }} names a table of quorum's source schema, so whether it exists is
// known from the catalog before the query is sent: missing_table at the source(), the same on
// every warehouse. (DuckDB said warehouse_error with its Catalog Error, Postgres missing_table
// from its SQLSTATE, each at the trait's name.)
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { checkProject } from '../../src/definitions/check-references.js';
import { loadProject } from '../../src/definitions/load-project.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { tempProject } from '../definitions/fixture-helpers.js';

const connections: Record<string, WarehouseConnection> = {};

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  connections.duckdb = new DuckDbConnection(duckdb, instance, await instance.connect());
  connections.postgres = await PgliteConnection.open(postgres);
  for (const connection of Object.values(connections)) {
    await connection.execute('CREATE SCHEMA app');
    await connection.execute('CREATE TABLE app.groups (id TEXT, user_id TEXT, group_id TEXT, "timestamp" TIMESTAMP)');
  }
});

afterAll(async () => {
  for (const connection of Object.values(connections)) await connection.close();
});

describe.each(['duckdb', 'postgres'])('on %s', (warehouse) => {
  it('a SQL trait reading a source table the schema lacks is missing_table at its source()', async () => {
    const root = tempProject({
      'quorum.yml': 'destinations: { crm: { type: stdout } }',
      'traits/s.yml': [
        '- sql_trait: seats',
        '  level: account',
        '  columns: [seats]',
        '  sql: |',
        "    select group_id, 5 as seats from {{ source('nope_rows') }}",
        '- sql_trait: members',
        '  level: account',
        '  sql: |',
        "    select group_id, count(*) as members from {{ source('groups') }} group by group_id",
      ].join('\n'),
    });
    const { project } = await loadProject(root, { env: {}, dialects: dialectNamed });
    // what validate, run and preview do: read the catalog, then check the definitions against it
    const catalog = await readCatalog(connections[warehouse], project!);
    const errors = checkProject(project!, catalog).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.loc?.file}:${d.loc?.line}:${d.loc?.col}`)).toEqual(['missing_table traits/s.yml:5:38']);
    expect(errors[0].message).toBe(`SQL trait "seats" reads {{ source('nope_rows') }}, but the source schema "app" has no table "nope_rows".`);
    // the other SQL trait is still described
    expect([...(catalog.sqlTraitColumns.get('members')?.keys() ?? [])]).toEqual(['group_id', 'members']);
  });
});
