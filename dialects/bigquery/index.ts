import { declareCapabilities } from '../../src/warehouse/capabilities.js';
import type { Dialect } from '../../src/warehouse/connection.js';
import { bigQueryConfig, type BigQueryWarehouse } from './bigquery-config.js';
import { BigQueryPrinter } from './bigquery-printer.js';
import { bigQuerySqlParser } from './bigquery-sql-parser.js';

const capabilities = declareCapabilities({
  // Aggregate functions take no FILTER clause, and CONCAT: "If any input argument is NULL, the
  // function returns NULL" (both conservative). A dataset may be written `project.dataset`, each
  // part its own identifier, as in "Table path expressions".
  // https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#table_names
  supportsQualifiedSchemaNames: true,
  // ARRAY_AGG(... IGNORE NULLS ...), as the printer writes it, leaves NULL out.
  // https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#array_agg
  listAggregateSkipsNulls: true,
});

export const bigquery: Dialect<BigQueryWarehouse> = {
  name: 'bigquery',
  capabilities,
  printer: new BigQueryPrinter(capabilities),
  config: bigQueryConfig,
  sqlParser: bigQuerySqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./bigquery-connector.js')).openBigQuery(bigquery, config),
};
