// The warehouses a hand-built or generated arrival history (history-arbitraries.ts) is appended to,
// batch by batch: the file's DuckDB and PGlite (duck-and-pglite.ts), and a PostgreSQL server over
// the wire when QUORUM_TEST_POSTGRES_URL is set. Each replays into schemas it names, so that suites
// sharing one server do not meet.
import { describe } from 'vitest';
import { createTables, appendRows } from '../../dialects/duckdb/duckdb-fixture-loader.js';
import type { Project } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { createTablesPg, insertRowsPg } from '../dialects/support/load-pglite.js';
import { duckAndPglite, type DuckAndPglite } from './duck-and-pglite.js';
import { runSqlTraits } from './load-duckdb.js';
import { wireSession } from './wire-postgres.js';

export type HistoryColumns = Readonly<Record<string, Readonly<Record<string, LogicalType>>>>;

/** A warehouse a history is appended to, batch by batch. */
export interface HistoryEngine {
  connection(): WarehouseConnection;
  /** Empty source tables in `schema` and no state schema: the warehouse before the first batch. */
  reset(schema: string, stateSchema: string, columns: HistoryColumns): Promise<void>;
  append(schema: string, table: string, columns: HistoryColumns[string], rows: readonly SourceRow[]): Promise<void>;
  /** SQL trait rows for the reference, computed on this warehouse's contents (DuckDB only). */
  sqlTraits?(project: Project, asOf: string): ReturnType<typeof runSqlTraits>;
}

export const duckHistoryEngine = (engines: DuckAndPglite): HistoryEngine => ({
  connection: () => engines.duck,
  async reset(schema, state, columns) {
    await engines.duck.execute(`DROP SCHEMA IF EXISTS "${state}" CASCADE`);
    await engines.duck.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await createTables(engines.duck.connection, schema, columns);
  },
  append: (schema, table, columns, rows) => appendRows(engines.duck.connection, schema, table, columns, rows),
  sqlTraits: (project, asOf) => runSqlTraits(engines.duck.connection, project, asOf),
});

export const liteHistoryEngine = (engines: DuckAndPglite): HistoryEngine => ({
  connection: () => engines.lite,
  async reset(schema, state, columns) {
    await engines.lite.db.exec(`DROP SCHEMA IF EXISTS "${state}" CASCADE`);
    await createTablesPg(engines.lite.db, schema, columns);
  },
  append: (schema, table, columns, rows) => insertRowsPg(engines.lite.db, schema, table, columns, rows),
});

/** A PostgreSQL server over the wire (wire-postgres.ts); `dropAfter` names the schemas its histories used. */
export function wireHistoryEngine(url: string, dropAfter: readonly string[]): () => HistoryEngine {
  const wire = wireSession(url, dropAfter);
  return () => ({
    connection: wire.connection,
    async reset(schema, state, columns) {
      await wire.session().exec(`DROP SCHEMA IF EXISTS "${state}" CASCADE`);
      await createTablesPg(wire.session(), schema, columns);
    },
    append: (schema, table, columns, rows) => insertRowsPg(wire.session(), schema, table, columns, rows),
  });
}

/**
 * `cases` once per warehouse a history is appended to: the file's DuckDB, its PGlite, and PostgreSQL
 * over the wire when QUORUM_TEST_POSTGRES_URL is set (`schemas`: those its histories use, dropped after).
 */
export function describeOnHistoryEngines(title: string, schemas: readonly string[], cases: (engine: () => HistoryEngine) => void): void {
  describe(`${title}: DuckDB`, () => {
    const engines = duckAndPglite();
    cases(() => duckHistoryEngine(engines));
  });
  describe(`${title}: PGlite`, () => {
    const engines = duckAndPglite();
    cases(() => liteHistoryEngine(engines));
  });
  const url = process.env.QUORUM_TEST_POSTGRES_URL;
  describe.skipIf(!url)(`${title}: PostgreSQL over the wire (QUORUM_TEST_POSTGRES_URL)`, () => {
    cases(wireHistoryEngine(url!, schemas));
  });
}
