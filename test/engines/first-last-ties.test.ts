// first / last where the extreme time is shared: the smaller event id wins, a null id loses to any
// id, and the chosen row's value is the answer even when it is null. Likewise the latest custom
// trait, where the greater identify id wins a tie. DuckDB reads the rows at the
// extreme time only (max / min per group joined back), Postgres uses DISTINCT ON; the generated
// scenarios rarely tie and never have a null id, so these cases are written out here.
import { describe, expect, it } from 'vitest';
import type { ComputeKind, Definition } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { withDataset } from '../support/small-engines.js';
import { predicate } from '../../src/definitions/literal-instants.js';

const LOC = { file: 'test/ties.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const EARLY = '2024-05-01T00:00:00Z';
const LATE = '2024-05-20T00:00:00Z';

// Per user: [event id, time, plan] rows; the comment says what `last` / `first` must pick.
const EVENTS: Record<string, readonly (readonly [string | null, string, string | null])[]> = {
  u_tie: [['e2', LATE, 'pro'], ['e1', LATE, 'basic'], ['e0', EARLY, 'x']], // last: e1 basic
  u_null_id: [[null, LATE, 'null-id'], ['e9', LATE, 'nine'], [null, EARLY, 'a'], ['e8', EARLY, 'b']], // last: nine, first: b
  u_only_null_ids: [[null, LATE, 'only']], // one row: its value
  u_null_value: [['e3', LATE, null], ['e4', LATE, 'four'], ['e5', EARLY, null]], // last: null (e3), first: null (e5)
  u_after: [['e6', '2024-06-02T00:00:00Z', 'future'], ['e7', EARLY, 'past']], // the future row does not exist
};

// The latest non-null role: the greater identify id wins a tie, a null id loses, a null role is skipped.
function identifies(): SourceRow[] {
  const row = (id: string | null, user: string, at: string, role: string | null): SourceRow => ({
    id,
    user_id: user,
    anonymous_id: null,
    timestamp: at,
    received_at: at,
    role,
  });
  return [
    row('i1', 'u_tie', LATE, 'one'),
    row('i2', 'u_tie', LATE, 'two'),
    row('i0', 'u_tie', EARLY, 'zero'),
    row(null, 'u_null_id', LATE, 'null-id'),
    row('i3', 'u_null_id', LATE, 'three'),
    row('i4', 'u_null_value', LATE, null),
    row('i5', 'u_null_value', EARLY, 'five'),
  ];
}

function dataset(): SourceDataset {
  const base = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  const events: SourceRow[] = Object.entries(EVENTS).flatMap(([user, rows]) =>
    rows.map(([id, at, plan], k) => ({
      id,
      user_id: user,
      anonymous_id: null,
      event: 'plan_chosen',
      event_text: 'Plan Chosen',
      timestamp: at,
      received_at: at,
      context_group_id: k % 2 === 0 ? null : 'acct_b',
      plan,
    })),
  );
  const users = Object.keys(EVENTS);
  const groups: SourceRow[] = users.flatMap((user, i) =>
    ['acct_a', ...(i % 2 === 0 ? ['acct_b'] : [])].map((group) => ({
      id: `g_${user}_${group}`,
      user_id: user,
      anonymous_id: null,
      group_id: group,
      timestamp: EARLY,
      received_at: EARLY,
    })),
  );
  return {
    tables: {
      identifies: { columns: { ...base, role: 'string' }, rows: identifies() },
      groups: { columns: { ...base, group_id: 'string' }, rows: groups },
      tracks: { columns: eventColumns, rows: events.map(({ plan: _plan, ...row }) => row) },
      plan_chosen: { columns: { ...eventColumns, plan: 'string' }, rows: events },
    },
  };
}

function definitions(): Definition[] {
  const trait = (name: string, level: 'user' | 'account', compute: ComputeKind, scope: 'users' | 'group_context'): Definition => ({
    kind: 'computed_trait',
    name,
    level,
    compute,
    event: { kind: 'track', name: 'Plan Chosen' },
    window: null,
    filters: [],
    property: 'plan',
    minFrequency: 2,
    scope,
    description: null,
    sync: [],
    loc: LOC,
  });
  const roleIs = (role: string): Definition => ({
    kind: 'audience',
    name: `role_${role}`,
    level: 'user',
    where: { kind: 'trait', trait: 'role', predicate: predicate('equals', role, false), loc: LOC },
    schedule: null,
    maxExitFraction: null,
    description: null,
    sync: [],
    loc: LOC,
  });
  return [
    roleIs('two'),
    roleIs('three'),
    roleIs('five'),
    trait('last_plan', 'user', 'last', 'users'),
    trait('first_plan', 'user', 'first', 'users'),
    trait('account_last_plan', 'account', 'last', 'users'),
    trait('account_first_plan', 'account', 'first', 'users'),
    trait('context_last_plan', 'account', 'last', 'group_context'),
  ];
}

async function check(connection: WarehouseConnection): Promise<void> {
  const project = makeProject(definitions());
  const data = dataset();
  const catalog = await readCatalog(connection, project);
  const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: project.definitions.map((d) => d.name) });
  const expected = evaluateReference(project, data, AS_OF);
  expect(differences(expected, actual)).toEqual([]);
  const last = actual.get('last_plan');
  const first = actual.get('first_plan');
  if (last?.kind !== 'trait' || first?.kind !== 'trait') throw new Error('the traits are missing');
  expect(Object.fromEntries(last.values)).toEqual({ u_tie: 'basic', u_null_id: 'nine', u_only_null_ids: 'only', u_null_value: null, u_after: 'past' });
  expect(first.values.get('u_null_id')).toBe('b');
  expect(first.values.get('u_null_value')).toBe(null);
  const members = (name: string) => {
    const a = actual.get(name);
    return a?.kind === 'audience' ? [...a.members].sort() : null;
  };
  expect([members('role_two'), members('role_three'), members('role_five')]).toEqual([['u_tie'], ['u_null_id'], ['u_null_value']]);
}

describe('first / last at a shared extreme time', () => {
  it('DuckDB breaks ties by id as the spec says, never for a null id, and keeps a null value', () => withDataset('duckdb', dataset(), check));

  it('Postgres (PGlite) gives the same answer', () => withDataset('postgres', dataset(), check));
});
