// The pieces of `quorum test` on their own: value comparison,
// column typing across cases, and test files read against a project's own source layout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import { YamlFile } from '../../src/definitions/yaml-source.js';
import { caseRows, suiteTables } from '../../src/testing/case-data.js';
import { sameValue } from '../../src/testing/compare.js';
import { parseTestFile, testFileContext } from '../../src/testing/parse-test-file.js';
import { projectShape } from '../../src/testing/project-shape.js';
import { selectCases } from '../../src/testing/select.js';
import { dialectNamed } from '../../dialects/registry.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('sameValue', () => {
  it('compares numbers, timestamps as instants, lists in order and SQL trait columns by the ones listed', () => {
    expect(sameValue(3, 3.0, true)).toBe(true);
    expect(sameValue(0.1 + 0.2, 0.3, true)).toBe(true);
    expect(sameValue(2, '2', true)).toBe(true);
    expect(sameValue('2024-05-01', '2024-05-01 00:00:00', true)).toBe(true);
    expect(sameValue('2024-05-01T10:00:00Z', '2024-05-01 10:00:00.000000', true)).toBe(true);
    expect(sameValue('2024-05-01', '2024-05-02 00:00:00', true)).toBe(false);
    expect(sameValue(['a', 'b'], ['b', 'a'], true)).toBe(false);
    expect(sameValue({ seats: 3 }, { seats: 3, owner: 'x' }, true)).toBe(true);
    expect(sameValue(null, undefined, false)).toBe(true);
    expect(sameValue(0, undefined, false)).toBe(false);
    expect(sameValue(true, 'true', true)).toBe(false);
  });
});

async function customLayout() {
  const { project } = await loadProject(path.join(repo, 'fixtures/test-projects/custom-layout'), { env: { CRM_WRITE_KEY: 'x' }, dialects: dialectNamed });
  const shape = projectShape(project!);
  return { project: project!, shape, context: testFileContext(project!, shape) };
}

describe('test files in a project with its own source layout', () => {
  it('name the renamed column when a row uses Segment\'s default name', async () => {
    const { context } = await customLayout();
    const y = new YamlFile('tests/x.test.yml', ['test: t', 'as_of: 2024-06-01', 'given:', '  identifies:', '    - { user_id: u1, timestamp: 2024-01-01 }', 'expect: { engaged_accounts: [] }', ''].join('\n'));
    parseTestFile(y, context);
    expect(y.diagnostics.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.code} ${d.message} | ${d.hint}`)).toEqual([
      '5:9 unknown_key this project\'s source layout calls the "user_id" column "uid" (source.columns in quorum.yml). | write "uid"',
      '5:7 missing_key an identifies row has no "received_at", the event time column of this project (source.event_time), so it would never exist. | this project reads event times from received_at, and "timestamp" is an ordinary column here; add received_at: as well',
    ]);
  });

  it('load events into the renamed tracks table and the event table, with the layout\'s columns', async () => {
    const { shape, context } = await customLayout();
    const y = new YamlFile('tests/x.test.yml', [
      'test: t',
      'as_of: 2024-06-01',
      'given:',
      '  events: [{ uid: u1, event: Dashboard Viewed, received_at: 2024-05-01, repeat: 2, properties: { widgetCount: 3, panel: { size: 1.5 } } }]',
      '  groups: [{ uid: u1, account_id: 7, received_at: 2024-05-01, tier: 2, size: 2 }, { account_id: b, received_at: 2024-05-01, tier: gold, size: 2.5 }]',
      'expect: { engaged_accounts: [] }',
      '',
    ].join('\n'));
    const [testCase] = parseTestFile(y, context);
    expect(y.diagnostics).toEqual([]);
    const rows = caseRows(testCase, shape.layout);
    expect(rows[0].get('all_tracks')).toEqual([
      { id: 'track-000001', uid: 'u1', received_at: '2024-05-01', event: 'dashboard_viewed', event_text: 'Dashboard Viewed' },
      { id: 'track-000002', uid: 'u1', received_at: '2024-05-01', event: 'dashboard_viewed', event_text: 'Dashboard Viewed' },
    ]);
    expect(rows[0].get('dashboard_viewed')?.[0]).toEqual({ widget_count: 3, panel_size: 1.5, id: 'track-000001', uid: 'u1', received_at: '2024-05-01', event: 'dashboard_viewed', event_text: 'Dashboard Viewed' });
    const tables = suiteTables(shape, rows);
    expect(tables.account_links).toMatchObject({ id: 'string', uid: 'string', account_id: 'string', received_at: 'timestamp', tier: 'string', size: 'number' });
    expect(tables.dashboard_viewed).toMatchObject({ widget_count: 'integer', panel_size: 'number', context_group_id: 'string' });
    expect(tables.users_identifies).toMatchObject({ title: 'string' }); // read by a definition, given by no case
    expect(Object.keys(tables).sort()).toEqual(['account_links', 'all_tracks', 'dashboard_viewed', 'pages', 'screens', 'users_identifies']);
  });

  it('widen a column that mixes types to text, and take a literal\'s type for a column no case gives', async () => {
    const { shape, context } = await customLayout();
    const y = new YamlFile('tests/x.test.yml', [
      '- test: a',
      '  as_of: 2024-06-01',
      '  given: { identifies: [{ uid: u1, received_at: 2024-01-01, title: 7 }] }',
      '  expect: { engaged_accounts: [] }',
      '- test: b',
      '  as_of: 2024-06-01',
      '  given: { identifies: [{ uid: u1, received_at: 2024-01-01, title: VP, score: 1 }, { uid: u2, received_at: 2024-01-01, score: 2.5, seen: 2024-01-01 }] }',
      '  expect: { engaged_accounts: [] }',
      '',
    ].join('\n'));
    const cases = parseTestFile(y, context);
    const tables = suiteTables(shape, cases.flatMap((c) => caseRows(c, shape.layout)));
    expect(tables.users_identifies).toMatchObject({ title: 'string', score: 'number', seen: 'timestamp' });
    expect(selectCases(cases, ['B'], () => ({ names: new Set() })).map((c) => c.name)).toEqual(['b']);
  });
});
