// Hostile text in definitions and in data: quotes, backslashes, comment markers, semicolons, LIKE
// wildcards, unicode and very long strings, as trait values, event names and property values.
// Each must reach SQL as an inert literal and give the answer the reference evaluator gives.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { Condition, Definition, Predicate } from '../../src/definitions/model.js';
import { snakeCase } from '../../src/definitions/snake-case.js';
import { compileSql, evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { loadDataset } from '../support/load-duckdb.js';
import { predicate } from '../../src/definitions/literal-instants.js';

export const HOSTILE: readonly string[] = [
  "O'Brien",
  "''",
  "'; DROP TABLE app.identifies; --",
  'back\\slash',
  '\\',
  "trailing\\'",
  '-- not a comment',
  '/* not a comment */',
  'semi;colon',
  '50%_off',
  '%',
  '_',
  'dollar $$ quoted $$',
  '"double"',
  '`backtick`',
  'Ünïcödé — “quotes”',
  'emoji 😀 and 𝔘𝔫𝔦',
  'new\nline',
  'tab\tand\rreturn',
  'x'.repeat(10_000),
];

const LOC = { file: 'test/hostile.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const EVENT = "Clicked O'Brien's -- \"button\"; 50%_off \\ 😀";

function dataset(): SourceDataset {
  const table = snakeCase(EVENT);
  const identifies: SourceRow[] = HOSTILE.map((value, i) => ({
    id: `i${i}`,
    user_id: `u${i}`,
    anonymous_id: null,
    timestamp: '2024-05-01T00:00:00Z',
    received_at: '2024-05-01T00:00:00Z',
    nickname: value,
  }));
  const groups: SourceRow[] = HOSTILE.map((value, i) => ({
    id: `g${i}`,
    user_id: `u${i}`,
    anonymous_id: null,
    group_id: `acct ${value.slice(0, 40)}`,
    timestamp: '2024-05-01T00:00:00Z',
    received_at: '2024-05-01T00:00:00Z',
    motto: value,
  }));
  const events: SourceRow[] = HOSTILE.flatMap((value, i) =>
    Array.from({ length: 1 + (i % 3) }, (_, k) => ({
      id: `e${i}_${k}`,
      user_id: `u${i}`,
      anonymous_id: null,
      event: table,
      event_text: EVENT,
      timestamp: `2024-05-2${k}T00:00:00Z`,
      received_at: `2024-05-2${k}T00:00:00Z`,
      context_group_id: null,
      label: value,
    })),
  );
  const base = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  return {
    tables: {
      identifies: { columns: { ...base, nickname: 'string' }, rows: identifies },
      groups: { columns: { ...base, group_id: 'string', motto: 'string' }, rows: groups },
      tracks: { columns: eventColumns, rows: events.map(({ label: _label, ...row }) => row) },
      [table]: { columns: { ...eventColumns, label: 'string' }, rows: events },
    },
  };
}

function definitions(): Definition[] {
  const out: Definition[] = [];
  const base = { description: null, sync: [], loc: LOC };
  const ops: Predicate['op'][] = ['equals', 'not_equals', 'contains', 'starts_with', 'ends_with', 'lt'];
  HOSTILE.forEach((value, i) => {
    const op = ops[i % ops.length];
    const compared: Predicate = predicate(op, value, i % 4 === 1 && op !== 'lt');
    const inList: Predicate = predicate('in', [value, HOSTILE[(i + 1) % HOSTILE.length]], false);
    const userWhere: Condition = {
      kind: 'any',
      loc: LOC,
      children: [
        { kind: 'trait', trait: 'nickname', predicate: compared, loc: LOC },
        { kind: 'performed', event: { kind: 'track', name: EVENT }, window: null, filters: [{ property: 'label', predicate: inList, loc: LOC }], count: { op: 'at_least', n: 2 }, loc: LOC },
      ],
    };
    out.push({ ...base, kind: 'audience', name: `hostile_users_${i}`, level: 'user', where: userWhere, schedule: null, maxExitFraction: null });
    out.push({
      ...base,
      kind: 'audience',
      name: `hostile_accounts_${i}`,
      level: 'account',
      where: { kind: 'all', loc: LOC, children: [{ kind: 'trait', trait: 'motto', predicate: compared, loc: LOC }, { kind: 'quantifier', quantifier: 'any_user', atLeast: null, condition: userWhere, loc: LOC }] },
      schedule: null,
      maxExitFraction: null,
    });
  });
  out.push({
    ...base,
    kind: 'computed_trait',
    name: 'labels',
    level: 'account',
    compute: 'unique_list',
    event: { kind: 'track', name: EVENT },
    window: { kind: 'within', seconds: 86_400 * 30, text: '30d' },
    filters: [],
    property: 'label',
    minFrequency: 2,
    scope: 'users',
  });
  out.push({ ...base, kind: 'computed_trait', name: 'top_label', level: 'user', compute: 'most_frequent', event: { kind: 'track', name: EVENT }, window: null, filters: [], property: 'label', minFrequency: 1, scope: 'users' });
  return out;
}

describe('hostile literals', () => {
  it('are inert in SQL and give the reference answer on DuckDB', async () => {
    const project = makeProject(definitions());
    const data = dataset();
    const connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      await loadDataset(connection.connection, data);
      const catalog = await readCatalog(connection, project);
      const targets = project.definitions.map((d) => d.name);
      const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets });
      const expected = evaluateReference(project, data, AS_OF);
      expect(differences(expected, actual)).toEqual([]);
      // The answers are not trivially empty: each user matches its own nickname with `equals`.
      const first = actual.get('hostile_users_0');
      expect(first?.kind === 'audience' && first.members.has('u0')).toBe(true);
      // The statement still reads every table it should: nothing was dropped or commented out.
      const rows = await connection.query('select count(*) as n from app.identifies');
      expect(Number(rows[0].n)).toBe(HOSTILE.length);
    } finally {
      await connection.close();
    }
  });

  it('never leave a quote, comment or statement break outside a literal', () => {
    const project = makeProject(definitions());
    const sql = compileSql({ project, asOf: AS_OF, targets: project.definitions.map((d) => d.name) }, duckdb.printer);
    // Strip every string literal and quoted identifier; what is left must hold no hostile fragment.
    const outside = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
    expect(outside).not.toContain(';');
    expect(outside).not.toContain('DROP');
    expect(outside.split('\n').filter((line) => line.includes('--') && !line.trimStart().startsWith('--'))).toEqual([]);
  });
});
