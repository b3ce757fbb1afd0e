// Writes an in-memory SourceDataset into DuckDB (one table per dataset table, typed columns,
// values appended — never concatenated into SQL), and runs a project's SQL traits the way a
// user's warehouse would, so that their rows can be handed to the reference evaluator.
import { LIST, VARCHAR, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { Project, SqlTraitDefinition } from '../../src/definitions/model.js';
import type { SourceDataset, SourceValue } from '../../src/reference/dataset.js';
import { parseInstant } from '../../src/reference/values.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';

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

function listItems(value: SourceValue | readonly unknown[]): string[] {
  const items: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(items)) throw new Error(`not a list: ${String(value)}`);
  return items.map((item) => String(item));
}

/** Creates `schema` and every table of the dataset in it, and appends the rows. */
export async function loadDataset(connection: DuckDBConnection, dataset: SourceDataset, schema = 'app'): Promise<void> {
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  for (const [name, table] of Object.entries(dataset.tables)) {
    const columns = Object.entries(table.columns);
    const columnSql = columns.map(([column, type]) => `${quoteIdentifier(column)} ${SQL_TYPES[type]}`).join(', ');
    await connection.run(`CREATE OR REPLACE TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(name)} (${columnSql})`);
    if (table.rows.length === 0) continue;
    const appender = await connection.createAppender(name, schema);
    for (const row of table.rows) {
      for (const [column, type] of columns) {
        const value = row[column];
        if (value === null || value === undefined) {
          appender.appendNull();
          continue;
        }
        switch (type) {
          case 'string':
          case 'unknown':
            appender.appendVarchar(String(value));
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
            appender.appendTimestamp(timestampValue(BigInt(parseInstant(String(value))) * 1000n));
            break;
          case 'list':
            appender.appendList(listItems(value), LIST(VARCHAR));
            break;
        }
      }
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
}

/** The SQL text of an instant for DuckDB: a TIMESTAMP literal in UTC. */
export function timestampLiteral(asOf: string): string {
  const iso = new Date(parseInstant(asOf)).toISOString(); // 2024-06-01T12:00:00.000Z
  return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
}

/**
 * Renders a SQL trait's template for DuckDB — `{{ source('x') }}` -> "schema"."x",
 * `{{ as_of }}` -> TIMESTAMP '...' — independently of the compiler's own renderer.
 */
export function renderSqlTrait(definition: SqlTraitDefinition, schema: string, asOf: string): string {
  return definition.sql
    .replace(/\{\{\s*source\(\s*'([^']*)'\s*\)\s*\}\}/g, (_, table: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`)
    .replace(/\{\{\s*as_of\s*\}\}/g, timestampLiteral(asOf));
}

function logicalType(duckdbType: string): LogicalType {
  if (duckdbType.endsWith('[]')) return 'list';
  if (duckdbType === 'VARCHAR') return 'string';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  if (duckdbType.startsWith('TIMESTAMP') || duckdbType === 'DATE') return 'timestamp';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(duckdbType)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(duckdbType)) return 'number';
  return 'unknown';
}

export interface SqlTraitResults {
  readonly rows: Map<string, Record<string, unknown>[]>;
  readonly types: Map<string, Map<string, LogicalType>>;
}

/** Runs every SQL trait of the project on DuckDB; the result feeds `evaluateReference`. */
export async function runSqlTraits(
  connection: DuckDBConnection,
  project: Project,
  asOf: string,
): Promise<SqlTraitResults> {
  const rows = new Map<string, Record<string, unknown>[]>();
  const types = new Map<string, Map<string, LogicalType>>();
  for (const definition of project.definitions) {
    if (definition.kind !== 'sql_trait') continue;
    const result = await connection.runAndReadAll(renderSqlTrait(definition, project.config.source.schema, asOf));
    rows.set(definition.name, result.getRowObjectsJS() as Record<string, unknown>[]);
    const names = result.columnNames();
    const columnTypes = result.columnTypes();
    types.set(definition.name, new Map(names.map((name, i) => [name, logicalType(columnTypes[i].toString())])));
  }
  return { rows, types };
}
