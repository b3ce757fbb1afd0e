import type { Dialect } from '../../src/warehouse/connection.js';
import { SnowflakePrinter } from './snowflake-printer.js';
import { snowflakeSqlParser } from './snowflake-sql-parser.js';

export const snowflake: Dialect = {
  name: 'snowflake',
  printer: new SnowflakePrinter(),
  sqlParser: snowflakeSqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./snowflake-connector.js')).openSnowflake(snowflake, config),
};
