// `expect_calls` and `expect_guardrail`: a step's expectations of what `quorum run` would send,
// checked by running quorum run itself on the case's DuckDB. Passing cases, a failing case with
// its exact report, and the load-time diagnostics of misnamed destinations and definitions.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { formatTextReport } from '../../src/testing/report-text.js';
import { runTests } from '../../src/testing/run-tests.js';
import { dialectNamed, FIXTURES } from '../../dialects/registry.js';

const FILES: Record<string, string> = {
  'quorum.yml': `warehouse: { type: duckdb, path: warehouse.duckdb }
source: { preset: segment, schema: app, event_time: timestamp }
state: { schema: quorum }
max_exit_fraction: 0.5
destinations:
  crm: { type: webhook, url: "http://127.0.0.1:9/never-called" }
  audit: { type: file, path: out/calls.ndjson }
`,
  'audiences/active_users.yml': `audience: active_users
level: user
where: { performed: Logged In, within: 7d }
sync:
  - to: crm
    calls: [identify, track]
`,
  'audiences/active_accounts.yml': `audience: active_accounts
level: account
where: { any_user: { performed: Logged In, within: 7d } }
max_exit_fraction: 1
sync:
  - to: audit
    calls: [group, identify]
`,
  'traits/logins_7d.yml': `computed_trait: logins_7d
level: user
compute: count
event: Logged In
within: 7d
sync:
  - to: crm
    calls: [identify]
`,
};

const GIVEN = `  given:
    groups:
      - { user_id: u1, group_id: acme, timestamp: 2024-01-01 }
      - { user_id: u2, group_id: acme, timestamp: 2024-01-01 }
      - { user_id: u3, group_id: globex, timestamp: 2024-01-01 }
    events:
      - { user_id: u1, event: Logged In, timestamp: 2024-05-31 }
      - { user_id: u2, event: Logged In, timestamp: 2024-05-31 }
      - { user_id: u3, event: Logged In, timestamp: "2024-06-01T12:00:00Z" }
`;

const PASSING = `- test: a run sends entered, changed and exited calls, and the guardrail blocks a mass exit
${GIVEN}  steps:
    - at: 2024-06-01
      expect_calls:
        crm:
          active_users: { entered: [u1, u2] }
          logins_7d: { entered: [u1, u2, u3] }   # a count has a value (0) for every user
        audit:
          active_accounts: { entered: [acme] }
      expect_guardrail: { active_users: passes, active_accounts: passes }
    - at: 2024-06-02
      expect_calls:
        crm:
          active_users: { entered: [u3] }
          logins_7d: { changed: [u3] }
        audit:
          active_accounts: { entered: [globex] }
    - at: "2024-06-08T06:00:00Z"
      expect_guardrail: { active_users: blocked, active_accounts: passes }
      expect_calls:
        crm:
          active_users: {}
          logins_7d: { changed: [u1, u2] }
        audit:
          active_accounts: { exited: [acme] }
`;

const FAILING = `- test: expects the wrong calls
${GIVEN}  steps:
    - at: 2024-06-01
      expect_calls:
        crm:
          active_users: { entered: [u1, u3] }
        audit:
          active_accounts: { exited: [acme] }
      expect_guardrail: { active_users: blocked }
`;

const MISNAMED = `- test: misnamed
  steps:
    - at: 2024-06-01
      expect_calls:
        crn: { active_users: {} }
        audit: { active_users: {}, active_acounts: { entred: [acme] } }
      expect_guardrail: { logins_7d: blocked, active_users: maybe }
`;

let dir: string;

async function project(name: string, tests: string): Promise<string> {
  const root = path.join(dir, name);
  for (const [file, text] of Object.entries({ ...FILES, 'tests/calls.test.yml': tests })) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quorum-calls-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quorum test expects the calls a run sends', () => {
  it('passes when the calls and the verdicts are those of quorum run', async () => {
    const run = await runTests({ dialects: dialectNamed, fixtures: FIXTURES, root: await project('passing', PASSING) });
    expect(run.diagnostics).toEqual([]);
    expect(run.results.map((r) => r.status), formatTextReport(run)).toEqual(['passed']);
    expect(run.results[0].evaluations).toHaveLength(3);
  });

  it('reports every call that differs, per destination and transition, and the verdict', async () => {
    const run = await runTests({ dialects: dialectNamed, fixtures: FIXTURES, root: await project('failing', FAILING) });
    expect(run.diagnostics).toEqual([]);
    expect(formatTextReport(run)).toBe(
      [
        'tests/calls.test.yml',
        '  ✗ expects the wrong calls',
        '      tests/calls.test.yml:15:11 expect_calls active_users (step 1, at 2024-06-01T00:00:00.000Z)',
        '        user "u2": expected no entered calls to crm, actual entered calls to crm',
        '        user "u3": expected entered calls to crm, actual no entered calls to crm',
        '      tests/calls.test.yml:17:11 expect_calls active_accounts (step 1, at 2024-06-01T00:00:00.000Z)',
        '        account "acme": expected no entered calls to audit, actual entered calls to audit',
        '        account "acme": expected exited calls to audit, actual no exited calls to audit',
        '      tests/calls.test.yml:18:27 expect_guardrail active_users (step 1, at 2024-06-01T00:00:00.000Z)',
        '        expected blocked by max_exit_fraction, actual passes: nothing blocked it',
        '',
        'cases: 1 failed; 1 in 1 file',
        '',
      ].join('\n'),
    );
  });

  it('names misspelt destinations and definitions at load, with did you mean', async () => {
    const run = await runTests({ dialects: dialectNamed, fixtures: FIXTURES, root: await project('misnamed', MISNAMED) });
    expect(run.results).toEqual([]);
    const text = formatDiagnostics(run.diagnostics);
    expect(text).toContain('tests/calls.test.yml:5:9 error[unknown_reference]: "expect_calls" names the destination "crn", which quorum.yml does not define.\nhint: did you mean "crm"?');
    expect(text).toContain('tests/calls.test.yml:6:18 error[invalid_value]: "expect_calls" "audit" names "active_users", which does not sync to "audit", so it sends nothing there.\nhint: add - to: audit under sync: in audiences/active_users.yml');
    expect(text).toContain('tests/calls.test.yml:6:36 error[unknown_reference]: "expect_calls" "audit" names "active_acounts", but no audience or trait of the project has that name.\nhint: did you mean "active_accounts"?');
    expect(text).toContain('tests/calls.test.yml:7:27 error[wrong_type]: "expect_guardrail" names "logins_7d", which is a trait; max_exit_fraction guards audiences only.');
    expect(text).toContain('"expect_guardrail" "active_users": "active_users" is "maybe", but it must be one of "blocked", "passes".');
  });
});
