// One in-memory DuckDB and one PGlite for a whole test file, opened before its tests and closed
// after them: the engines a generated dataset is loaded into, case after case.
import { afterAll, beforeAll } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { loadDataset } from './load-duckdb.js';
import { TEST_DUCKDB } from './test-duckdb.js';

export interface DuckAndPglite {
  readonly duck: DuckDbConnection;
  readonly lite: PgliteConnection;
  /** Replaces the `app` schema of DuckDB with the dataset. */
  loadDuck(dataset: SourceDataset): Promise<void>;
  /** Replaces the `app` schema of PGlite with the dataset. */
  loadLite(dataset: SourceDataset): Promise<void>;
}

/** Call at the top of a describe block; the engines exist inside its tests. */
export function duckAndPglite(): DuckAndPglite {
  let duck: DuckDbConnection | undefined;
  let lite: PgliteConnection | undefined;
  beforeAll(async () => {
    duck = (await duckdb.connect(TEST_DUCKDB)) as DuckDbConnection;
    lite = await PgliteConnection.open(postgres);
  });
  afterAll(async () => {
    await duck?.close();
    await lite?.close();
  });
  return {
    get duck() {
      if (!duck) throw new Error('DuckDB is opened in beforeAll');
      return duck;
    },
    get lite() {
      if (!lite) throw new Error('PGlite is opened in beforeAll');
      return lite;
    },
    async loadDuck(dataset) {
      await this.duck.execute('DROP SCHEMA IF EXISTS app CASCADE');
      await loadDataset(this.duck.connection, dataset);
    },
    async loadLite(dataset) {
      await loadDatasetPg(this.lite.db as PGlite, dataset);
    },
  };
}
