// The proof that compiled SQL is right: random definitions over random Segment-layout data must
// give the reference evaluator's answer on DuckDB. QUORUM_PROPERTY_RUNS sets the number of cases
// (500 in CI, 10,000 in `npm run test:deep`); the seed is fresh on every run (QUORUM_SEED replays one).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { evaluate, planFor, readCatalog } from '../../src/evaluation/evaluate.js';
import { buildPhysicalPlan } from '../../src/plan/physical/build-physical-plan.js';
import type { Plan } from '../../src/plan/plan.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { arbScenario } from '../support/arbitraries.js';
import { arbFunnel } from '../support/funnel-arbitraries.js';
import { differences } from '../support/compare-results.js';
import { PROPERTY_SEED } from '../support/property-seed.js';
import { loadDataset, quoteIdentifier, runSqlTraits } from '../support/load-duckdb.js';
import { TEST_DUCKDB } from '../support/test-duckdb.js';

export const PROPERTY_RUNS = Number(process.env.QUORUM_PROPERTY_RUNS ?? 500);

function listsEventUsers(plan: Plan): boolean {
  return buildPhysicalPlan(plan).ctes.some((c) => c.kind === 'features' && c.level === 'user' && c.strategy === 'event_users');
}

describe('compiled SQL on DuckDB agrees with the reference evaluator', () => {
  // One database for the whole file: opening a DuckDB instance per scenario cost more CPU than
  // most scenarios' queries. Each scenario drops the source schema, so no table outlives it.
  let connection: DuckDbConnection;
  beforeAll(async () => {
    connection = (await duckdb.connect(TEST_DUCKDB)) as DuckDbConnection;
  });
  afterAll(async () => {
    await connection?.close();
  });

  it(`on ${PROPERTY_RUNS} generated scenarios (seed ${PROPERTY_SEED})`, async () => {
    let listedWithoutUniverse = 0;
    await fc.assert(
      fc.asyncProperty(arbScenario({ userLeaves: [arbFunnel] }), async ({ project, dataset, asOf }) => {
        const schema = project.config.source.schema;
        await connection.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
        await loadDataset(connection.connection, dataset, schema);
        const catalog = await readCatalog(connection, project);
        const sqlTraits = await runSqlTraits(connection.connection, project, asOf);
        const targets = project.definitions.map((d) => d.name);
        const actual = await evaluate(connection, { project, catalog, asOf, targets });
        const expected = evaluateReference(project, dataset, asOf, { sqlTraitRows: sqlTraits.rows, sqlTraitColumnTypes: sqlTraits.types });
        expect(differences(expected, actual)).toEqual([]);
        // Account-level outputs alone take another path (users only through memberships).
        const accountTargets = project.definitions.filter((d) => d.level === 'account').map((d) => d.name);
        if (accountTargets.length > 0) {
          const accountOnly = await evaluate(connection, { project, catalog, asOf, targets: accountTargets });
          const expectedAccounts = new Map([...expected].filter(([name]) => accountTargets.includes(name)));
          expect(differences(expectedAccounts, accountOnly)).toEqual([]);
        }
        // User-level audiences alone, when their member list (and a run's staging) lists only the
        // users with a row some condition needs, not the universe (member-list-pass.ts).
        const userAudiences = project.definitions.filter((d) => d.level === 'user' && d.kind === 'audience').map((d) => d.name);
        if (userAudiences.length > 0 && listsEventUsers(planFor({ project, catalog, asOf, targets: userAudiences }))) {
          const listed = await evaluate(connection, { project, catalog, asOf, targets: userAudiences });
          const expectedUsers = new Map([...expected].filter(([name]) => userAudiences.includes(name)));
          expect(differences(expectedUsers, listed)).toEqual([]);
          listedWithoutUniverse += 1;
        }
      }),
      { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED, endOnFailure: true },
    );
    // The generator reaches the member-list path, or the block above proves nothing.
    if (PROPERTY_RUNS >= 100) expect(listedWithoutUniverse).toBeGreaterThan(0);
  }, 1_800_000);
});
