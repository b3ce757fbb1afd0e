// Identity edges are read from identifies, groups, tracks, pages and screens, as Segment writes
// them (docs/semantics.md, "Entities"): an edge that only an event's own table carries (a
// hand-edited or half-loaded warehouse) links nobody, in the reference evaluator as in the
// warehouse. On DuckDB and PGlite.
import { describe, expect, it } from 'vitest';
import type { ComputedTraitDefinition, IdentityConfig } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
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

describe('an identity edge that only an event table carries', () => {
  const engines = duckAndPglite();

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
    const project = withIdentity(makeProject([logins]), stitching);
    const expected = evaluateReference(project, dataset, AS_OF);
    const value = expected.get('logins');
    expect(value?.kind === 'trait' ? value.values.get('amy') : undefined).toBe(1);
    for (const connection of [engines.duck, engines.lite]) {
      const catalog = await readCatalog(connection, project);
      const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['logins'] });
      expect(differences(expected, actual)).toEqual([]);
    }
  });
});
