// Postgres (and Redshift-compatible) over the wire: `pg` through knex's pool. The connector runs
// the SQL it is given; it never builds or rewrites it.
import knexFactory, { type Knex } from 'knex';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { Dialect, ReadOnlyInput, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import { dependencyLogger } from '../../src/logging/dependency-log.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../src/warehouse/connect-failure.js';
import { classifyPostgresError } from './postgres-errors.js';
import { indexedColumnsOf, indexedColumnsSql, REDSHIFT_SQL } from './postgres-indexes.js';
import { checkConnectionUrl } from './postgres-url.js';
import { postgresLogicalType, postgresOidLogicalType } from './postgres-types.js';
import type { PostgresWarehouse } from './postgres-config.js';

/**
 * The server's reason first, then the statement's first line (knex, where a statement goes through
 * it, prefixes the message with the whole statement and " - ").
 */
function classify(cause: unknown, sql: string): Error {
  const e = cause as { message?: unknown };
  if (e && typeof e.message === 'string') {
    const reason = e.message.startsWith(`${sql} - `) ? e.message.slice(sql.length + 3) : e.message;
    const first = sql.trim().split('\n')[0];
    e.message = `${reason} (in ${first.length > 100 ? `${first.slice(0, 100)}...` : first})`;
  }
  return classifyPostgresError(cause);
}

/**
 * Every statement goes through the extended protocol (Parse / Bind / Execute), which carries
 * exactly one statement: a SQL trait that smuggled a second one past every other check would
 * still be refused by the server ("cannot insert multiple commands into a prepared statement").
 * `pg` would otherwise use the simple protocol, which runs a whole script, for a query without
 * parameters.
 */
const ONE_STATEMENT = { queryMode: 'extended' } as const;

type Runner = Knex | Knex.Transaction;

interface PgClient {
  query(config: { text: string; queryMode: 'extended' }): Promise<{ rows: ResultRow[]; fields: unknown[] }>;
}

/**
 * The statement as printed, on the runner's pg client (a transaction's own, or one from the pool):
 * knex.raw reads every `?` as a binding, also inside a string literal ('/docs?q=1' arrived as
 * '/docs$1q=1', and a backslash before a `?` cannot be kept through its escape).
 */
async function raw(runner: Runner, sql: string): Promise<{ rows: ResultRow[]; fields: unknown[] }> {
  const client = (await runner.client.acquireConnection()) as PgClient;
  try {
    return await client.query({ text: sql, ...ONE_STATEMENT });
  } finally {
    await runner.client.releaseConnection(client);
  }
}

/**
 * Timestamps in the source are UTC (docs/semantics.md): the session reads and writes them so. The
 * search path is pinned to public: Postgres' default, "$user", public, resolves a SQL trait's
 * unqualified `from snapshots` into a schema named like the role, which is the state schema when
 * both are called quorum (docs/warehouses.md's own setup), and a role's own setting may name more.
 * Every name quorum prints is schema-qualified; a SQL trait qualifies other schemas (SPEC §4).
 * SET rather than set_config(), whose EXECUTE docs/warehouses.md revokes; one statement each.
 */
export const SESSION_SETUP: readonly string[] = ["SET TIME ZONE 'UTC'", 'SET search_path = public'];

export class PostgresConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly knex: Knex,
  ) {}

  async query(sql: string): Promise<ResultRow[]> {
    try {
      const result = await raw(this.knex, sql);
      return result.rows as ResultRow[];
    } catch (cause) {
      throw classify(cause, sql);
    }
  }

  /** SPEC §4: a statement that only reads runs where the server refuses every write. */
  async queryReadOnly(sql: string): Promise<ResultRow[]> {
    try {
      return await this.knex.transaction(async (tx) => (await raw(tx, sql)).rows as ResultRow[], { readOnly: true });
    } catch (cause) {
      throw classify(cause, sql);
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      await raw(this.knex, sql);
    } catch (cause) {
      throw classify(cause, sql);
    }
  }

  /** knex pins one pooled client for the transaction: BEGIN, the work, COMMIT or ROLLBACK. */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) =>
      work({
        query: async (sql) => {
          try {
            return (await raw(trx, sql)).rows as ResultRow[];
          } catch (cause) {
            throw classify(cause, sql);
          }
        },
        execute: async (sql) => {
          try {
            await raw(trx, sql);
          } catch (cause) {
            throw classify(cause, sql);
          }
        },
      }),
    );
  }

  /**
   * SPEC §4: the SQL traits' rows come from a READ ONLY transaction into temporary tables, then the
   * run's transaction reads them; all on one pinned session, since temporary tables are per session.
   */
  async transactionAfterReadOnly<T>(inputs: readonly ReadOnlyInput[], work: (statements: Statements) => Promise<T>): Promise<T> {
    const client = (await this.knex.client.acquireConnection()) as PgClient;
    const send = async (sql: string): Promise<ResultRow[]> => {
      try {
        return (await client.query({ text: sql, ...ONE_STATEMENT })).rows;
      } catch (cause) {
        throw classify(cause, sql);
      }
    };
    const inTransaction = async <R>(begin: string, body: () => Promise<R>): Promise<R> => {
      await send(begin);
      try {
        const result = await body();
        await send('COMMIT');
        return result;
      } catch (cause) {
        await send('ROLLBACK').catch(() => undefined);
        throw cause;
      }
    };
    try {
      for (const input of inputs) await send(input.create);
      await inTransaction('BEGIN READ ONLY', async () => {
        for (const input of inputs) await send(input.fill);
      });
      return await inTransaction('BEGIN', () => work({ query: send, execute: async (sql) => void (await send(sql)) }));
    } finally {
      await send('DISCARD TEMP').catch(() => undefined);
      await this.knex.client.releaseConnection(client);
    }
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

  async readIndexedColumns(schema: string): Promise<Map<string, Set<string>> | null> {
    try {
      // Redshift speaks this protocol but has no indexes: it prunes by sort keys instead.
      const server = await this.knex.raw(REDSHIFT_SQL);
      if (server.rows[0]?.redshift === true) return null;
      const result = await this.knex.raw(indexedColumnsSql('?'), [schema]);
      return indexedColumnsOf(result.rows);
    } catch (cause) {
      throw classifyPostgresError(cause);
    }
  }

  /** The result columns of a query, described through a cursor that fetches no row. */
  async describe(sql: string): Promise<Map<string, LogicalType>> {
    try {
      // One statement a call (the cursor's query cannot carry a second), in a READ ONLY transaction.
      return await this.knex.transaction(
        async (tx) => {
          await raw(tx, `DECLARE quorum_describe NO SCROLL CURSOR FOR ${sql}`);
          const result = await raw(tx, 'FETCH 0 FROM quorum_describe');
          const fields = result.fields as { name: string; dataTypeID: number }[];
          await raw(tx, 'CLOSE quorum_describe');
          return new Map(fields.map((f) => [f.name, postgresOidLogicalType(f.dataTypeID)]));
        },
        { readOnly: true },
      );
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

export async function openPostgres(dialect: Dialect, config: PostgresWarehouse): Promise<PostgresConnection> {
  checkConnectionUrl(config.url);
  const timeoutMs = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const knex = knexFactory({
    client: 'pg',
    // pg gives up on a connection attempt after connectionTimeoutMillis (SPEC §8, connect_timeout).
    connection: { connectionString: config.url, connectionTimeoutMillis: timeoutMs },
    // knex prints pool errors with their stack on stdout; they are debug output, quorum names the cause.
    log: dependencyLogger('knex'),
    pool: {
      min: 0,
      max: 4,
      afterCreate: (
        conn: { query: (sql: string, cb: (err: Error | null) => void) => void },
        done: (err: Error | null, conn: unknown) => void,
      ) => {
        // each statement of SESSION_SETUP in turn, as its own query
        const next = (at: number): void => {
          if (at === SESSION_SETUP.length) return done(null, conn);
          conn.query(SESSION_SETUP[at], (err) => (err ? done(err, conn) : next(at + 1)));
        };
        next(0);
      },
    },
    acquireConnectionTimeout: timeoutMs,
  });
  const connection = new PostgresConnection(dialect, knex);
  await connection.query('SELECT 1'); // fail now, with a diagnostic, if the server is unreachable
  return connection;
}
