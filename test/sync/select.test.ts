// --select read as dbt reads node selection (SPEC §7): names and globs, path:, kind:, level:, the
// graph operators +x, x+, n+x, x+n and @x over the definitions' references, and a,b as the
// intersection. An audit on 5 December found only names and globs read.
import { describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { tempProject } from '../definitions/fixture-helpers.js';

// logins (account trait) <- quiet (audience) <- quiet_not_churned (audience) -> churned (audience)
// admin_count (user trait) <- admins_inside (account audience, a quantifier over users)
const FILES: Record<string, string> = {
  'quorum.yml': 'warehouse: { type: duckdb, path: warehouse.duckdb }\ndestinations:\n  crm: { type: stdout }\n',
  'traits/logins.yml': 'computed_trait: logins\nlevel: account\ncompute: count\nevent: Logged In\nwithin: 30d\n',
  'traits/admin_count.yml': 'computed_trait: admin_count\nlevel: user\ncompute: count\nevent: Report Created\nwithin: 7d\n',
  'audiences/quiet.yml': 'audience: quiet\nlevel: account\nwhere: { trait: logins, lt: 10 }\n',
  'audiences/churned.yml': 'audience: churned\nlevel: account\nwhere: { trait: plan, equals: cancelled }\n',
  'audiences/quiet_not_churned.yml': 'audience: quiet_not_churned\nlevel: account\nwhere:\n  all:\n    - { in_audience: quiet }\n    - { not_in_audience: churned }\n',
  'audiences/admins_inside.yml': 'audience: admins_inside\nlevel: account\nwhere:\n  any_user: { trait: admin_count, gt: 0 }\n',
};

async function project(): Promise<Project> {
  const loaded = await loadProject(tempProject(FILES), { dialects: dialectNamed });
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return loaded.project!;
}

describe('--select as dbt selects', () => {
  const cases: [string[], string[]][] = [
    [['quiet'], ['quiet']],
    [['quiet*'], ['quiet', 'quiet_not_churned']],
    [['+quiet'], ['logins', 'quiet']],
    [['logins+'], ['logins', 'quiet', 'quiet_not_churned']],
    [['logins+1'], ['logins', 'quiet']],
    [['1+quiet_not_churned'], ['quiet', 'churned', 'quiet_not_churned']],
    [['+quiet_not_churned'], ['logins', 'quiet', 'churned', 'quiet_not_churned']],
    [['@quiet'], ['logins', 'quiet', 'churned', 'quiet_not_churned']],
    [['admin_count+'], ['admin_count', 'admins_inside']],
    [['path:traits'], ['logins', 'admin_count']],
    [['path:traits/admin*'], ['admin_count']],
    [['path:audiences/quiet.yml'], ['quiet']],
    [['kind:computed_trait'], ['logins', 'admin_count']],
    [['level:user'], ['admin_count']],
    [['kind:audience,level:account,quiet*'], ['quiet', 'quiet_not_churned']],
    [['logins+,kind:audience'], ['quiet', 'quiet_not_churned']],
    [['churned', 'path:traits/admin_count.yml'], ['admin_count', 'churned']],
    // a path as a shell completes it or a person writes it
    [['path:./traits'], ['logins', 'admin_count']],
    [['path:traits/'], ['logins', 'admin_count']],
    [['path:./audiences/../traits/admin*'], ['admin_count']],
    [['path:.,level:user'], ['admin_count']],
  ];
  it.each(cases)('%j selects %j', async (patterns, expected) => {
    const p = await project();
    expect(selectDefinitions(p, patterns).sort()).toEqual([...expected].sort());
  });

  it('a selector that selects nothing is unknown_reference, naming it', async () => {
    const p = await project();
    for (const pattern of ['nothing_like_it+', 'path:nowhere', 'kind:audience,level:user']) {
      const failed = (() => {
        try {
          selectDefinitions(p, [pattern]);
          return null;
        } catch (cause) {
          return cause;
        }
      })();
      expect(failed, pattern).toBeInstanceOf(DiagnosticsError);
      const [d] = (failed as DiagnosticsError).diagnostics;
      expect(d.code).toBe('unknown_reference');
      expect(d.message).toContain(pattern);
    }
  });
});

describe('a selector method quorum does not read', () => {
  it.each([
    ['tag:foo', 'tag', null],
    ['config.materialized:table', 'config.materialized', null],
    ['resource_type:audience', 'resource_type', 'kind'],
    ['levle:user', 'levle', 'level'],
    ['+tag:nightly', 'tag', null],
    ['kind:audience,tag:nightly', 'tag', null],
  ])('%s is a usage error that lists the methods quorum supports', async (pattern, method, suggestion) => {
    const p = await project();
    const failed = (() => {
      try {
        selectDefinitions(p, ['quiet', pattern]);
        return null;
      } catch (cause) {
        return cause;
      }
    })();
    expect(failed).toBeInstanceOf(DiagnosticsError);
    const [d, ...more] = (failed as DiagnosticsError).diagnostics;
    expect(more).toEqual([]);
    expect(d.code).toBe('usage');
    expect(d.message).toBe(`--select ${pattern}: "${method}:" is not a selector method quorum supports`);
    expect(d.hint).toBe(`${suggestion === null ? '' : `did you mean "${suggestion}:"? `}quorum selects by name or glob (at_risk_*), path:, kind: and level:, with +name, name+, 2+name, @name and a,b`);
  });
});
