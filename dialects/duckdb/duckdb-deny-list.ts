// What a SQL trait may not call or read on DuckDB, in one place (SPEC §4). DuckDB reaches files
// and the network through table and scalar functions (and extensions), and describes itself
// through duckdb_* functions and views; none is a warehouse table. The session also runs with
// external access disabled (duckdb-connector.ts), so this list is the first of two locks.
// Table functions are refused unless allowed by name: beside files they switch logging and
// profiling on (enable_logging writes a log folder, and a failure there broke the whole run's
// connection), and each DuckDB release adds more; a warehouse's tables need none of them.

import { denyList } from '../../src/warehouse/sql-parser.js';

const FUNCTIONS: Readonly<Record<string, string>> = {
  read_csv: 'reads files', read_csv_auto: 'reads files', read_text: 'reads files', read_blob: 'reads files',
  read_parquet: 'reads files', parquet_scan: 'reads files', read_json: 'reads files', read_json_auto: 'reads files',
  read_json_objects: 'reads files', read_json_objects_auto: 'reads files', read_ndjson: 'reads files', read_ndjson_auto: 'reads files',
  read_ndjson_objects: 'reads files', read_xlsx: 'reads files', sniff_csv: 'reads files', glob: 'lists files', st_read: 'reads files',
  getenv: 'reads the environment', current_setting: 'reads settings', which_secret: 'reads secrets',
  load_aws_credentials: 'reads credentials', query: 'runs SQL given as a string', query_table: 'reads tables by name',
  json_execute_serialized_sql: 'runs SQL given as a string', checkpoint: 'writes the database', force_checkpoint: 'writes the database',
  http_get: 'reaches the network', http_post: 'reaches the network', iceberg_scan: 'reads files', delta_scan: 'reads files',
  sqlite_scan: 'reads files', sqlite_attach: 'attaches databases', postgres_scan: 'reaches the network', postgres_query: 'reaches the network',
  postgres_execute: 'reaches the network', mysql_query: 'reaches the network', mysql_execute: 'reaches the network',
  nextval: 'writes a sequence', setval: 'writes a sequence', getvariable: 'reads settings', setseed: 'changes the session',
};

/** The table functions a SQL trait may read from: they make rows from their arguments alone. */
const TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree']);

const PREFIXES: readonly (readonly [string, string])[] = [
  ['read_', 'reads files'],
  ['parquet_', 'reads files'],
  ['iceberg_', 'reads files'],
  ['delta_', 'reads files'],
  ['duckdb_', 'describes the database and its settings'],
  ['pragma_', 'describes the database and its settings'],
  ['sqlite_', 'reads files'],
  ['postgres_', 'reaches the network'],
  ['mysql_', 'reaches the network'],
];

const SYSTEM_SCHEMAS = new Set(['information_schema', 'pg_catalog', 'system', 'temp']);
const SYSTEM_VIEWS = new Set(['sqlite_master', 'sqlite_schema', 'sqlite_temp_master', 'sqlite_temp_schema', 'pragma_database_list']);

export const duckDbDeniedFunction = denyList(FUNCTIONS, PREFIXES);

/** Why a SQL trait may not read from this table function (lower case, maybe qualified), or null. */
export function duckDbDeniedTableFunction(name: string): string | null {
  const denied = duckDbDeniedFunction(name);
  if (denied !== null) return denied;
  const bare = name.split('.').at(-1) ?? name;
  return TABLE_FUNCTIONS.has(bare) ? null : `is a table function other than ${[...TABLE_FUNCTIONS].join(', ')}, the only ones a SQL trait may read from on DuckDB`;
}

export function duckDbDeniedRelation(path: readonly string[]): string | null {
  if (path.some((part) => SYSTEM_SCHEMAS.has(part))) return 'is a system catalog';
  const name = path.at(-1) ?? '';
  if (SYSTEM_VIEWS.has(name) || name.startsWith('duckdb_')) return 'is a system catalog';
  // An unqualified pg_* name resolves to DuckDB's pg_catalog (pg_tables, pg_settings, pg_class...).
  if (path.length === 1 && name.startsWith('pg_')) return 'is a system catalog';
  // DuckDB reads a "table" named like a file or URL ('x.csv', 's3://...') as that file.
  if (['.', '/', '\\', ':'].some((c) => name.includes(c))) return 'names a file, which DuckDB would read';
  return null;
}
