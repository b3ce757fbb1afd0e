// `quorum test` on the example projects of fixtures/test-projects: scenarios that must pass,
// cases that must fail with an exact report, malformed files with exact diagnostics, and the
// JUnit XML checked against the schema CI servers read.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { formatJUnit } from '../../src/testing/report-junit.js';
import { formatTextReport } from '../../src/testing/report-text.js';
import { runFailed, runTests, type TestRun } from '../../src/testing/run-tests.js';
import { junitProblems, parseXml } from './junit-schema.js';
import { dialectNamed, FIXTURES } from '../../dialects/registry.js';

/** What the CLI passes: the dialects of this build and the engine the cases run on. */
const COMPOSED = { dialects: dialectNamed, fixtures: FIXTURES };

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = (name: string) => path.join(repo, 'fixtures/test-projects', name);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'quorum-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI in-process; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'quorum', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function statuses(run: TestRun): Record<string, string> {
  return Object.fromEntries(run.results.map((r) => [r.testCase.name, r.status]));
}

const normaliseTimes = (xml: string) => xml.replace(/time="[0-9.]+"/g, 'time="T"').replace(/timestamp="[^"]+"/g, 'timestamp="TS"');

describe('the cohort scenarios', () => {
  it('restate at least 30 behaviours, time-travel steps included, and all pass', async () => {
    const run = await runTests({ ...COMPOSED, root: project('cohorts') });
    expect(run.diagnostics).toEqual([]);
    const failures = run.results.filter((r) => r.status !== 'passed');
    expect(failures.map((r) => `${r.testCase.name}\n${formatTextReport({ ...run, results: [r] })}`)).toEqual([]);
    expect(run.results.length).toBeGreaterThanOrEqual(30);
    const stepped = run.results.filter((r) => r.testCase.steps.some((s) => s.number > 0));
    expect(stepped.length).toBeGreaterThanOrEqual(5);
    const kinds = new Set(run.results.flatMap((r) => r.testCase.steps.flatMap((s) => s.expectations.map((e) => e.kind))));
    expect([...kinds].sort()).toEqual(['changed', 'entered', 'exited', 'members', 'values']);
    expect(runFailed(run)).toBe(false);
  });

  it('the demo project and a project with its own source layout pass too', async () => {
    for (const root of [path.join(repo, 'fixtures/demo/project'), project('custom-layout')]) {
      const run = await runTests({ ...COMPOSED, root });
      expect(run.diagnostics).toEqual([]);
      expect(run.results.length).toBeGreaterThan(0);
      expect(run.results.filter((r) => r.status !== 'passed').map((r) => formatTextReport({ ...run, results: [r] }))).toEqual([]);
    }
  });
});

const FAILING_REPORT = `tests/errors.test.yml
  ! cannot run - the SQL trait reads a table that no case gives
      tests/errors.test.yml:1:3 error: SQL trait "order_total" cannot run on the test tables: Catalog Error: Table with name orders does not exist. Give the tables it reads as rows under given: in at least one case (columns come from the rows).
  - skipped until the pricing change ships (skipped: waiting for the new plans)

tests/membership.test.yml
  ✓ passes - two recent logins
  ✗ fails - a missing member and an unexpected one
      tests/membership.test.yml:18:5 active_users (as of 2024-06-01T00:00:00.000Z)
        user "b": expected not a member, actual member
        user "c": expected member, actual not a member

tests/steps.test.yml
  ✗ fails - the step expects the wrong entered, exited and changed
      tests/steps.test.yml:11:24 expect_exited enterprise_accounts (step 2, at 2024-06-03T00:00:00.000Z)
        account "acme": expected not exited, actual exited
      tests/steps.test.yml:12:25 expect_entered active_users (step 2, at 2024-06-03T00:00:00.000Z)
        user "u1": expected entered, actual not entered
      tests/steps.test.yml:13:25 expect_changed logins_7d (step 2, at 2024-06-03T00:00:00.000Z)
        user "u1": expected changed to 0, actual no change (1)
      tests/steps.test.yml:13:47 expect_changed enterprise_accounts (step 2, at 2024-06-03T00:00:00.000Z)
        account "acme": expected changed (users joined or left), actual no change (it exited)

tests/values.test.yml
  ✗ fails - wrong counts, a user that does not exist, and a list
      tests/values.test.yml:9:3 logins_7d (as of 2024-06-01T00:00:00.000Z)
        user "a": expected 3, actual 2
        user "ghost": expected 0, actual nothing (no user "ghost" exists)
      tests/values.test.yml:12:3 features_used (as of 2024-06-01T00:00:00.000Z)
        user "a": expected ["api"], actual ["api", "exports"]

cases: 3 failed, 1 could not run, 1 passed, 1 skipped; 6 in 4 files
`;

