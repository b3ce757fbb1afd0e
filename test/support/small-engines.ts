// A hand-written dataset loaded into a fresh DuckDB or PGlite warehouse, for tests that check a
// few exact cases on both executable engines.
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { loadDataset } from './load-duckdb.js';

export type SmallEngine = 'duckdb' | 'postgres';

export async function withDataset(engine: SmallEngine, data: SourceDataset, work: (connection: WarehouseConnection) => Promise<void>): Promise<void> {
  if (engine === 'duckdb') {
    const connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      await loadDataset(connection.connection, data);
      await work(connection);
    } finally {
      await connection.close();
    }
    return;
  }
  const connection = await PgliteConnection.open(postgres);
  try {
    await loadDatasetPg(connection.db as never, data);
    await work(connection);
  } finally {
    await connection.close();
  }
}
