// `quorum test` where it once disagreed with `quorum run` or hid the real problem: --select over a
// broken test file, the run's selectors in --select, --json on invalid input, an empty expect, an event named after a layout table,
// the standard Segment columns a case leaves out, and a sum over a column the cases made text.
import { describe, expect, it } from 'vitest';
import { formatJUnit } from '../../src/testing/report-junit.js';
import { formatTextReport } from '../../src/testing/report-text.js';
import { runTests } from '../../src/testing/run-tests.js';
import { dialectNamed, FIXTURES } from '../../dialects/registry.js';
import { tempProject } from '../definitions/fixture-helpers.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const PROJECT: Record<string, string> = {
  'quorum.yml': `warehouse: { type: duckdb, path: warehouse.duckdb }
source: { preset: segment, schema: app, event_time: timestamp }
state: { schema: quorum }
destinations: { audit: { type: file, path: out/calls.ndjson } }
`,
  'audiences/active_users.yml': 'audience: active_users\nlevel: user\nwhere: { performed: Logged In, within: 7d }\n',
  'traits/tracks_sent.yml': 'computed_trait: tracks_sent\nlevel: user\ncompute: count\nevent: Tracks\n',
  'traits/page_views.yml': 'computed_trait: page_views\nlevel: user\ncompute: count\nevent: page\n',
  'traits/revenue.yml': 'computed_trait: revenue\nlevel: user\ncompute: sum\nevent: Order Completed\nproperty: amount\n',
  'traits/last_received.yml': `sql_trait: last_received
level: user
sql: |
  SELECT t.user_id, MAX(t.received_at) AS last_received, MAX(p.title) AS last_title
  FROM {{ source('tracks') }} t LEFT JOIN {{ source('pages') }} p ON p.user_id = t.user_id
  GROUP BY t.user_id
`,
};

const COMPOSED = { dialects: dialectNamed, fixtures: FIXTURES };

/** A project whose one case must pass, without a diagnostic. */
async function expectPassing(files: Record<string, string>): Promise<void> {
  const run = await runTests({ ...COMPOSED, root: tempProject(files) });
  expect(run.diagnostics).toEqual([]);
  expect(run.results.map((r) => r.status), formatTextReport(run)).toEqual(['passed']);
}

describe('invalid test files come before --select, and --json says so as every command does', () => {
  const broken = { ...PROJECT, 'tests/broken.test.yml': 'test: a typo\nas_of: 2024-06-01\nexpect: { active_user: [] }\n' };

  it('--select over a broken test file exits 1 with the file:line problem, not a usage error', async () => {
    const result = await cliIn(tempProject(broken), 'test', '--select', 'active_users');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tests/broken.test.yml:3:11 error[unknown_reference]: "expect" names "active_user"');
    expect(result.stderr).not.toContain('matched no test case');
  });

  it('--json prints {"error": ...} with every problem beside it, and exits 1', async () => {
    const result = await cliIn(tempProject(broken), 'test', '--json');
    expect(result.code).toBe(1);
    const data = JSON.parse(result.stdout) as { error: Record<string, unknown>; diagnostics: { code: string }[]; passed?: number };
    expect(data.error).toEqual({
      code: 'unknown_reference',
      message: '"expect" names "active_user", but no audience or trait of the project has that name.',
      hint: 'did you mean "active_users"?',
      file: 'tests/broken.test.yml',
      line: 3,
    });
    expect(data.diagnostics.map((d) => d.code)).toEqual(['unknown_reference']);
    expect(data.passed).toBeUndefined();
    expect(result.stderr).toContain('tests/broken.test.yml:3:11 error[unknown_reference]');
  });

  it('--json on a broken quorum.yml prints the same error object', async () => {
    const result = await cliIn(tempProject({ ...PROJECT, 'quorum.yml': 'source: { preset: segmnt }\n' }), 'test', '--json');
    expect(result.code).toBe(1);
    const data = JSON.parse(result.stdout) as { error: { file: string; line: number; code: string } };
    expect(data.error).toMatchObject({ file: 'quorum.yml', line: 1 });
  });
});