const FAILING_JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="quorum test" tests="6" failures="3" errors="1" time="T">
  <testsuite name="tests/errors.test.yml" tests="2" failures="0" errors="1" skipped="1" time="T" timestamp="TS">
    <testcase name="cannot run - the SQL trait reads a table that no case gives" classname="tests.errors" time="T">
      <error message="SQL trait &quot;order_total&quot; cannot run on the test tables: Catalog Error: Table with name orders does not exist. Give the tables it reads as rows under given: in at least one case (columns come from the rows)." type="error">tests/errors.test.yml:1:3 error: SQL trait "order_total" cannot run on the test tables: Catalog Error: Table with name orders does not exist. Give the tables it reads as rows under given: in at least one case (columns come from the rows).</error>
    </testcase>
    <testcase name="skipped until the pricing change ships" classname="tests.errors" time="T">
      <skipped message="waiting for the new plans"/>
    </testcase>
  </testsuite>
  <testsuite name="tests/membership.test.yml" tests="2" failures="1" errors="0" skipped="0" time="T" timestamp="TS">
    <testcase name="passes - two recent logins" classname="tests.membership" time="T"/>
    <testcase name="fails - a missing member and an unexpected one" classname="tests.membership" time="T">
      <failure message="2 differences from the expected result" type="difference">tests/membership.test.yml:18:5 active_users (as of 2024-06-01T00:00:00.000Z)
  user "b": expected not a member, actual member
  user "c": expected member, actual not a member</failure>
    </testcase>
  </testsuite>
  <testsuite name="tests/steps.test.yml" tests="1" failures="1" errors="0" skipped="0" time="T" timestamp="TS">
    <testcase name="fails - the step expects the wrong entered, exited and changed" classname="tests.steps" time="T">
      <failure message="4 differences from the expected result" type="difference">tests/steps.test.yml:11:24 expect_exited enterprise_accounts (step 2, at 2024-06-03T00:00:00.000Z)
  account "acme": expected not exited, actual exited
tests/steps.test.yml:12:25 expect_entered active_users (step 2, at 2024-06-03T00:00:00.000Z)
  user "u1": expected entered, actual not entered
tests/steps.test.yml:13:25 expect_changed logins_7d (step 2, at 2024-06-03T00:00:00.000Z)
  user "u1": expected changed to 0, actual no change (1)
tests/steps.test.yml:13:47 expect_changed enterprise_accounts (step 2, at 2024-06-03T00:00:00.000Z)
  account "acme": expected changed (users joined or left), actual no change (it exited)</failure>
    </testcase>
  </testsuite>
  <testsuite name="tests/values.test.yml" tests="1" failures="1" errors="0" skipped="0" time="T" timestamp="TS">
    <testcase name="fails - wrong counts, a user that does not exist, and a list" classname="tests.values" time="T">
      <failure message="3 differences from the expected result" type="difference">tests/values.test.yml:9:3 logins_7d (as of 2024-06-01T00:00:00.000Z)
  user "a": expected 3, actual 2
  user "ghost": expected 0, actual nothing (no user "ghost" exists)
tests/values.test.yml:12:3 features_used (as of 2024-06-01T00:00:00.000Z)
  user "a": expected ["api"], actual ["api", "exports"]</failure>
    </testcase>
  </testsuite>
