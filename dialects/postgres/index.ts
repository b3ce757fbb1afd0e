import type { Dialect } from '../../src/warehouse/connection.js';
import { PostgresPrinter } from './postgres-printer.js';

export const postgres: Dialect = {
  name: 'postgres',
  printer: new PostgresPrinter(),
  // The client library loads only when a run connects: `quorum compile` never pays for it.
  connect: async (config) => (await import('./postgres-connector.js')).openPostgres(postgres, config),
};
