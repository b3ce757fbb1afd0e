// Postgres in-process (PGlite, Postgres compiled to WASM) behind the WarehouseConnection
// interface: the differential tests run the postgres dialect's SQL on it.
import type { PGlite } from '@electric-sql/pglite';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { Dialect, ReadOnlyInput, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import { SESSION_SETUP, tablesFromColumns } from './postgres-connector.js';
import { indexedColumnsOf, indexedColumnsSql } from './postgres-indexes.js';
import { classifyPostgresError } from './postgres-errors.js';
import { postgresOidLogicalType } from './postgres-types.js';

export class PgliteConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    readonly db: PGlite,
  ) {}

  /** Opens an in-memory PGlite with the session the postgres connector sets up: UTC, search path public. */
  static async open(dialect: Dialect): Promise<PgliteConnection> {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create();
    for (const statement of SESSION_SETUP) await db.query(statement);
    return new PgliteConnection(dialect, db);
  }

  async query(sql: string): Promise<ResultRow[]> {
    try {
      return (await this.db.query<ResultRow>(sql)).rows;
    } catch (cause) {
      throw classifyPostgresError(cause, 'pglite');
    }
  }

  /** SPEC §4: as the postgres connector, a read in a READ ONLY transaction. */
  async queryReadOnly(sql: string): Promise<ResultRow[]> {
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY');
        return (await tx.query<ResultRow>(sql)).rows;
      });
    } catch (cause) {
      throw classifyPostgresError(cause, 'pglite');
    }
  }

  // `query`, never `exec`: PGlite's query is the extended protocol, one statement a call; exec
  // runs a whole script.
  async execute(sql: string): Promise<void> {
    try {
      await this.db.query(sql);
    } catch (cause) {
      throw classifyPostgresError(cause, 'pglite');
    }
  }

  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      work({
        query: async (sql) => {
          try {
            return (await tx.query<ResultRow>(sql)).rows;
          } catch (cause) {
            throw classifyPostgresError(cause, 'pglite');
          }
        },
        execute: async (sql) => {
          try {
            await tx.query(sql);
          } catch (cause) {
            throw classifyPostgresError(cause, 'pglite');
          }
        },
      }),
    );
  }

  /** As the postgres connector: the SQL traits' rows from a READ ONLY transaction, then `work`. */
  async transactionAfterReadOnly<T>(inputs: readonly ReadOnlyInput[], work: (statements: Statements) => Promise<T>): Promise<T> {
    try {
      for (const input of inputs) await this.execute(input.create);
      await this.db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY');
        for (const input of inputs) {
          try {
            await tx.query(input.fill);
          } catch (cause) {
            throw classifyPostgresError(cause, 'pglite');
          }
        }
      });
      return await this.transaction(work);
    } finally {
      await this.db.query('DISCARD TEMP').catch(() => undefined);
    }
  }

  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    const result = await this.db.query<{ table_name: string; column_name: string; data_type: string }>(
      'select table_name, column_name, data_type from information_schema.columns where table_schema = $1 order by table_name, ordinal_position',
      [schema],
    );
    return tablesFromColumns(result.rows);
  }

  async readIndexedColumns(schema: string): Promise<Map<string, Set<string>>> {
    const result = await this.db.query<{ table_name: string; column_name: string }>(indexedColumnsSql('$1'), [schema]);
    return indexedColumnsOf(result.rows);
  }

  async describe(sql: string): Promise<Map<string, LogicalType>> {
    try {
      const described = await this.db.describeQuery(sql);
      return new Map(described.resultFields.map((f) => [f.name, postgresOidLogicalType(f.dataTypeID)]));
    } catch (cause) {
      throw classifyPostgresError(cause, 'pglite');
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
