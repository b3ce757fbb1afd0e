// A warehouse edited by hand or half loaded can hold a user_id in an event's own table and nowhere
// that the user universe is read from (identifies, groups, tracks, pages, screens). An audience
// that only users with an event row can satisfy finds its members from those rows, not from the
// universe (member-list-pass.ts), so such a user is its member; every other definition reads the
// universe, where it is not. members, preview, explain and run must say the same about it, and a
// definition's answer must not depend on which others run with it (docs/semantics.md, "Entities").
// Identity edges are read from the same five tables: an edge that only an event table carries
// links nobody, in the reference evaluator as in the warehouse. On DuckDB and PGlite.
import { describe, expect, it } from 'vitest';
import { predicate } from '../../src/definitions/literal-instants.js';
import type {
  AudienceDefinition,
  ComputedTraitDefinition,
  Condition,
  Definition,
  IdentityConfig,
  Project,
} from '../../src/definitions/model.js';
import { evaluate, planFor, readCatalog, runQuery } from '../../src/evaluation/evaluate.js';
import { explain, memberList, preview } from '../../src/evaluation/inspect.js';
import type { DefinitionResult, SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { syncDefinitions } from '../../src/sync/run-definitions.js';
import { stagingQuery } from '../../src/sync/staging-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { AS_OF, LOC, makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { withIdentity } from '../support/identity-arbitraries.js';

const CALL = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp' } as const;
const TRACK = { ...CALL, event: 'string', event_text: 'string', context_group_id: 'string' } as const;

function track(id: string, user: string | null, anonymous: string | null, event: 'Logged In' | 'Report Created', day: number): SourceRow {
  return {
    id,
    user_id: user,
    anonymous_id: anonymous,
    event: event === 'Logged In' ? 'logged_in' : 'report_created',
    event_text: event,
    timestamp: `2024-05-${String(day).padStart(2, '0')}T00:00:00Z`,
    context_group_id: null,
  };
}

/**
 * amy and bob are users; ghost has three logins in `logged_in` that `tracks` lacks (the load of
 * `tracks` failed for them), and no other row.
 */
function ghostWarehouse(): SourceDataset {
  const logins = [
    track('a1', 'amy', null, 'Logged In', 3),
    track('a2', 'amy', null, 'Logged In', 4),
    track('a3', 'amy', null, 'Logged In', 5),
  ];
  const ghost = [
    track('g1', 'ghost', null, 'Logged In', 6),
    track('g2', 'ghost', null, 'Logged In', 7),
    track('g3', 'ghost', null, 'Logged In', 8),
  ];
  const reports = [track('b1', 'bob', null, 'Report Created', 9)];
  return {
    tables: {
      identifies: {
        columns: CALL,
        rows: [
          { id: 'i1', user_id: 'amy', anonymous_id: null, timestamp: '2024-05-01T00:00:00Z' },
          { id: 'i2', user_id: 'bob', anonymous_id: null, timestamp: '2024-05-01T00:00:00Z' },
        ],
      },
      groups: {
        columns: { ...CALL, group_id: 'string' },
        rows: [{ id: 'g1', user_id: 'amy', anonymous_id: null, group_id: 'acme', timestamp: '2024-05-01T00:00:00Z' }],
      },
      tracks: { columns: TRACK, rows: [...logins, ...reports] },
      logged_in: { columns: TRACK, rows: [...logins, ...ghost] },
      report_created: { columns: TRACK, rows: reports },
    },
  };
}

const audience = (name: string, where: Condition): AudienceDefinition => ({
  kind: 'audience',
  name,
  level: 'user',
  description: null,
  sync: [],
  loc: LOC,
  schedule: null,
  where,
  maxExitFraction: null,
});
const performed = (event: string, op: 'at_least' | 'at_most', n: number): Condition => ({
  kind: 'performed',
  event: { kind: 'track', name: event },
  window: null,
  filters: [],
  count: { op, n },
  loc: LOC,
});
const logins: ComputedTraitDefinition = {
  kind: 'computed_trait',
  name: 'logins',
  level: 'user',
  description: null,
  sync: [],
  loc: LOC,
  compute: 'count',
  event: { kind: 'track', name: 'Logged In' },
  window: null,
  filters: [],
  property: null,
  minFrequency: 1,
  scope: 'users',
};
/** Only a user with two logins can be a member: its members are found from the logins. */
const regulars = audience('regulars', performed('Logged In', 'at_least', 2));
/** A user without any row is a member: it reads the universe. */
const quiet = audience('quiet', performed('Report Created', 'at_most', 0));
/** Needs a login, and membership of an audience that reads the universe. */
const quietRegulars = audience('quiet_regulars', {
  kind: 'all',
  loc: LOC,
  children: [performed('Logged In', 'at_least', 1), { kind: 'in_audience', audience: 'quiet', negated: false, loc: LOC }],
});
/** Needs a login, through a trait a missing value fails. */
const loggedIn = audience('logged_in_twice', { kind: 'trait', trait: 'logins', predicate: predicate('gte', 2, false), loc: LOC });
const DEFINITIONS: readonly Definition[] = [logins, regulars, quiet, quietRegulars, loggedIn];

const membersOf = (results: ReadonlyMap<string, DefinitionResult>, name: string): string[] => {
  const result = results.get(name);
  if (result?.kind !== 'audience') throw new Error(`${name} is not an audience result`);
  return [...result.members].sort();
};

async function staged(connection: WarehouseConnection, project: Project, targets: readonly string[]): Promise<Map<string, string[]>> {
  const catalog = await readCatalog(connection, project);
  const plan = planFor({ project, catalog, asOf: AS_OF, targets });
  const rows = await runQuery(connection, connection.dialect.printer.print(stagingQuery(plan, syncDefinitions(project, plan))));
  const out = new Map<string, string[]>(targets.map((t) => [t, []]));
  for (const row of rows) out.get(String(row.definition))?.push(String(row.entity_id));
  for (const ids of out.values()) ids.sort();
  return out;
}

describe('a user_id that only an event table holds', () => {
  const engines = duckAndPglite();

  it('is a member of an audience whose members need an event row, and no user of anything else, whatever runs with it', async () => {
    const dataset = ghostWarehouse();
    await engines.loadDuck(dataset);
    await engines.loadLite(dataset);
    const project = makeProject(DEFINITIONS);
    const all = DEFINITIONS.map((d) => d.name);
    for (const connection of [engines.duck, engines.lite]) {
      const catalog = await readCatalog(connection, project);
      const ctx = { connection, project, catalog, asOf: AS_OF };
      const together = await evaluate(connection, { ...ctx, targets: all });
      const run = await staged(connection, project, all);
      for (const name of ['regulars', 'quiet', 'quiet_regulars', 'logged_in_twice']) {
        const alone = membersOf(await evaluate(connection, { ...ctx, targets: [name] }), name);
        expect({ name, members: membersOf(together, name) }).toEqual({ name, members: alone });
        expect({ name, run: run.get(name) }).toEqual({ name, run: alone });
        expect({ name, run: (await staged(connection, project, [name])).get(name) }).toEqual({ name, run: alone });
        expect({ name, list: (await memberList(ctx, name)).ids }).toEqual({ name, list: alone });
      }
      expect(membersOf(together, 'regulars')).toEqual(['amy', 'ghost']);
      expect(membersOf(together, 'logged_in_twice')).toEqual(['amy', 'ghost']);
      expect(membersOf(together, 'quiet')).toEqual(['amy']);
      expect(membersOf(together, 'quiet_regulars')).toEqual(['amy']);
      const values = together.get('logins');
      expect(values?.kind === 'trait' ? [...values.values.keys()].sort() : null).toEqual(['amy', 'bob']);

      const explained = await explain(ctx, 'regulars', 'ghost');
      expect({ known: explained.known, member: explained.member, values: explained.values }).toEqual({
        known: true,
        member: true,
        values: { 'count of Logged In': 3 },
      });
      expect((await explain(ctx, 'logged_in_twice', 'ghost')).member).toBe(true);
      expect((await explain(ctx, 'quiet', 'ghost')).known).toBe(false);
      expect((await explain(ctx, 'quiet_regulars', 'ghost')).member).toBe(false);

      const previewed = await preview(ctx, 'regulars');
      expect(previewed.size).toBe(2);
      expect(previewed.breakdown[0].matched).toBe(previewed.size);
      expect(previewed.sample.map((s) => s.id)).toEqual(['amy', 'ghost']);
    }
  });

  it('does not link an anonymous_id to it through an identify edge that only an event table carries', async () => {
    // visitor's first login is anonymous; the login that carries both ids is missing from tracks.
    const anonymous = track('v1', null, 'visitor', 'Logged In', 2);
    const linked = track('v2', 'amy', 'visitor', 'Logged In', 3);
    const dataset: SourceDataset = {
      tables: {
        identifies: { columns: CALL, rows: [{ id: 'i1', user_id: 'amy', anonymous_id: null, timestamp: '2024-05-01T00:00:00Z' }] },
        groups: { columns: { ...CALL, group_id: 'string' }, rows: [] },
        tracks: { columns: TRACK, rows: [anonymous] },
        logged_in: { columns: TRACK, rows: [anonymous, linked] },
      },
    };
    await engines.loadDuck(dataset);
    await engines.loadLite(dataset);
    const stitching: IdentityConfig = { stitch: 'anonymous_id', conflict: 'first' };
    const project = withIdentity(makeProject([logins, regulars]), stitching);
    const expected = evaluateReference(project, dataset, AS_OF);
    const value = expected.get('logins');
    expect(value?.kind === 'trait' ? value.values.get('amy') : undefined).toBe(1);
    for (const connection of [engines.duck, engines.lite]) {
      const catalog = await readCatalog(connection, project);
      const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['logins', 'regulars'] });
      expect(differences(expected, actual)).toEqual([]);
    }
  });
});
