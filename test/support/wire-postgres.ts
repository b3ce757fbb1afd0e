// A real PostgreSQL server for a differential suite (QUORUM_TEST_POSTGRES_URL, which .ci/run sets):
// quorum's own connector to answer, and a plain `pg` client to load each generated dataset.
// Registers its own setup and teardown in the calling describe block.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { loadDatasetPg, type PostgresSession } from '../dialects/support/load-pglite.js';

export interface WirePostgres {
  /** quorum's connection, open between beforeAll and afterAll. */
  connection(): WarehouseConnection;
  /** Replaces the `app` schema with the dataset. */
  load(dataset: SourceDataset): Promise<void>;
}

export interface WireSession {
  /** quorum's connection, open between beforeAll and afterAll. */
  connection(): WarehouseConnection;
  /** The plain client's statements, in the shape the loaders take. */
  session(): PostgresSession;
}

/** Opens both in the calling describe block's beforeAll; closes them in its afterAll, dropping `dropAfter` first. */
export function wireSession(url: string, dropAfter: readonly string[]): WireSession {
  let client: pg.Client;
  let connection: WarehouseConnection;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    connection = await postgres.connect({ type: 'postgres', url });
  });
  afterAll(async () => {
    await connection?.close();
    for (const schema of dropAfter) await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
  });
  return {
    connection: () => connection,
    session: () => ({ exec: (sql: string) => client.query(sql), query: (sql: string, params: unknown[]) => client.query(sql, params) }),
  };
}

export function wirePostgres(url: string): WirePostgres {
  const wire = wireSession(url, ['app']);
  return { connection: wire.connection, load: (dataset) => loadDatasetPg(wire.session(), dataset) };
}
