import { declareCapabilities } from '../../src/warehouse/capabilities.js';
import type { Dialect } from '../../src/warehouse/connection.js';
import { duckDbConfig, type DuckDbWarehouse } from './duckdb-config.js';
import { openDuckDb } from './duckdb-connector.js';
import { DuckDbPrinter } from './duckdb-printer.js';
import { duckDbSqlParser } from './duckdb-sql-parser.js';

const capabilities = declareCapabilities({
  // https://duckdb.org/docs/sql/query_syntax/filter
  supportsAggregateFilter: true,
  // concat(string, ...): "NULL inputs are skipped". https://duckdb.org/docs/sql/functions/char
  concatSkipsNulls: true,
  // "DuckDB supports ACID database transactions", DDL included. https://duckdb.org/docs/sql/statements/transactions
  transactionalDdl: true,
});

export const duckdb: Dialect<DuckDbWarehouse> = {
  name: 'duckdb',
  capabilities,
  printer: new DuckDbPrinter(capabilities),
  config: duckDbConfig,
  sqlParser: duckDbSqlParser,
  connect: (config, options) => openDuckDb(duckdb, config, options),
};
