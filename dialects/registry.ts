// Adding a warehouse: one folder under dialects/ and one line here.
import type { Dialect } from '../src/warehouse/connection.js';
import { duckdb } from './duckdb/index.js';

export const DIALECTS: Readonly<Record<string, Dialect>> = { duckdb };

export function dialectNamed(name: string): Dialect | undefined {
  return Object.hasOwn(DIALECTS, name) ? DIALECTS[name] : undefined;
}
