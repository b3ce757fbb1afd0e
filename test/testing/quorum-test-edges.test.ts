// `quorum test` where it once disagreed with `quorum run` or hid the real problem.
import { describe, expect, it } from 'vitest';
import { tempProject } from '../definitions/fixture-helpers.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const PROJECT: Record<string, string> = {
  'quorum.yml': `warehouse: { type: duckdb, path: warehouse.duckdb }
source: { preset: segment, schema: app, event_time: timestamp }
state: { schema: quorum }
destinations: { audit: { type: file, path: out/calls.ndjson } }
`,
  'audiences/active_users.yml': 'audience: active_users\nlevel: user\nwhere: { performed: Logged In, within: 7d }\n',
};

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
