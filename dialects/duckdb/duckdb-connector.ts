import { existsSync } from 'node:fs';
import { DuckDBInstance, JsonDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { failure } from '../../src/diagnostics/diagnostic.js';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { ConnectOptions, Dialect, ResultBatch, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import type { DuckDbWarehouse } from './duckdb-config.js';

/** DuckDB type names -> quorum's logical types. https://duckdb.org/docs/sql/data_types/overview */
export function duckDbLogicalType(typeName: string): LogicalType {
  const t = typeName.toUpperCase();
  if (t.endsWith('[]') || t.startsWith('LIST') || t.startsWith('STRUCT') || t.startsWith('MAP')) return 'list';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|INT\d*)$/.test(t)) return 'integer';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC)/.test(t)) return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'timestamp';
  if (t === 'VARCHAR' || t.startsWith('VARCHAR') || t === 'UUID' || t === 'JSON') return 'string';
  return 'unknown';
}

export class DuckDbConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  async query(sql: string): Promise<ResultRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as ResultRow[];
  }

  /**
   * The result is materialised in DuckDB (run on every thread, as `query` is) and converted one
   * column of one chunk at a time, as `getRowObjectsJson` converts each value.
   */
  async *readBatches(sql: string): AsyncIterable<ResultBatch> {
    const result = await this.connection.run(sql);
    const names = result.columnNames();
    for (let i = 0; i < result.chunkCount; i += 1) {
      const chunk = result.getChunk(i);
      yield {
        rowCount: chunk.rowCount,
        column: (name) => {
          const index = names.indexOf(name);
          if (index < 0) throw new Error(`internal error: the result has no column "${name}"`);
          return chunk.convertColumnValues(index, JsonDuckDBValueConverter);
        },
      };
    }
  }

  async execute(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** https://duckdb.org/docs/sql/statements/transactions — one connection, so one session. */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work({ query: (sql) => this.query(sql), execute: (sql) => this.execute(sql) });
      await this.connection.run('COMMIT');
      return result;
    } catch (cause) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw cause;
    }
  }

  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    // duckdb_columns() rather than the information_schema view built on it: the view joins several
    // catalog functions, and the first catalog read is part of every command's start-up (the
    // whole-process cost of `quorum members`, BENCHMARKS.md).
    const prepared = await this.connection.prepare(
      'select table_name, column_name, data_type from duckdb_columns() where database_name = current_database() and schema_name = $1 order by table_name, column_index',
    );
    prepared.bindVarchar(1, schema);
    const rows = (await prepared.runAndReadAll()).getRowObjectsJson() as { table_name: string; column_name: string; data_type: string }[];
    const tables = new Map<string, { name: string; columns: Map<string, LogicalType> }>();
    for (const row of rows) {
      const entry = tables.get(row.table_name) ?? { name: row.table_name, columns: new Map() };
      entry.columns.set(row.column_name, duckDbLogicalType(row.data_type));
      tables.set(row.table_name, entry);
    }
    return tables;
  }

  async describe(sql: string): Promise<Map<string, LogicalType>> {
    const prepared = await this.connection.prepare(sql);
    const columns = new Map<string, LogicalType>();
    for (let i = 0; i < prepared.columnCount; i += 1) {
      columns.set(prepared.columnName(i), duckDbLogicalType(String(prepared.columnType(i))));
    }
    return columns;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Settings every quorum DuckDB session starts with; `lock_configuration` keeps them. */
export const DUCKDB_SANDBOX: Readonly<Record<string, string>> = { enable_external_access: 'false', lock_configuration: 'true' };

export async function openDuckDb(dialect: Dialect, config: DuckDbWarehouse, options: ConnectOptions = {}): Promise<DuckDbConnection> {
  // DuckDB would silently create an empty database; a missing file is a configuration mistake.
  if (config.path !== ':memory:' && !existsSync(config.path)) {
    throw failure('warehouse_unreachable', { rule: 'missing_file', warehouse: 'DuckDB', path: config.path });
  }
  // The sandbox's engine half (SPEC §4): whatever a SQL trait calls, this session reads no file,
  // URL or extension but its own database, and no statement can turn that back on. quorum's own
  // work needs neither (test data is appended through the API, the file destination is Node's).
  // A command that only reads opens the file read-only (an in-memory database has nothing to read).
  const readOnly = options.readOnly === true && config.path !== ':memory:';
  const instance = await DuckDBInstance.create(config.path, readOnly ? { ...DUCKDB_SANDBOX, access_mode: 'READ_ONLY' } : DUCKDB_SANDBOX);
  return new DuckDbConnection(dialect, instance, await instance.connect());
}
