// A stitched group call makes its owner a member from the later of the call's time and the time
// of the edge that decided the owner (SPEC §2.1), which decides an account's earliest user for
// `group_identity: member`. The staging rows `quorum run` writes must name the reference's earliest
// user, on DuckDB and PGlite, for generated stitchable data and a hand-written time-travel case.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComputedTraitDefinition, IdentityConfig, Project } from '../../src/definitions/model.js';
import { planFor, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { membershipSince } from '../../src/reference/identity.js';
import { compareCodePoints, parseInstant } from '../../src/reference/values.js';
import { stagingQuery, type SyncDefinition } from '../../src/sync/diff-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { AS_OF, LOC, makeProject } from '../support/arbitraries.js';
import { arbStitchableDataset, IDENTITY_MODES, withIdentity } from '../support/identity-arbitraries.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

const RUNS = Math.max(50, Math.floor(Number(process.env.QUORUM_PROPERTY_RUNS ?? 500) / 5));
const SEED = PROPERTY_SEED;

const logins: ComputedTraitDefinition = {
  kind: 'computed_trait', name: 'logins', level: 'account', description: null, sync: [], loc: LOC,
  compute: 'count', event: { kind: 'track', name: 'Logged In' }, window: null, filters: [], property: null, minFrequency: 2, scope: 'users',
};

const SYNC: SyncDefinition = {
  name: 'logins', kind: 'trait', level: 'account', multiColumn: false, computationId: 'logins',
  targets: [{ destination: 'crm', calls: ['group'], trackEvents: { entered: 'Audience Entered', exited: 'Audience Exited' }, groupIdentity: 'member' }],
};

/** account -> its earliest user, as the staging rows of a run say. */
async function earliestUsers(connection: WarehouseConnection, project: Project, asOf: string): Promise<Map<string, string>> {
  const plan = planFor({ project, asOf, targets: ['logins'], catalog: await readCatalog(connection, project) });
  const rows = await connection.query(connection.dialect.printer.print(stagingQuery(plan, [SYNC])));
  return new Map(rows.filter((r) => r.user_id !== null && Number(r.position) === 1).map((r) => [String(r.entity_id), String(r.user_id)]));
}

/** account -> its earliest user by the reference; accounts whose earliest time is shared by two users are left out (string collation). */
function expectedEarliest(project: Project, dataset: SourceDataset, asOf: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [account, users] of membershipSince(dataset, project.config.source, project.config.identity, parseInstant(asOf))) {
    const sorted = [...users].sort((a, b) => a[1] - b[1] || compareCodePoints(a[0], b[0]));
    if (sorted.length > 1 && sorted[0][1] === sorted[1][1]) continue;
    out.set(account, sorted[0][0]);
  }
  return out;
}

function withoutTies(actual: Map<string, string>, expected: Map<string, string>): Map<string, string> {
  return new Map([...actual].filter(([account]) => expected.has(account)));
}

describe('the earliest user of an account counts stitched group calls from when they were stitched', () => {
  const engines = duckAndPglite();

  async function load(dataset: SourceDataset): Promise<void> {
    await engines.loadDuck(dataset);
    await engines.loadLite(dataset);
  }

  it('a visitor who joined an account anonymously before signing up is its earliest user only from the identify on', async () => {
    const at = (day: number) => `2024-05-0${day}T00:00:00Z`;
    const call = { columns: { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp' } } as const;
    const dataset: SourceDataset = {
      tables: {
        groups: {
          columns: { ...call.columns, group_id: 'string' },
          rows: [
            { id: 'g1', user_id: null, anonymous_id: 'visitor', group_id: 'acme', timestamp: at(1) },
            { id: 'g2', user_id: 'zoe', anonymous_id: null, group_id: 'acme', timestamp: at(3) },
          ],
        },
        identifies: { columns: call.columns, rows: [{ id: 'i1', user_id: 'amy', anonymous_id: 'visitor', timestamp: at(5) }] },
        tracks: { columns: { ...call.columns, event: 'string', event_text: 'string', context_group_id: 'string' }, rows: [] },
        logged_in: { columns: { ...call.columns, event: 'string', event_text: 'string', context_group_id: 'string' }, rows: [] },
      },
    };
    await load(dataset);
    const project = withIdentity(makeProject([logins]), { stitch: 'anonymous_id', conflict: 'first' });
    for (const connection of [engines.duck, engines.lite]) {
      expect(await earliestUsers(connection, project, at(4))).toEqual(new Map([['acme', 'zoe']]));
      // from day 5 amy is a member since day 5: zoe (day 3) stays the earliest, though amy's call was on day 1
      expect(await earliestUsers(connection, project, at(6))).toEqual(new Map([['acme', 'zoe']]));
      expect(await earliestUsers(connection, withIdentity(project, { stitch: 'off', conflict: 'first' }), at(6))).toEqual(new Map([['acme', 'zoe']]));
    }
    expect(expectedEarliest(project, dataset, at(6))).toEqual(new Map([['acme', 'zoe']]));
  });

  it(`on ${RUNS} generated datasets, stitching off, first and last (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(arbStitchableDataset(), fc.constantFrom<IdentityConfig>(...IDENTITY_MODES), async (dataset, identity) => {
        await load(dataset);
        const project = withIdentity(makeProject([logins]), identity);
        const expected = expectedEarliest(project, dataset, AS_OF);
        expect(withoutTies(await earliestUsers(engines.duck, project, AS_OF), expected)).toEqual(expected);
        expect(withoutTies(await earliestUsers(engines.lite, project, AS_OF), expected)).toEqual(expected);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 600_000);
});
