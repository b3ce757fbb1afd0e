// A timestamp literal is parsed once, when the definition is read: "2024-01-31t12:00:00z" (lower
// case t and z, which ISO-8601 allows) validates as a timestamp, so the compiled SQL must compare
// the timestamp column with that instant, not with a string, and the reference evaluator must
// read the same instant. Before, the loader accepted it and the lowering printed it as text.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { checkProject } from '../../src/definitions/check-references.js';
import type { Definition } from '../../src/definitions/model.js';
import { parseDefinitionFile } from '../../src/definitions/parse-definition.js';
import { YamlFile } from '../../src/definitions/yaml-source.js';
import { compileSql, evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { loadDataset } from '../support/load-duckdb.js';

const AS_OF = '2024-06-01T00:00:00.000Z';
const LITERAL = '2024-01-31t12:00:00z';

function definitions(): Definition[] {
  const y = new YamlFile(
    'audiences/late_trials.yml',
    [
      'audience: late_trials',
      'level: user',
      'where:',
      `  any:`,
      `    - { trait: trial_ends_at, gt: "${LITERAL}" }`,
      `    - { trait: trial_ends_at, in: ["${LITERAL}", "2024-03-01"] }`,
      '',
    ].join('\n'),
  );
  const parsed = parseDefinitionFile(y);
  expect(y.diagnostics).toEqual([]);
  return parsed;
}

function dataset(): SourceDataset {
  const base = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const row = (id: string, trialEndsAt: string): SourceRow => ({
    id: `i_${id}`,
    user_id: id,
    anonymous_id: null,
    timestamp: '2024-01-01T00:00:00Z',
    received_at: '2024-01-01T00:00:00Z',
    trial_ends_at: trialEndsAt,
  });
  const identifies = [
    row('before', '2024-01-31T11:59:59Z'),
    row('at', '2024-01-31T12:00:00Z'),
    row('after', '2024-01-31T12:00:01Z'),
    row('march', '2024-03-01T00:00:00Z'),
  ];
  return {
    tables: {
      identifies: { columns: { ...base, trial_ends_at: 'timestamp' }, rows: identifies },
      groups: { columns: { ...base, group_id: 'string' }, rows: [] },
      tracks: { columns: { ...base, event: 'string', event_text: 'string', context_group_id: 'string' }, rows: [] },
    },
  };
}

describe('a timestamp literal in lower case ISO-8601', () => {
  it('is parsed at load into the instant every later stage reads', () => {
    const [audience] = definitions();
    expect(audience.kind === 'audience' && audience.where.kind === 'any' && audience.where.children[0].kind === 'trait' && audience.where.children[0].predicate.instants).toEqual({
      [LITERAL]: '2024-01-31T12:00:00.000Z',
    });
  });

  it('compiles to a timestamp literal and gives the reference answer on DuckDB', async () => {
    const project = makeProject(definitions());
    const data = dataset();
    const connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      await loadDataset(connection.connection, data);
      const catalog = await readCatalog(connection, project);
      expect(checkProject(project, catalog)).toEqual([]);
      const sql = compileSql({ project, catalog, asOf: AS_OF, targets: ['late_trials'] }, duckdb.printer);
      expect(sql).not.toContain(`'${LITERAL}'`);
      expect(sql).toContain("> TIMESTAMP '2024-01-31 12:00:00");
      expect(sql).toContain("IN (TIMESTAMP '2024-01-31 12:00:00");
      const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['late_trials'] });
      const expected = evaluateReference(project, data, AS_OF);
      expect(differences(expected, actual)).toEqual([]);
      const result = actual.get('late_trials');
      expect(result?.kind === 'audience' ? [...result.members].sort() : null).toEqual(['after', 'at', 'march']);
    } finally {
      await connection.close();
    }
  });
});
