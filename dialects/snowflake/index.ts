import type { Dialect } from '../../src/warehouse/connection.js';
import { SnowflakePrinter } from './snowflake-printer.js';

export const snowflake: Dialect = {
  name: 'snowflake',
  printer: new SnowflakePrinter(),
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./snowflake-connector.js')).openSnowflake(snowflake, config),
};
