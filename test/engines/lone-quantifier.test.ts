// An account audience that is one any_user / all_users over a single `performed` leaf compiles to
// set operations on the memberships (a semi-join, or two anti-joins) instead of per-user counts.
// Here every user sits exactly at, under or over the leaf's threshold, which the generated
// scenarios reach only now and then, and accounts mix users on both sides of it.
import { describe, expect, it } from 'vitest';
import type { CountOp, Definition } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { withDataset } from '../support/small-engines.js';

const LOC = { file: 'test/lone-quantifier.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const JOINED = '2024-04-01T00:00:00Z';

// Logins per user in the last 7 days (and one older login each, outside the window).
const LOGINS: Record<string, number> = { u0: 0, u1: 1, u2: 2, u3: 3, v2: 2, w2: 2, w3: 3 };
// Accounts and their users: mixed, all at the threshold, all over it, none.
const ACCOUNTS: Record<string, readonly string[]> = {
  a_mixed: ['u0', 'u1', 'u2', 'u3'],
  a_at: ['v2', 'w2'],
  a_over: ['w3', 'u3'],
  a_under: ['u0', 'u1'],
  a_empty: [],
};

function dataset(): SourceDataset {
  const base = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  const events: SourceRow[] = Object.entries(LOGINS).flatMap(([user, n]) =>
    [...Array.from({ length: n }, (_, k) => `2024-05-${String(26 + k).padStart(2, '0')}T00:00:00Z`), '2024-05-01T00:00:00Z'].map((at, k) => ({
      id: `e_${user}_${k}`,
      user_id: user,
      anonymous_id: null,
      event: 'logged_in',
      event_text: 'Logged In',
      timestamp: at,
      received_at: at,
      context_group_id: null,
    })),
  );
  const groups: SourceRow[] = Object.entries(ACCOUNTS).flatMap(([account, users]) =>
    (users.length === 0 ? [null] : users).map((user) => ({
      id: `g_${account}_${user}`,
      user_id: user,
      anonymous_id: null,
      group_id: account,
      timestamp: JOINED,
      received_at: JOINED,
    })),
  );
  return {
    tables: {
      identifies: { columns: base, rows: [] },
      groups: { columns: { ...base, group_id: 'string' }, rows: groups },
      tracks: { columns: eventColumns, rows: events },
      logged_in: { columns: eventColumns, rows: events },
    },
  };
}

function audience(name: string, quantifier: 'any_user' | 'all_users', op: CountOp, n: number): Definition {
  return {
    kind: 'audience',
    name,
    level: 'account',
    where: {
      kind: 'quantifier',
      quantifier,
      atLeast: null,
      condition: {
        kind: 'performed',
        event: { kind: 'track', name: 'Logged In' },
        window: { kind: 'within', seconds: 7 * 86_400, text: '7d' },
        filters: [],
        count: { op, n },
        loc: LOC,
      },
      loc: LOC,
    },
    schedule: null,
    maxExitFraction: null,
    description: null,
    sync: [],
    loc: LOC,
  };
}

const EXPECTED: Record<string, readonly string[]> = {
  any_at_least_2: ['a_at', 'a_mixed', 'a_over'],
  any_exactly_2: ['a_at', 'a_mixed'],
  all_at_least_2: ['a_at', 'a_over'],
  all_exactly_2: ['a_at'],
  all_at_least_1: ['a_at', 'a_over'],
};

// One definition per run: a run of several shares one quantifier aggregate instead.
async function check(connection: WarehouseConnection): Promise<void> {
  const definitions = [
    audience('any_at_least_2', 'any_user', 'at_least', 2),
    audience('any_exactly_2', 'any_user', 'exactly', 2),
    audience('all_at_least_2', 'all_users', 'at_least', 2),
    audience('all_exactly_2', 'all_users', 'exactly', 2),
    audience('all_at_least_1', 'all_users', 'at_least', 1),
  ];
  const project = makeProject(definitions);
  const data = dataset();
  const catalog = await readCatalog(connection, project);
  const expected = evaluateReference(project, data, AS_OF);
  for (const d of definitions) {
    const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: [d.name] });
    expect(differences(new Map([[d.name, expected.get(d.name)!]]), actual)).toEqual([]);
    const result = actual.get(d.name);
    expect(result?.kind === 'audience' ? [...result.members].sort() : null).toEqual(EXPECTED[d.name]);
  }
}

describe('one quantifier over one performed leaf, at its threshold', () => {
  it('DuckDB', () => withDataset('duckdb', dataset(), check));

  it('Postgres (PGlite)', () => withDataset('postgres', dataset(), check));
});
