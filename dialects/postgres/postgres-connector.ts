// Postgres (and Redshift-compatible) over the wire: `pg` through knex's pool. The connector runs
// the SQL it is given; it never builds or rewrites it.
import knexFactory, { type Knex } from 'knex';
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { Dialect, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import { classifyPostgresError } from './postgres-errors.js';
import { postgresLogicalType, postgresOidLogicalType } from './postgres-types.js';

/**
 * knex prefixes an error's message with the whole statement and " - "; the first line, which the
 * diagnostic shows, was then the statement's first line and not the server's reason. This keeps
 * the reason first and the statement's first line after it.
 */
function classify(cause: unknown, sql: string): Error {
  const e = cause as { message?: unknown };
  if (e && typeof e.message === 'string' && e.message.startsWith(`${sql} - `)) {
    const reason = e.message.slice(sql.length + 3);
    const first = sql.trim().split('\n')[0];
    e.message = `${reason} (in ${first.length > 100 ? `${first.slice(0, 100)}...` : first})`;
  }
  return classifyPostgresError(cause);
}

/** Timestamps in the source are UTC (docs/semantics.md): the session reads and writes them so. */
const SESSION_SETUP = "SET TIME ZONE 'UTC'";

export class PostgresConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly knex: Knex,
  ) {}

  async query(sql: string): Promise<ResultRow[]> {
    try {
      return (await this.verbatim(sql)).rows as ResultRow[];
    } catch (cause) {
      throw classify(cause, sql);
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      await this.verbatim(sql);
    } catch (cause) {
      throw classify(cause, sql);
    }
  }

  /**
   * The statement as printed, on a pooled pg client: knex.raw reads every `?` as a binding, also
   * inside a string literal ('/docs?q=1' arrived as '/docs$1q=1').
   */
  private async verbatim(sql: string): Promise<{ rows: unknown[] }> {
    const client = (await this.knex.client.acquireConnection()) as { query(text: string): Promise<{ rows: unknown[] }> };
    try {
      return await client.query(sql);
    } finally {
      await this.knex.client.releaseConnection(client);
    }
  }

  /** knex pins one pooled client for the transaction: BEGIN, the work, COMMIT or ROLLBACK. */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) =>
      work({
        query: async (sql) => {
          try {
            return (await trx.raw(sql)).rows as ResultRow[];
          } catch (cause) {
            throw classify(cause, sql);
          }
        },
        execute: async (sql) => {
          try {
            await trx.raw(sql);
          } catch (cause) {
            throw classify(cause, sql);
          }
        },
      }),
    );
  }

  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    let rows: { table_name: string; column_name: string; data_type: string }[];
    try {
      const result = await this.knex.raw(
        'select table_name, column_name, data_type from information_schema.columns where table_schema = ? order by table_name, ordinal_position',
        [schema],
      );
      rows = result.rows;
    } catch (cause) {
      throw classifyPostgresError(cause);
    }
    return tablesFromColumns(rows);
  }

  /** The result columns of a query, described through a cursor that fetches no row. */
  async describe(sql: string): Promise<Map<string, LogicalType>> {
    try {
      return await this.knex.transaction(async (tx) => {
        await tx.raw(`DECLARE quorum_describe NO SCROLL CURSOR FOR ${sql}`);
        const result = await tx.raw('FETCH 0 FROM quorum_describe');
        const fields = result.fields as { name: string; dataTypeID: number }[];
        await tx.raw('CLOSE quorum_describe');
        return new Map(fields.map((f) => [f.name, postgresOidLogicalType(f.dataTypeID)]));
      });
    } catch (cause) {
      throw classifyPostgresError(cause);
    }
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

export function tablesFromColumns(
  rows: readonly { table_name: string; column_name: string; data_type: string }[],
): Map<string, CatalogTable> {
  const tables = new Map<string, { name: string; columns: Map<string, LogicalType> }>();
  for (const row of rows) {
    const entry = tables.get(row.table_name) ?? { name: row.table_name, columns: new Map() };
    entry.columns.set(row.column_name, postgresLogicalType(row.data_type));
    tables.set(row.table_name, entry);
  }
  return tables;
}

export async function openPostgres(dialect: Dialect, config: WarehouseConfig): Promise<PostgresConnection> {
  if (config.type !== 'postgres') throw new Error(`postgres connector given a ${config.type} warehouse`);
  const knex = knexFactory({
    client: 'pg',
    connection: config.url,
    pool: {
      min: 0,
      max: 4,
      afterCreate: (
        conn: { query: (sql: string, cb: (err: Error | null) => void) => void },
        done: (err: Error | null, conn: unknown) => void,
      ) => {
        conn.query(SESSION_SETUP, (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 30_000,
  });
  const connection = new PostgresConnection(dialect, knex);
  await connection.query('SELECT 1'); // fail now, with a diagnostic, if the server is unreachable
  return connection;
}
