import { declareCapabilities } from '../../src/warehouse/capabilities.js';
import type { Dialect } from '../../src/warehouse/connection.js';
import { snowflakeConfig, type SnowflakeWarehouse } from './snowflake-config.js';
import { SnowflakePrinter } from './snowflake-printer.js';
import { snowflakeSqlParser } from './snowflake-sql-parser.js';

const capabilities = declareCapabilities({
  // Aggregate functions take no FILTER clause, and CONCAT is NULL when any argument is (both
  // conservative; https://docs.snowflake.com/en/sql-reference/functions/concat). A source schema
  // may be written `database.schema`, each part its own identifier.
  // https://docs.snowflake.com/en/sql-reference/name-resolution
  supportsQualifiedSchemaNames: true,
  // ARRAY_AGG: "NULL values are omitted from the output".
  // https://docs.snowflake.com/en/sql-reference/functions/array_agg
  listAggregateSkipsNulls: true,
});

export const snowflake: Dialect<SnowflakeWarehouse> = {
  name: 'snowflake',
  capabilities,
  printer: new SnowflakePrinter(capabilities),
  config: snowflakeConfig,
  sqlParser: snowflakeSqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./snowflake-connector.js')).openSnowflake(snowflake, config),
};
