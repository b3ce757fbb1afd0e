// NaN and the infinities in a double column are read as null wherever quorum reads a number
// (docs/semantics.md, "Numbers that are not finite"; src/sql/finite-values.ts): by every compute
// kind, by property filters, by custom traits and SQL trait columns. Before, DuckDB's max and
// unique_list held NaN, which its to_json writes bare: `members` failed ('"NaN" is not valid
// JSON'), and a run wrote calls that delivery set aside as corrupt, holding back the user's later
// calls. Postgres gave the string "NaN"; a property filter `gt: 1` held for NaN on both.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import { explain, memberList } from '../../src/evaluation/inspect.js';
import type { DefinitionResult, SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { differences } from '../support/compare-results.js';
import { loadDataset, runSqlTraits } from '../support/load-duckdb.js';
import { membershipRows, SEGMENT_COLUMNS } from '../support/segment-rows.js';
import { withDataset } from '../support/small-engines.js';
import { removeTempDirs, runAt, tempDir } from '../sync/support/harness.js';

afterAll(() => removeTempDirs());

const AS_OF = '2024-06-01T00:00:00.000Z';
const at = (hour: number): string => new Date(Date.parse('2024-05-20T00:00:00Z') + hour * 3_600_000).toISOString();

/** Each user's scores in event time order (the event at hour k is `s_<user>_<k>`). */
const SCORES: Record<string, readonly number[]> = {
  u1: [NaN, 1.5, NaN, 2.5, Infinity, NaN, 2.5, -Infinity],
  u2: [0.5, 0.5],
  u3: [NaN],
};
/** Each user's identify calls in time order: their custom traits. */
const IDENTIFIES: Record<string, readonly { rating: number | null; height: number | null }[]> = {
  u1: [{ rating: 4, height: 180 }, { rating: NaN, height: null }],
  u2: [{ rating: Infinity, height: -Infinity }],
  u3: [{ rating: 0.5, height: NaN }],
};

function dataset(): SourceDataset {
  const track = { ...SEGMENT_COLUMNS, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  const scored: SourceRow[] = Object.entries(SCORES).flatMap(([user, scores]) =>
    scores.map((score, k) => ({ id: `s_${user}_${k}`, user_id: user, anonymous_id: null, event: 'scored', event_text: 'Scored', timestamp: at(k), received_at: at(k), context_group_id: null, score })),
  );
  const identifies: SourceRow[] = Object.entries(IDENTIFIES).flatMap(([user, calls]) =>
    calls.map((traits, k) => ({ id: `i_${user}_${k}`, user_id: user, anonymous_id: null, timestamp: at(k), received_at: at(k), ...traits })),
  );
  return {
    tables: {
      identifies: { columns: { ...SEGMENT_COLUMNS, rating: 'number', height: 'number' }, rows: identifies },
      groups: { columns: { ...SEGMENT_COLUMNS, group_id: 'string' }, rows: membershipRows({ a1: ['u1', 'u2'], a2: ['u3'] }, at(0)) },
      tracks: { columns: track, rows: scored.map(({ score: _score, ...row }) => row) },
      scored: { columns: { ...track, score: 'number' }, rows: scored },
    },
  };
}

const SYNC = 'sync: [ { to: audit } ]';
const TRAITS = [
  ...['max', 'min', 'unique_list', 'unique_count', 'first', 'last', 'sum', 'avg'].map((compute) => `- { computed_trait: score_${compute}, level: user, compute: ${compute}, event: Scored, property: score, ${SYNC} }`),
  `- { computed_trait: score_usual, level: user, compute: most_frequent, min_frequency: 1, event: Scored, property: score, ${SYNC} }`,
  `- { computed_trait: high_scores, level: user, compute: count, event: Scored, where: [ { property: score, gt: 1 } ], ${SYNC} }`,
  `- { computed_trait: unscored, level: user, compute: count, event: Scored, where: [ { property: score, exists: false } ], ${SYNC} }`,
  `- { computed_trait: account_max, level: account, compute: max, event: Scored, property: score, ${SYNC} }`,
  `- { computed_trait: account_list, level: account, compute: unique_list, event: Scored, property: score, ${SYNC} }`,
  `- { computed_trait: account_usual, level: account, compute: most_frequent, min_frequency: 1, event: Scored, property: score, ${SYNC} }`,
  `- { sql_trait: top_score, level: user, sql: "select user_id, max(score) as top_score from {{ source('scored') }} group by user_id", ${SYNC} }`,
].join('\n');
const AUDIENCES = [
  `- { audience: rated, level: user, where: [ { trait: rating, gt: 1 } ], ${SYNC} }`,
  `- { audience: measured, level: user, where: [ { trait: height, exists: true } ], ${SYNC} }`,
  `- { audience: topped, level: user, where: [ { trait: top_score, exists: true } ], ${SYNC} }`,
].join('\n');

// Every NaN and infinity is a null: u3 has no score at all, u1 has 1.5, 2.5 and 2.5.
const EXPECTED: Record<string, Record<string, unknown>> = {
  score_max: { u1: 2.5, u2: 0.5, u3: null },
  score_min: { u1: 1.5, u2: 0.5, u3: null },
  score_unique_list: { u1: [1.5, 2.5], u2: [0.5], u3: [] },
  score_unique_count: { u1: 2, u2: 1, u3: 0 },
  score_first: { u1: null, u2: 0.5, u3: null },
  score_last: { u1: null, u2: 0.5, u3: null },
  score_sum: { u1: 6.5, u2: 1, u3: 0 },
  score_avg: { u1: 6.5 / 3, u2: 0.5, u3: null },
  // NaN is seen three times, 2.5 twice
  score_usual: { u1: 2.5, u2: 0.5, u3: null },
  high_scores: { u1: 3, u2: 0, u3: 0 },
  unscored: { u1: 5, u2: 0, u3: 1 },
  account_max: { a1: 2.5, a2: null },
  account_list: { a1: [0.5, 1.5, 2.5], a2: [] },
  // 0.5 and 2.5 twice each: the smaller wins
  account_usual: { a1: 0.5, a2: null },
  top_score: { u1: null, u2: 0.5, u3: null },
};
const MEMBERS: Record<string, readonly string[]> = { rated: ['u1'], measured: ['u1'], topped: ['u2'] };

async function writeProject(dir: string, traits = TRAITS, audiences = AUDIENCES): Promise<Project> {
  await mkdir(path.join(dir, 'traits'), { recursive: true });
  await mkdir(path.join(dir, 'audiences'), { recursive: true });
  await writeFile(
    path.join(dir, 'quorum.yml'),
    ['warehouse: { type: duckdb, path: warehouse.duckdb }', 'source: { preset: segment, schema: app, event_time: timestamp }', 'destinations: { audit: { type: file, path: out/calls.ndjson } }', ''].join('\n'),
  );
  await writeFile(path.join(dir, 'traits', 'scores.yml'), `${traits}\n`);
  await writeFile(path.join(dir, 'audiences', 'audiences.yml'), `${audiences}\n`);
  const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    await loadDataset(connection, dataset());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const { project, diagnostics } = await loadProject(dir, { env: {}, dialects: dialectNamed });
  expect(diagnostics).toEqual([]);
  return project!;
}

function answerOf(result: DefinitionResult | undefined): unknown {
  if (result === undefined) throw new Error('no result');
  if (result.kind === 'audience') return [...result.members].sort();
  return Object.fromEntries([...result.values].map(([id, value]) => [String(id), value]));
}

async function referenceAnswer(project: Project): Promise<Map<string, DefinitionResult>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await loadDataset(connection, dataset());
    const sql = await runSqlTraits(connection, project, AS_OF);
    return evaluateReference(project, dataset(), AS_OF, { sqlTraitRows: sql.rows, sqlTraitColumnTypes: sql.types });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('NaN and the infinities in a double column read as null', () => {
  let project: Project;
  let reference: Map<string, DefinitionResult>;
  beforeAll(async () => {
    project = await writeProject(await tempDir('non-finite'));
    reference = await referenceAnswer(project);
  });

  it('in the reference evaluator', () => {
    for (const [name, values] of Object.entries(EXPECTED)) expect(answerOf(reference.get(name)), name).toEqual(values);
    for (const [name, members] of Object.entries(MEMBERS)) expect(answerOf(reference.get(name)), name).toEqual(members);
  });

  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`on ${engine === 'duckdb' ? 'DuckDB' : 'Postgres (PGlite)'}: every compute kind, property filter, custom trait and SQL trait column, the custom traits read together and alone`, async () => {
      await withDataset(engine, dataset(), async (connection) => {
        const catalog = await readCatalog(connection, project);
        const targets = project.definitions.map((d) => d.name);
        const answer = await evaluate(connection, { project, catalog, asOf: AS_OF, targets });
        expect(differences(reference, answer)).toEqual([]);
        for (const [name, values] of Object.entries(EXPECTED)) expect(answerOf(answer.get(name)), name).toEqual(values);
        for (const [name, members] of Object.entries(MEMBERS)) expect(answerOf(answer.get(name)), name).toEqual(members);
        // One custom trait alone is the latest row holding it, not an aggregate per column (lower-universe.ts).
        for (const name of ['rated', 'measured']) {
          const alone = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: [name] });
          expect(answerOf(alone.get(name)), name).toEqual(MEMBERS[name]);
        }
      });
    });
  }

  it('a DuckDB run writes calls that are all JSON, with the values above, and delivers them all', async () => {
    const dir = await tempDir('non-finite-run');
    await writeProject(dir);
    const output = await runAt(dir, AS_OF);
    expect([output.failed, output.errors]).toEqual([{}, []]);
    const calls = (await readFile(path.join(dir, 'out', 'calls.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { userId?: string; traits?: Record<string, unknown> });
    const sent = (trait: string) => Object.fromEntries(calls.filter((c) => c.traits?.[trait] !== undefined).map((c) => [c.userId, c.traits![trait]]));
    expect(sent('score_max')).toEqual({ u1: 2.5, u2: 0.5 });
    expect(sent('score_unique_list')).toEqual({ u1: [1.5, 2.5], u2: [0.5], u3: [] });
    expect(sent('score_first')).toEqual({ u2: 0.5 });
    expect(sent('top_score')).toEqual({ u2: 0.5 });
  });
});

describe('a list or an object that holds NaN, which the compiled SQL passes on as the warehouse holds it', () => {
  const LISTS = [
    `- { sql_trait: score_texts, level: user, sql: "select distinct user_id, ['NaN', 'Infinity'] as score_texts from {{ source('scored') }}", ${SYNC} }`,
    `- { sql_trait: score_lists, level: user, sql: "select user_id, list(score order by id) as score_lists from {{ source('scored') }} group by user_id", ${SYNC} }`,
  ];

  it('stops a DuckDB run at its evaluation, naming the trait and the entity, before any call is written', async () => {
    const dir = await tempDir('non-finite-list');
    await writeProject(dir, LISTS.join('\n'), '');
    const failure = await runAt(dir, AS_OF).then(
      () => null,
      (cause: unknown) => cause,
    );
    expect(failure).toBeInstanceOf(DiagnosticsError);
    const [d] = (failure as DiagnosticsError).diagnostics;
    expect(d.code).toBe('value_not_json');
    // u1's list and u3's both hold NaN; the first found is named
    expect(['trait "score_lists" has a value for user_id "u1" that is not JSON: [NaN,1.5,NaN,2.5,Infinity,NaN,2.5,-Infinity]', 'trait "score_lists" has a value for user_id "u3" that is not JSON: [NaN]']).toContain(d.message);
    expect(d.loc?.file).toMatch(/scores\.yml$/);
    await expect(readFile(path.join(dir, 'out', 'calls.ndjson'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('is named the same way by evaluate, members and explain, and a text "NaN" in a list is JSON', async () => {
    const dir = await tempDir('non-finite-members');
    const project = await writeProject(dir, LISTS.join('\n'), `- { audience: listed, level: user, where: [ { trait: score_lists, includes: 1.5 } ] }`);
    await withDataset('duckdb', dataset(), async (connection) => {
      const catalog = await readCatalog(connection, project);
      const texts = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['score_texts'] });
      expect(answerOf(texts.get('score_texts'))).toEqual({ u1: ['NaN', 'Infinity'], u2: ['NaN', 'Infinity'], u3: ['NaN', 'Infinity'] });
      const ctx = { connection, project, catalog, asOf: AS_OF };
      const reads: (() => Promise<unknown>)[] = [
        () => evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['score_lists'] }),
        () => memberList(ctx, 'score_lists'),
        () => explain(ctx, 'listed', 'u1'),
      ];
      for (const read of reads) {
        const failure = await read().then(
          () => null,
          (cause: unknown) => cause,
        );
        expect(failure).toBeInstanceOf(DiagnosticsError);
        expect((failure as DiagnosticsError).diagnostics.map((d) => d.code)).toEqual(['value_not_json']);
      }
    });
  });
});