describe('a case that checks nothing', () => {
  it('expect: {} and a case whose steps expect nothing are errors with a fix', async () => {
    const root = tempProject({
      ...PROJECT,
      'tests/empty.test.yml': `- test: nothing expected
  as_of: 2024-06-01
  expect: {}
- test: steps that expect nothing
  steps:
    - at: 2024-06-01
- test: an empty expect_exited
  steps:
    - at: 2024-06-01
      expect: { active_users: [] }
      expect_exited: {}
`,
    });
    const run = await runTests({ ...COMPOSED, root });
    expect(run.results).toEqual([]);
    expect(run.diagnostics.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.code}: ${d.message}`)).toEqual([
      '3:11 invalid_value: "expect" is empty, so it checks nothing.',
      '5:3 missing_key: no step of this case expects anything (expect:, expect_entered:, expect_exited:, expect_changed:, expect_calls: or expect_guardrail:), so the case checks nothing.',
      '11:22 invalid_value: "expect_exited" is empty, so it checks nothing.',
    ]);
    expect(run.diagnostics[0].hint).toBe(
      'name at least one audience or trait with what you expect of it, e.g. expect: { at_risk_accounts: [acme] }; to keep a case that is not ready, write skip: <reason>',
    );
  });
});

describe('the test tables are those of a Segment warehouse', () => {
  it('an event whose table is tracks is one row, and an event named Pages is no page view', async () => {
    await expectPassing({
      ...PROJECT,
      'tests/tracks.test.yml': `test: one call is one row
as_of: 2024-06-01
given:
  events:
    - { user_id: u1, event: Tracks, timestamp: 2024-05-01, properties: { plan: pro } }
    - { user_id: u1, event: Pages, timestamp: 2024-05-01 }
expect:
  tracks_sent: { u1: 1 }
  page_views: { u1: 0 }
`,
    });
  });

  it('given timestamps keep their microseconds: funnel steps a microsecond apart follow each other, as in the warehouse', async () => {
    await expectPassing({
      ...PROJECT,
      'audiences/quick_funnel.yml': 'audience: quick_funnel\nlevel: user\nwhere: { performed: Added, within: 7d, then: { performed: Ordered, within: 2d } }\n',
      'tests/micro.test.yml': `test: a step one microsecond later follows; one at the same instant does not
as_of: 2024-06-10T00:00:00Z
given:
  events:
    - { user_id: w7, event: Added, timestamp: "2024-06-04T00:00:00.000001Z" }
    - { user_id: w7, event: Ordered, timestamp: "2024-06-04T00:00:00.000002Z" }
    - { user_id: w8, event: Added, timestamp: "2024-06-04T00:00:00.000002Z" }
    - { user_id: w8, event: Ordered, timestamp: "2024-06-04T00:00:00.000002Z" }
expect:
  quick_funnel: [w7]
`,
    });
  });

  it("a SQL trait reads the preset's standard columns that no case gives, as nulls", async () => {
    await expectPassing({
      ...PROJECT,
      'tests/columns.test.yml': `test: received_at and title are there, null
as_of: 2024-06-01
given:
  events: [{ user_id: u1, event: Logged In, timestamp: 2024-05-30 }]
  pages: [{ user_id: u1, timestamp: 2024-05-30, name: Pricing }]
expect:
  last_received: { u1: { last_received: null, last_title: null } }
`,
    });
  });
});

describe('a sum over a column the cases made text', () => {
  it('names the case and the value that made it text, not a binder error', async () => {
    const root = tempProject({
      ...PROJECT,
      'tests/revenue.test.yml': `- test: numbers add up
  as_of: 2024-06-01
  given:
    events: [{ user_id: u1, event: Order Completed, timestamp: 2024-05-01, properties: { amount: 1 } }]
  expect: { revenue: { u1: 1 } }
- test: a text amount
  as_of: 2024-06-01
  given:
    events:
      - { user_id: u2, event: Order Completed, timestamp: 2024-05-01, properties: { amount: 2 } }
      - { user_id: u2, event: Order Completed, timestamp: 2024-05-02, properties: { amount: abc } }
  expect: { revenue: { u2: 2 } }
`,
    });
    const run = await runTests({ ...COMPOSED, root });
    expect(run.results.map((r) => r.status)).toEqual(['error', 'error']);
    const why =
      'computed trait "revenue" computes sum of property "amount", but case "a text amount" (tests/revenue.test.yml:11) gives it "abc", which makes column "amount" of order_completed text in every case (a column has one type across the cases of a run, as in a warehouse). Give "amount" numbers in every case.';
    expect(run.results.map((r) => r.error)).toEqual([why, why]);
  });
});

describe("--select takes the selectors of quorum run --select", () => {
  // logins (user trait) <- active (user audience); big_accounts (account audience)
  const files: Record<string, string> = {
    'quorum.yml': PROJECT['quorum.yml'],
    'traits/logins.yml': 'computed_trait: logins\nlevel: user\ncompute: count\nevent: Logged In\nwithin: 7d\n',
    'audiences/active.yml': 'audience: active\nlevel: user\nwhere: { trait: logins, gte: 1 }\n',
    'audiences/big_accounts.yml': 'audience: big_accounts\nlevel: account\nwhere: { trait: plan, equals: enterprise }\n',
    'tests/logins.test.yml': 'test: counts logins\nas_of: 2024-06-01\ngiven:\n  events: [{ user_id: u1, event: Logged In, timestamp: 2024-05-30 }]\nexpect:\n  logins: { u1: 1 }\n',
    'tests/active.test.yml':
      'test: active and counted\nas_of: 2024-06-01\ngiven:\n  events: [{ user_id: u1, event: Logged In, timestamp: 2024-05-30 }]\nexpect:\n  active: [u1]\n  logins: { u1: 1 }\n',
    'tests/accounts/big.test.yml': 'test: enterprise\nas_of: 2024-06-01\ngiven:\n  groups: [{ user_id: u1, group_id: g1, timestamp: 2024-05-01, plan: enterprise }]\nexpect:\n  big_accounts: [g1]\n',
  };

  /** Each selected case with the definitions whose expectations it checks. */
  async function selected(root: string, select: string[]): Promise<Record<string, string[]>> {
    const run = await runTests({ ...COMPOSED, root, select });
    expect(run.diagnostics).toEqual([]);
    expect(run.results.map((r) => r.status)).toEqual(run.results.map(() => 'passed'));
    return Object.fromEntries(run.results.map((r) => [r.testCase.name, [...new Set(r.testCase.steps.flatMap((s) => s.expectations.map((e) => e.definition)))].sort()]));
  }

  it.each<[string, Record<string, string[]>]>([
    ['level:account', { enterprise: ['big_accounts'] }],
    ['kind:audience', { 'active and counted': ['active'], enterprise: ['big_accounts'] }],
    ['+active', { 'counts logins': ['logins'], 'active and counted': ['active', 'logins'] }],
    ['active+', { 'active and counted': ['active'] }],
    ['logins+', { 'counts logins': ['logins'], 'active and counted': ['active', 'logins'] }],
    ['kind:audience,level:user', { 'active and counted': ['active'] }],
    ['path:traits', { 'counts logins': ['logins'], 'active and counted': ['logins'] }],
    // path: of a test file or folder picks its cases whole
    ['path:tests/active.test.yml', { 'active and counted': ['active', 'logins'] }],
    ['path:tests/accounts', { enterprise: ['big_accounts'] }],
  ])('%s', async (pattern, expected) => {
    const root = tempProject(files);
    expect(await selected(root, [pattern])).toEqual(expected);
    // and through the CLI, which once refused every one of them as matching nothing
    const result = await cliIn(root, 'test', '--select', pattern);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a method it does not read is a usage error, unless the pattern names a case (a name may hold a colon)', async () => {
    const root = tempProject({ ...files, 'tests/tagged.test.yml': files['tests/logins.test.yml'].replace('counts logins', 'tag:nightly logins') });
    const refused = await cliIn(root, 'test', '--select', 'tag:foo');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error[usage]: --select tag:foo: "tag:" is not a selector method quorum supports\nhint: quorum selects by name or glob');
    expect(await selected(root, ['tag:nightly*'])).toEqual({ 'tag:nightly logins': ['logins'] });
  });
});

/** Steps of array iteration (for...of, spread) while `run` runs: the work of copying lists. */
function arraySteps<T>(run: () => T): { result: T; steps: number } {
  const original = Array.prototype[Symbol.iterator];
  let steps = 0;
  Array.prototype[Symbol.iterator] = function (this: unknown[]) {
    const inner = original.call(this);
    return Object.assign(Object.create(inner) as IterableIterator<unknown>, {
      next: () => {
        steps++;
        return inner.next();
      },
    });
  } as typeof original;
  try {
    return { result: run(), steps };
  } finally {
    Array.prototype[Symbol.iterator] = original;
  }
}

describe('a case that expects many entities', () => {
  // An audit on 5 December: a case expecting a trait of 20,000 users took `quorum test` 70 s,
  // most of it in the report, which copied a definition's differences at each new one.
  it('is read and reported with work linear in the entities', async () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `u${i}`);
    const root = tempProject({
      ...PROJECT,
      'tests/many.test.yml': `test: many\nas_of: 2024-06-01\nexpect:\n  tracks_sent:\n${ids.map((id) => `    ${id}: 1\n`).join('')}`,
    });
    const run = await runTests({ ...COMPOSED, root });
    expect(run.diagnostics).toEqual([]);
    const { result: report, steps } = arraySteps(() => formatTextReport(run));
    for (const id of ids) expect(report).toContain(`user "${id}": expected 1, actual nothing (no user "${id}" exists)`);
    // Copying the list at each difference takes 2,000,000 steps here.
    expect(steps).toBeLessThan(10 * ids.length);
  });

  it('with as many problems, is reported to JUnit with work linear in the problems', async () => {
    const names = Array.from({ length: 2_000 }, (_, i) => `missing_${i}`);
    const root = tempProject({
      ...PROJECT,
      'tests/many.test.yml': `test: many\nas_of: 2024-06-01\nexpect:\n${names.map((name) => `  ${name}: []\n`).join('')}`,
    });
    const run = await runTests({ ...COMPOSED, root });
    expect(run.diagnostics.map((d) => d.code)).toEqual(names.map(() => 'unknown_reference'));
    const { result: xml, steps } = arraySteps(() => formatJUnit(run));
    expect(xml).toContain('2000 problems in tests/many.test.yml');
    expect(steps).toBeLessThan(10 * names.length);
  });
});
