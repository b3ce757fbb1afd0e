// Writes an in-memory SourceDataset into DuckDB (one table per dataset table, typed columns,
// values appended — never concatenated into SQL), and runs a project's SQL traits the way a
// user's warehouse would, so that their rows can be handed to the reference evaluator.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier } from '../../dialects/duckdb/duckdb-fixture-loader.js';
import type { Project, SqlTraitDefinition } from '../../src/definitions/model.js';
import { parseInstant } from '../../src/reference/values.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';

// The loader is the product's own (`quorum test` writes its given rows with it).
export { loadDataset, quoteIdentifier } from '../../dialects/duckdb/duckdb-fixture-loader.js';

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
