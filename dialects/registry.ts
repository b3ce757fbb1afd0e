// Adding a warehouse: one folder under dialects/ and one line here.
import type { DialectLookup } from '../src/evaluation/session.js';
import { lookupOf } from './dialect-lookup.js';
import type { FixtureEngine } from '../src/testing/fixture-engine.js';
import type { Dialect } from '../src/warehouse/connection.js';
import { bigquery } from './bigquery/index.js';
import { duckDbFixtures } from './duckdb/duckdb-fixture-loader.js';
import { duckdb } from './duckdb/index.js';
import { postgres } from './postgres/index.js';
import { snowflake } from './snowflake/index.js';

export const DIALECTS: Readonly<Record<string, Dialect>> = { duckdb, postgres, bigquery, snowflake };

/** The lookup src/ is given; a quorum.yml without `warehouse.type` gets the embedded DuckDB. */
export const dialectNamed: DialectLookup = lookupOf(DIALECTS, duckdb.name);

/** Where `quorum test` runs its cases: each in its own in-memory DuckDB. */
export const FIXTURES: FixtureEngine = duckDbFixtures;
