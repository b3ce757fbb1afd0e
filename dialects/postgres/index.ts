import { declareCapabilities } from '../../src/warehouse/capabilities.js';
import type { Dialect } from '../../src/warehouse/connection.js';
import { postgresConfig, type PostgresWarehouse } from './postgres-config.js';
import { PostgresPrinter } from './postgres-printer.js';
import { postgresSqlParser } from './postgres-sql-parser.js';

const capabilities = declareCapabilities({
  // https://www.postgresql.org/docs/current/sql-expressions.html#SYNTAX-AGGREGATES
  supportsAggregateFilter: true,
  // concat: "NULL arguments are ignored". https://www.postgresql.org/docs/current/functions-string.html
  concatSkipsNulls: true,
  // DROP TABLE is transactional (rolled back with the transaction). https://wiki.postgresql.org/wiki/Transactional_DDL_in_PostgreSQL:_A_Competitive_Analysis
  transactionalDdl: true,
});

export const postgres: Dialect<PostgresWarehouse> = {
  name: 'postgres',
  capabilities,
  printer: new PostgresPrinter(capabilities),
  config: postgresConfig,
  sqlParser: postgresSqlParser,
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./postgres-connector.js')).openPostgres(postgres, config),
};
