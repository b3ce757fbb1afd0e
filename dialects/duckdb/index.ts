import type { Dialect } from '../../src/warehouse/connection.js';
import { openDuckDb } from './duckdb-connector.js';
import { DuckDbPrinter } from './duckdb-printer.js';

export const duckdb: Dialect = {
  name: 'duckdb',
  printer: new DuckDbPrinter(),
  connect: (config, options) => openDuckDb(duckdb, config, options),
};
