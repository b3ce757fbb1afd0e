import type { Dialect } from '../../src/warehouse/connection.js';
import { openDuckDb } from './duckdb-connector.js';
import { DuckDbPrinter } from './duckdb-printer.js';
import { duckDbSqlParser } from './duckdb-sql-parser.js';

export const duckdb: Dialect = {
  name: 'duckdb',
  printer: new DuckDbPrinter(),
  sqlParser: duckDbSqlParser,
  connect: (config) => openDuckDb(duckdb, config),
};
