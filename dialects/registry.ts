// Adding a warehouse: one folder under dialects/ and one line here.
import type { Dialect } from '../src/warehouse/connection.js';
import { bigquery } from './bigquery/index.js';
import { duckdb } from './duckdb/index.js';
import { postgres } from './postgres/index.js';
import { snowflake } from './snowflake/index.js';

export const DIALECTS: Readonly<Record<string, Dialect>> = { duckdb, postgres, bigquery, snowflake };

export function dialectNamed(name: string): Dialect | undefined {
  return Object.hasOwn(DIALECTS, name) ? DIALECTS[name] : undefined;
}
