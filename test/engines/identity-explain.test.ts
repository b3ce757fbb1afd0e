// `explain` with identity stitching on says how many of each count's events came through
// stitching (SPEC §2.1). Rows with a user_id are never re-attributed, so that number is the count
// with stitching minus the count without it: checked on a hand-written visitor and on generated
// data, on DuckDB and PGlite.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, IdentityConfig, Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { explain } from '../../src/evaluation/inspect.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { AS_OF, LOC, makeProject } from '../support/arbitraries.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { arbStitchableDataset, withIdentity } from '../support/identity-arbitraries.js';
import { PROPERTY_SEED } from '../support/property-seed.js';
import { predicate } from '../../src/definitions/literal-instants.js';

const ON: IdentityConfig = { stitch: 'anonymous_id', conflict: 'first' };
const OFF: IdentityConfig = { stitch: 'off', conflict: 'first' };

const loginsTrait: ComputedTraitDefinition = {
  kind: 'computed_trait', name: 'logins', level: 'user', description: null, sync: [], loc: LOC,
  compute: 'count', event: { kind: 'track', name: 'Logged In' }, window: null, filters: [], property: null, minFrequency: 2, scope: 'users',
};
const active: AudienceDefinition = {
  kind: 'audience', name: 'active', level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: {
    kind: 'any', loc: LOC,
    children: [
      { kind: 'trait', trait: 'logins', predicate: predicate('gte', 2, false), loc: LOC },
      { kind: 'performed', event: { kind: 'page', name: null }, window: { kind: 'within', seconds: 30 * 86_400, text: '30d' }, filters: [], count: { op: 'at_least', n: 1 }, loc: LOC },
    ],
  },
};

async function explained(connection: WarehouseConnection, project: Project, id: string, asOf: string) {
  const catalog = await readCatalog(connection, project);
  return explain({ connection, project, catalog, asOf }, 'active', id);
}

describe('explain shows the events that came through identity stitching', () => {
  const engines = duckAndPglite();
  const both = () => [engines.duck, engines.lite];

  async function load(dataset: SourceDataset): Promise<void> {
    await engines.loadDuck(dataset);
    await engines.loadLite(dataset);
  }

  it('a visitor who logged in twice before identifying', async () => {
    const call = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp' } as const;
    const track = { ...call, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
    const login = (id: string, user: string | null, day: number) => ({ id, user_id: user, anonymous_id: 'visitor', event: 'logged_in', event_text: 'Logged In', timestamp: `2024-05-0${day}T00:00:00Z`, context_group_id: null });
    const logins = [login('e1', null, 1), login('e2', null, 2), login('e3', 'amy', 6)];
    await load({
      tables: {
        identifies: { columns: call, rows: [{ id: 'i1', user_id: 'amy', anonymous_id: 'visitor', timestamp: '2024-05-05T00:00:00Z' }] },
        groups: { columns: { ...call, group_id: 'string' }, rows: [] },
        tracks: { columns: track, rows: logins },
        logged_in: { columns: track, rows: logins },
        pages: { columns: { ...track, name: 'string' }, rows: [] },
      },
    });
    const project = withIdentity(makeProject([loginsTrait, active]), ON);
    for (const connection of both()) {
      const before = await explained(connection, project, 'amy', '2024-05-04T00:00:00Z');
      expect(before.known).toBe(false); // not clairvoyant: amy does not exist before her identify
      const after = await explained(connection, project, 'amy', '2024-05-07T00:00:00Z');
      expect(after.member).toBe(true);
      expect(after.values.logins).toBe(3);
      expect(after.stitched).toEqual({ logins: 2, 'count of page within 30d': 0 });
      expect((await explained(connection, withIdentity(project, OFF), 'amy', '2024-05-07T00:00:00Z')).stitched).toBeUndefined();
    }
  });

  it('on generated data, stitched = the count with stitching - the count without', async () => {
    await fc.assert(
      fc.asyncProperty(arbStitchableDataset(), fc.constantFrom('u1', 'u2', 'u3'), async (dataset, user) => {
        await load(dataset);
        const project = makeProject([loginsTrait, active]);
        for (const connection of both()) {
          const on = await explained(connection, withIdentity(project, ON), user, AS_OF);
          const off = await explained(connection, withIdentity(project, OFF), user, AS_OF);
          if (!on.known) continue;
          const counts = Object.keys(on.stitched ?? {});
          expect(counts.length).toBe(2);
          for (const label of counts) expect(on.stitched![label]).toBe(Number(on.values[label]) - Number(off.known ? off.values[label] : 0));
        }
      }),
      { numRuns: 25, seed: PROPERTY_SEED, endOnFailure: true },
    );
  }, 300_000);
});