</testsuites>
`;

describe('cases that must fail', () => {
  it('report every difference with the definition, the entity, expected and actual', async () => {
    const run = await runTests({ ...COMPOSED, root: project('failing') });
    expect(run.diagnostics).toEqual([]);
    expect(formatTextReport(run)).toBe(FAILING_REPORT);
    expect(runFailed(run)).toBe(true);
  });

  it('give the exact JUnit XML, which conforms to the JUnit schema', async () => {
    const run = await runTests({ ...COMPOSED, root: project('failing'), concurrency: 1 });
    const xml = formatJUnit(run);
    expect(junitProblems(xml)).toEqual([]);
    expect(normaliseTimes(xml)).toBe(FAILING_JUNIT);
  });

  it('the schema check itself rejects broken JUnit', () => {
    const good = normaliseTimes(FAILING_JUNIT).replace(/time="T"/g, 'time="0.001"').replace(/timestamp="TS"/g, 'timestamp="2024-06-01T00:00:00"');
    expect(junitProblems(good)).toEqual([]);
    expect(junitProblems(good.replace('tests="6"', 'tests="5"'))).toEqual(['testsuites: tests="5" but the suites add up to 6']);
    expect(junitProblems(good.replace('failures="1" errors="0" skipped="0"', 'failures="0" errors="0" skipped="0"'))).toEqual([
      'testsuite tests/membership.test.yml: failures="0" but 1 testcases say so',
    ]);
    expect(junitProblems(good.replace('<testcase name="passes', '<testcase file="x" name="passes'))[0]).toMatch(/attribute file is not allowed on <testcase>/);
    expect(junitProblems(good.replace('</testsuites>', ''))[0]).toMatch(/^not well-formed XML/);
  });

  it('exit 1 from the CLI, with --reporter junit --output writing the file and the human report on the terminal', async () => {
    const file = path.join(tmp, 'reports/junit.xml');
    const result = await cli('test', '--project', project('failing'), '--reporter', 'junit', '--output', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(FAILING_REPORT);
    expect(result.stderr).toBe('');
    expect(normaliseTimes(readFileSync(file, 'utf8'))).toBe(FAILING_JUNIT);
  });

  it('--reporter junit without --output prints the XML; --json prints the run as data', async () => {
    const xml = await cli('test', '--project', project('failing'), '--reporter', 'junit');
    expect(xml.code).toBe(1);
    expect(normaliseTimes(xml.stdout)).toBe(FAILING_JUNIT);
    const json = await cli('test', '--project', project('failing'), '--json');
    expect(json.code).toBe(1);
    const data = JSON.parse(json.stdout) as { passed: number; failed: number; errors: number; skipped: number; cases: { name: string; differences: unknown[] }[] };
    expect([data.passed, data.failed, data.errors, data.skipped]).toEqual([1, 3, 1, 1]);
    expect(data.cases.find((c) => c.name.startsWith('fails - wrong counts'))?.differences).toEqual([
      { step: 0, at: '2024-06-01T00:00:00.000Z', definition: 'logins_7d', kind: 'values', level: 'user', entity: 'a', expected: '3', actual: '2', line: 10 },
      { step: 0, at: '2024-06-01T00:00:00.000Z', definition: 'logins_7d', kind: 'values', level: 'user', entity: 'ghost', expected: '0', actual: 'nothing (no user "ghost" exists)', line: 11 },
      { step: 0, at: '2024-06-01T00:00:00.000Z', definition: 'features_used', kind: 'values', level: 'user', entity: 'a', expected: '["api"]', actual: '["api", "exports"]', line: 12 },
    ]);
  });
});

describe('--select', () => {
  it('picks cases by name, by file, and by the definitions they expect (only those expectations)', async () => {
    const byName = await runTests({ ...COMPOSED, root: project('failing'), select: ['passes*'] });
    expect(statuses(byName)).toEqual({ 'passes - two recent logins': 'passed' });
    const byFile = await runTests({ ...COMPOSED, root: project('failing'), select: ['values'] });
    expect(Object.keys(statuses(byFile))).toEqual(['fails - wrong counts, a user that does not exist, and a list']);
    const byDefinition = await runTests({ ...COMPOSED, root: project('failing'), select: ['enterprise_*'] });
    expect(statuses(byDefinition)).toEqual({
      'skipped until the pricing change ships': 'skipped',
      'fails - the step expects the wrong entered, exited and changed': 'failed',
    });
    const steps = byDefinition.results.find((r) => r.status === 'failed')!;
    expect(steps.evaluations.flatMap((e) => e.differences.map((d) => d.definition))).toEqual(['enterprise_accounts', 'enterprise_accounts']);
    expect(formatTextReport(byDefinition).split('\n').at(-2)).toBe('cases: 1 failed, 1 skipped; 2 in 2 files (2 of 6 selected)');
  });

  it('runs everything that passes when the failing cases are left out, and exits 0', async () => {
    const result = await cli('test', '--project', project('failing'), '--select', 'passes*', 'active_users');
    expect(result.stdout).toContain('✓ passes - two recent logins');
    expect(result.code).toBe(1); // active_users also picks the failing membership case
    const ok = await cli('test', '--project', project('cohorts'), '--select', 'time-travel');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('cases: 8 passed; 8 in 1 file (8 of 39 selected)');
  });

  it('a pattern that matches nothing is a usage error (exit 2), not a green run', async () => {
    const result = await cli('test', '--project', project('cohorts'), '--select', 'no_such_thing');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error[usage]: --select no_such_thing matched no test case, test file or expected definition\n' +
        'hint: patterns match case names, test files (or path:tests/...), and the definitions the cases expect, selected as quorum run --select selects them (names, globs, path:, kind:, level:, +name, name+, @name, a,b); without --select every case runs\n\n1 error\n',
    );
  });
});

describe('malformed test files', () => {
  it('are reported all at once with file:line:col, code and hint, and no case runs', async () => {
    const run = await runTests({ ...COMPOSED, root: project('malformed') });
    expect(run.results).toEqual([]);
    expect(run.diagnostics.map((d) => `${d.loc?.file}:${d.loc?.line}:${d.loc?.col} ${d.code} ${d.hint ?? ''}`)).toEqual([
      'tests/broken.test.yml:5:11 unknown_key did you mean "user_id"?',
      'tests/broken.test.yml:6:11 unknown_key columns are snake_case as Segment writes them: did you mean "user_id"?',
      'tests/broken.test.yml:8:24 unknown_key did you mean "group_id"?',
      'tests/broken.test.yml:10:53 invalid_value write an ISO-8601 date or timestamp in UTC, e.g. 2024-06-01 (midnight) or 2024-06-01T12:30:00Z',
      'tests/broken.test.yml:11:53 invalid_value write an ISO-8601 date or timestamp in UTC, e.g. 2024-06-01 (midnight) or 2024-06-01T12:30:00Z',
      'tests/broken.test.yml:12:42 unknown_key event properties go under properties:, e.g. properties: { method: ... }',
      'tests/broken.test.yml:13:9 missing_key add the name as sent, e.g. event: Logged In',
      'tests/broken.test.yml:15:5 unknown_reference did you mean "active_users"?',
      'tests/broken.test.yml:16:16 wrong_type write e.g. { acme: 3, globex: 0 }',
      'tests/broken.test.yml:19:10 invalid_value write an ISO-8601 date or timestamp in UTC, e.g. 2024-06-01 (midnight) or 2024-06-01T12:30:00Z',
      'tests/broken.test.yml:24:5 unknown_reference did you mean "identifies"?',
      'tests/broken.test.yml:26:7 missing_key add e.g. at: 2024-06-02T00:00:00Z to this step',
      'tests/broken.test.yml:28:25 wrong_type for a trait use expect_changed: { trait: { id: new value } }',
      'tests/broken.test.yml:29:25 wrong_type for a user-level audience use expect_entered: and expect_exited:',
      'tests/not-yaml.test.yml:3:31 yaml_syntax check the indentation and the quoting around this line; values containing ": " or starting with "{", "[", "*", "&" or "#" need quotes',
    ]);
  });

  it('print as the other commands print diagnostics: a message, the line with a caret, a hint', async () => {
    const result = await cli('test', '--project', project('malformed'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      [
        'tests/broken.test.yml:5:11 error[unknown_key]: an identifies row has a column "user", which the segment layout\'s identifies table does not have.',
        '  5 |       - { user: u1, timestamp: 2024-01-01 }',
        '    |           ^^^^',
        'hint: did you mean "user_id"?',
      ].join('\n'),
    );
    expect(result.stderr).toContain('tests/broken.test.yml:11:53 error[invalid_value]: an event\'s "timestamp" is "yesterday", which is not an ISO-8601 timestamp.');
    expect(result.stderr).toContain('tests/broken.test.yml:15:5 error[unknown_reference]: "expect" names "active_user", but no audience or trait of the project has that name.');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
    expect(result.stderr.trim().split('\n').at(-1)).toBe('15 errors');
  });

  it('also reach CI: the JUnit file holds one errored case per broken file', async () => {
    const run = await runTests({ ...COMPOSED, root: project('malformed') });
    const xml = formatJUnit(run);
    expect(junitProblems(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root.attributes).toMatchObject({ tests: '2', failures: '0', errors: '2' });
    const cases = root.children[0].children;
    expect(cases.map((c) => c.attributes.name)).toEqual(['tests/broken.test.yml is valid', 'tests/not-yaml.test.yml is valid']);
    expect(cases[0].children[0].attributes.message).toBe('14 problems in tests/broken.test.yml');
    expect(formatDiagnostics(run.diagnostics, run.root)).toContain(cases[1].children[0].text);
  });
});
