// Funnels (SPEC §5) against the reference evaluator on DuckDB, PGlite and, when a server is given,
// PostgreSQL over the wire: generated funnels over event sequences that sit on the window edges
// (funnel-arbitraries.ts). QUORUM_PROPERTY_RUNS sets the number of cases per engine (500 in CI,
// 10,000 in `npm run test:deep`); the seed is fresh on every run (QUORUM_SEED replays one).
import fc from 'fast-check';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { Project } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { differences } from '../support/compare-results.js';
import { arbFunnelScenario } from '../support/funnel-arbitraries.js';
import { loadDataset } from '../support/load-duckdb.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { PROPERTY_SEED } from '../support/property-seed.js';
import { wirePostgres } from '../support/wire-postgres.js';

const RUNS = Number(process.env.QUORUM_PROPERTY_RUNS ?? 500);
const SEED = PROPERTY_SEED;
const url = process.env.QUORUM_TEST_POSTGRES_URL;

/** Every generated funnel scenario, loaded by `load`, answers as the reference does on `connection`. */
async function agrees(connection: () => WarehouseConnection, load: (dataset: SourceDataset) => Promise<void>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbFunnelScenario(), async ({ project, dataset, asOf }) => {
      await load(dataset);
      const expected = evaluateReference(project, dataset, asOf);
      const actual = await answer(connection(), project, asOf, project.definitions.map((d) => d.name));
      expect(differences(expected, actual)).toEqual([]);
      // the account audience alone takes the memberships-only path
      const accountOnly = await answer(connection(), project, asOf, ['funnel_accounts']);
      expect(differences(new Map([...expected].filter(([name]) => name === 'funnel_accounts')), accountOnly)).toEqual([]);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
}

async function answer(connection: WarehouseConnection, project: Project, asOf: string, targets: readonly string[]) {
  const catalog = await readCatalog(connection, project);
  return evaluate(connection, { project, catalog, asOf, targets });
}

describe('funnels agree with the reference evaluator', () => {
  let duck: DuckDbConnection;
  let lite: PgliteConnection;

  beforeAll(async () => {
    duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    lite = await PgliteConnection.open(postgres);
  });

  afterAll(async () => {
    await duck?.close();
    await lite?.close();
  });

  it(`on DuckDB, ${RUNS} generated cases (seed ${SEED})`, async () => {
    await agrees(() => duck, async (dataset) => {
      await duck.execute('DROP SCHEMA IF EXISTS app CASCADE');
      await loadDataset(duck.connection, dataset);
    });
  }, 1_800_000);

  it(`on PGlite, ${RUNS} generated cases (seed ${SEED})`, async () => {
    await agrees(() => lite, (dataset) => loadDatasetPg(lite.db as PGlite, dataset));
  }, 1_800_000);
});

describe.skipIf(!url)('funnels over the wire: needs QUORUM_TEST_POSTGRES_URL (.ci/run starts a server and sets it)', () => {
  const server = wirePostgres(url!);

  it(`on PostgreSQL, ${RUNS} generated cases (seed ${SEED})`, async () => {
    await agrees(server.connection, server.load);
  }, 1_800_000);
});
