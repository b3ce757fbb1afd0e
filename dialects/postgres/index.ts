import type { Dialect } from '../../src/warehouse/connection.js';
import { PostgresPrinter } from './postgres-printer.js';
import { postgresSqlParser } from './postgres-sql-parser.js';

export const postgres: Dialect = {
  name: 'postgres',
  printer: new PostgresPrinter(),
  sqlParser: postgresSqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./postgres-connector.js')).openPostgres(postgres, config),
};
