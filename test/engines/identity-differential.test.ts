// Identity stitching (SPEC §2.1) proven like the rest of the language: generated definitions over
// data whose anonymous ids cross tables, conflict, and sit on the as_of boundary must give the
// reference evaluator's answer on DuckDB, PGlite and (with QUORUM_TEST_POSTGRES_URL) a real
// PostgreSQL server, with stitching off, `first` and `last`. QUORUM_PROPERTY_RUNS sets the cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import type { Project } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { DefinitionResult, SourceDataset } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { differences } from '../support/compare-results.js';
import { arbIdentityScenario, type IdentityScenarioOptions } from '../support/identity-arbitraries.js';
import { duckAndPglite, type DuckAndPglite } from '../support/duck-and-pglite.js';
import { runSqlTraits } from '../support/load-duckdb.js';
import { PROPERTY_SEED } from '../support/property-seed.js';
import { wirePostgres } from '../support/wire-postgres.js';

// The knobs of duckdb-differential.test.ts (importing them would run that suite here too).
const PROPERTY_RUNS = Number(process.env.QUORUM_PROPERTY_RUNS ?? 500);

const DEFINITIONS = { maxComputedTraits: 5, maxAudiences: 4, maxDepth: 3 } as const;

type Answer = (connection: WarehouseConnection, project: Project, asOf: string, targets: readonly string[]) => Promise<Map<string, DefinitionResult>>;

const answer: Answer = async (connection, project, asOf, targets) => {
  const catalog = await readCatalog(connection, project);
  return evaluate(connection, { project, catalog, asOf, targets });
};

/** The reference answer; SQL traits (which see raw rows) run on DuckDB. */
async function reference(duck: DuckDbConnection, project: Project, dataset: SourceDataset, asOf: string) {
  const sqlTraits = await runSqlTraits(duck.connection, project, asOf);
  return evaluateReference(project, dataset, asOf, { sqlTraitRows: sqlTraits.rows, sqlTraitColumnTypes: sqlTraits.types });
}

/** Runs the generated scenarios on one engine (loaded by `load`) against the reference. */
function stitchingProperty(load: (dataset: SourceDataset) => Promise<WarehouseConnection>, definitions: IdentityScenarioOptions = DEFINITIONS) {
  return async (engines: Pick<DuckAndPglite, 'duck' | 'loadDuck'>) => {
    await fc.assert(
      fc.asyncProperty(arbIdentityScenario(definitions), async ({ project, dataset, asOf }) => {
        await engines.loadDuck(dataset);
        const connection = await load(dataset);
        const expected = await reference(engines.duck, project, dataset, asOf);
        const targets = project.definitions.map((d) => d.name);
        expect(differences(expected, await answer(connection, project, asOf, targets))).toEqual([]);
        // Account-level outputs alone read users only through the memberships.
        const accountTargets = project.definitions.filter((d) => d.level === 'account').map((d) => d.name);
        if (accountTargets.length > 0) {
          const expectedAccounts = new Map([...expected].filter(([name]) => accountTargets.includes(name)));
          expect(differences(expectedAccounts, await answer(connection, project, asOf, accountTargets))).toEqual([]);
        }
      }),
      { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED, endOnFailure: true },
    );
  };
}

describe('identity stitching: compiled SQL agrees with the reference evaluator', () => {
  const engines = duckAndPglite();

  it(`on DuckDB, ${PROPERTY_RUNS} generated scenarios (seed ${PROPERTY_SEED})`, async () => {
    await stitchingProperty(async () => engines.duck)(engines);
  }, 1_800_000);

  it(`on PGlite, ${PROPERTY_RUNS} generated scenarios (seed ${PROPERTY_SEED})`, async () => {
    await stitchingProperty(async (dataset) => {
      await engines.loadLite(dataset);
      return engines.lite;
    })(engines);
  }, 1_800_000);
});

const url = process.env.QUORUM_TEST_POSTGRES_URL;

describe.skipIf(!url)('identity stitching over the wire: needs QUORUM_TEST_POSTGRES_URL (.ci/run starts a server and sets it)', () => {
  const engines = duckAndPglite();
  const server = wirePostgres(url!);

  it(`on PostgreSQL, ${PROPERTY_RUNS} generated scenarios (seed ${PROPERTY_SEED})`, async () => {
    await stitchingProperty(async (dataset) => {
      await server.load(dataset);
      return server.connection();
      // A SQL trait's rows are the warehouse's own (its collation orders max(email)); the reference
      // gets them from DuckDB, so over the wire the scenarios leave SQL traits out. They see raw
      // rows, unaffected by stitching, which DuckDB and PGlite check above.
    }, { ...DEFINITIONS, sqlTraits: false })(engines);
  }, 1_800_000);
});
