// Under --json, a command that fails prints `{"error": {...}, "diagnostics": [...]}` on stdout: the
// first error, and every problem beside it in the shape of the success outputs' "diagnostics"
// (docs/operating.md). An audit on 5 December found `validate --json` reporting only the first
// of two errors, while `test --json` listed them all.
import { describe, expect, it } from 'vitest';
import { tempProject } from '../definitions/fixture-helpers.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const PROJECT: Record<string, string> = {
  'quorum.yml': 'warehouse: { type: duckdb, path: warehouse.duckdb }\nsource: { preset: segment, schema: app }\ndestinations:\n  crm: { type: stdout }\n',
  'audiences/power_users.yml': 'audience: power_users\nlevel: user\nwhere:\n  all:\n    - { performed: Logged In, at_least: 20, within: 30d }\n',
  'audiences/churned_accounts.yml': 'audience: churned_accounts\nlevel: account\nwhere: { trait: plan, equals: cancelled }\n',
  'traits/logins_30d.yml': 'computed_trait: logins_30d\nlevel: account\ncompute: count\nevent: Logged In\nwithin: 30d\n',
  // offline, a near miss of a defined trait is a warning (likely_typo): a diagnostic in a success
  'audiences/quiet_accounts.yml': 'audience: quiet_accounts\nlevel: account\nwhere: { trait: logins_30, lt: 3 }\n',
};

interface JsonError {
  readonly error: { code: string; message: string; hint: string | null; file: string | null; line: number | null };
  readonly diagnostics: readonly Record<string, unknown>[];
}

describe('--json on failure: the first error, with every problem beside it', () => {
  it('validate lists both errors of two files, each as the success form lists a diagnostic', async () => {
    const root = tempProject({
      ...PROJECT,
      'audiences/power_users.yml': PROJECT['audiences/power_users.yml'].replace('at_least', 'at_lest'),
      'audiences/churned_accounts.yml': PROJECT['audiences/churned_accounts.yml'].replace('level: account', 'level: acount'),
    });
    const failed = await cliIn(root, 'validate', '--offline', '--json');
    expect(failed.code).toBe(1);
    const data = JSON.parse(failed.stdout) as JsonError;
    expect(data.error).toMatchObject({ code: 'invalid_value', file: 'audiences/churned_accounts.yml', line: 2 });
    expect(data.diagnostics.map((d) => [d.code, (d.loc as { file: string }).file])).toEqual([
      ['invalid_value', 'audiences/churned_accounts.yml'],
      ['unknown_key', 'audiences/power_users.yml'],
    ]);
    // a success's diagnostics (the warning of quiet_accounts) have the same keys
    const valid = JSON.parse((await cliIn(tempProject(PROJECT), 'validate', '--offline', '--json')).stdout) as { valid: boolean; diagnostics: Record<string, unknown>[] };
    expect(valid.valid).toBe(true);
    expect(valid.diagnostics.length).toBeGreaterThan(0);
    for (const d of [...data.diagnostics, ...valid.diagnostics]) expect(Object.keys(d).sort()).toEqual(['code', 'hint', 'loc', 'message', 'params', 'severity']);
  });

  it('a usage error has itself as its one diagnostic', async () => {
    for (const args of [['history', '--limit', '0'], ['members', 'power_users', '--format', 'xml']]) {
      const failed = await cliIn(tempProject(PROJECT), ...args, '--json');
      expect(failed.code, args.join(' ')).toBe(2);
      const data = JSON.parse(failed.stdout) as JsonError;
      expect(data.error.code).toBe('usage');
      expect(data.diagnostics).toEqual([expect.objectContaining({ code: 'usage', message: data.error.message, hint: data.error.hint, loc: null })]);
    }
  });
});
