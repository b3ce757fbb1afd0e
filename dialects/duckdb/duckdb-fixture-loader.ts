// Writes typed tables and rows into a DuckDB connection: tables are created from a column ->
// logical type map, values are appended through DuckDB's appender (never concatenated into SQL).
// `quorum test` loads its cases with it (duckDbFixtures); the differential tests load their
// generated datasets.
import { LIST, VARCHAR, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { parseInstant } from '../../src/reference/values.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import type { FixtureEngine, FixtureWarehouse, LoadRow, LoadValue, TableColumns } from '../../src/testing/fixture-engine.js';
import { IN_MEMORY } from './duckdb-config.js';
import { openDuckDb } from './duckdb-connector.js';
import { duckdb } from './index.js';

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const SQL_TYPES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  list: 'VARCHAR[]',
  unknown: 'VARCHAR',
};

function listItems(value: LoadValue): string[] {
  const items: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(items)) throw new Error(`not a list: ${String(value)}`);
  return items.map((item) => String(item));
}

function asText(value: Exclude<LoadValue, null | undefined>): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** Creates the schema (if needed) and each table, replacing a table of the same name. */
export async function createTables(connection: DuckDBConnection, schema: string, tables: Readonly<Record<string, TableColumns>>): Promise<void> {
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  for (const [name, columns] of Object.entries(tables)) {
    const columnSql = Object.entries(columns)
      .map(([column, type]) => `${quoteIdentifier(column)} ${SQL_TYPES[type]}`)
      .join(', ');
    await connection.run(`CREATE OR REPLACE TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(name)} (${columnSql})`);
  }
}

/** Appends rows to a table created by createTables; columns a row leaves out are null. */
export async function appendRows(connection: DuckDBConnection, schema: string, table: string, columns: TableColumns, rows: readonly LoadRow[]): Promise<void> {
  if (rows.length === 0) return;
  const entries = Object.entries(columns);
  const appender = await connection.createAppender(table, schema);
  try {
    for (const row of rows) {
      for (const [column, type] of entries) {
        const value = row[column];
        if (value === null || value === undefined) {
          appender.appendNull();
          continue;
        }
        switch (type) {
          case 'string':
          case 'unknown':
            appender.appendVarchar(asText(value));
            break;
          case 'number':
            appender.appendDouble(Number(value));
            break;
          case 'integer':
            appender.appendBigInt(BigInt(value as number));
            break;
          case 'boolean':
            appender.appendBoolean(Boolean(value));
            break;
          case 'timestamp':
            appender.appendTimestamp(timestampValue(microsOf(String(value))));
            break;
          case 'list':
            appender.appendList(listItems(value), LIST(VARCHAR));
            break;
        }
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * An ISO-8601 instant in microseconds, as DuckDB keeps it: the milliseconds parseInstant reads and
 * the fraction's next three digits. Cut to milliseconds, two events a microsecond apart were one
 * instant to a test case's funnel ("after" is strict) and not to the warehouse `run` reads.
 */
function microsOf(text: string): bigint {
  const fraction = /\d{2}:\d{2}:\d{2}[.,](\d+)/.exec(text)?.[1] ?? '';
  return BigInt(parseInstant(text)) * 1000n + BigInt(fraction.slice(3, 6).padEnd(3, '0'));
}

/** Creates `schema` and every table of the dataset in it, and appends the rows. */
export async function loadDataset(connection: DuckDBConnection, dataset: SourceDataset, schema = 'app'): Promise<void> {
  await createTables(connection, schema, Object.fromEntries(Object.entries(dataset.tables).map(([name, t]) => [name, t.columns])));
  for (const [name, table] of Object.entries(dataset.tables)) await appendRows(connection, schema, name, table.columns, table.rows);
}

/** `quorum test`'s engine: every case in its own in-memory DuckDB. */
export const duckDbFixtures: FixtureEngine = {
  dialect: duckdb,
  async open(): Promise<FixtureWarehouse> {
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY });
    return Object.assign(connection, {
      createTables: (schema: string, tables: Readonly<Record<string, TableColumns>>) => createTables(connection.connection, schema, tables),
      appendRows: (schema: string, table: string, columns: TableColumns, rows: readonly LoadRow[]) => appendRows(connection.connection, schema, table, columns, rows),
    });
  },
};
