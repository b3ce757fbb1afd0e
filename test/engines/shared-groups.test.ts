// A user-level most_frequent trait is a partial count of an account-level scan's per-user groups
// only when it ranks the very property those groups are keyed by (src/plan/physical/
// ranked-traits-pass.ts). Here the same table carries two properties whose most frequent values
// differ for every user: a most_frequent of the other property must keep its own scan, and both
// must answer as the reference does.
import { describe, expect, it } from 'vitest';
import type { ComputedTraitDefinition, Definition } from '../../src/definitions/model.js';
import { evaluate, planFor, readCatalog } from '../../src/evaluation/evaluate.js';
import { buildPhysicalPlan } from '../../src/plan/physical/build-physical-plan.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { eventTrait, membershipRows, SEGMENT_COLUMNS } from '../support/segment-rows.js';
import { withDataset } from '../support/small-engines.js';

const LOC = { file: 'test/shared-groups.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const JOINED = '2024-04-01T00:00:00Z';

// Each user's events: (feature, area). The most frequent feature and the most frequent area come
// from different events, so ranking one by the other's counts gives a different answer.
const EVENTS: Record<string, readonly (readonly [string, string])[]> = {
  u1: [['search', 'billing'], ['search', 'reports'], ['export', 'billing'], ['share', 'billing']],
  u2: [['export', 'admin'], ['export', 'reports'], ['search', 'admin'], ['share', 'admin']],
  u3: [['share', 'reports']],
};
const ACCOUNTS: Record<string, readonly string[]> = { acc_a: ['u1', 'u2'], acc_b: ['u3'] };

function dataset(): SourceDataset {
  const base = SEGMENT_COLUMNS;
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string', feature: 'string', area: 'string' } as const;
  const events: SourceRow[] = Object.entries(EVENTS).flatMap(([user, rows]) =>
    rows.map(([feature, area], k) => {
      const at = `2024-05-${String(10 + k).padStart(2, '0')}T00:00:00Z`;
      return { id: `e_${user}_${k}`, user_id: user, anonymous_id: null, event: 'feature_used', event_text: 'Feature Used', timestamp: at, received_at: at, context_group_id: null, feature, area };
    }),
  );
  const groups = membershipRows(ACCOUNTS, JOINED);
  return {
    tables: {
      identifies: { columns: base, rows: [] },
      groups: { columns: { ...base, group_id: 'string' }, rows: groups },
      tracks: { columns: { ...base, event: 'string', event_text: 'string', context_group_id: 'string' }, rows: [] },
      feature_used: { columns: eventColumns, rows: events },
    },
  };
}

function computed(name: string, level: 'user' | 'account', compute: ComputedTraitDefinition['compute'], property: string): ComputedTraitDefinition {
  return eventTrait(name, level, compute, 'Feature Used', property, LOC);
}

const DEFINITIONS: readonly Definition[] = [
  computed('account_features', 'account', 'unique_count', 'feature'),
  computed('top_feature', 'user', 'most_frequent', 'feature'),
  computed('top_area', 'user', 'most_frequent', 'area'),
];

const EXPECTED: Record<string, Record<string, unknown>> = {
  account_features: { acc_a: 3, acc_b: 1 },
  top_feature: { u1: 'search', u2: 'export', u3: 'share' },
  top_area: { u1: 'billing', u2: 'admin', u3: 'reports' },
};

async function check(connection: WarehouseConnection): Promise<void> {
  const project = makeProject(DEFINITIONS);
  const targets = DEFINITIONS.map((d) => d.name);
  const catalog = await readCatalog(connection, project);
  const strategies = buildPhysicalPlan(planFor({ project, catalog, asOf: AS_OF, targets })).ctes.flatMap((c) => (c.kind === 'ranked' ? [`${c.name} ${c.strategy}`] : []));
  expect(strategies).toEqual(['trait:top_feature from_shared_groups', 'trait:top_area count_then_rank']);
  const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets });
  expect(differences(evaluateReference(project, dataset(), AS_OF), actual)).toEqual([]);
  for (const [name, values] of Object.entries(EXPECTED)) {
    const result = actual.get(name);
    expect(result?.kind === 'trait' ? Object.fromEntries(result.values) : null, name).toEqual(values);
  }
}

describe('most_frequent traits beside an account scan of the same table', () => {
  it('DuckDB', () => withDataset('duckdb', dataset(), check));

  it('Postgres (PGlite)', () => withDataset('postgres', dataset(), check));
});
