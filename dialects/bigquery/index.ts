import type { Dialect } from '../../src/warehouse/connection.js';
import { BigQueryPrinter } from './bigquery-printer.js';
import { bigQuerySqlParser } from './bigquery-sql-parser.js';

export const bigquery: Dialect = {
  name: 'bigquery',
  printer: new BigQueryPrinter(),
  sqlParser: bigQuerySqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./bigquery-connector.js')).openBigQuery(bigquery, config),
};
