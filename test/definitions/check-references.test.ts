import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProject } from '../../src/definitions/check-references.js';
import { loadProject, validateProject } from '../../src/definitions/load-project.js';
import { OFFLINE_CATALOG } from '../../src/warehouse/catalog.js';
import { catalogFromJson, tempProject } from './fixture-helpers.js';
import { dialectNamed } from '../../dialects/registry.js';

const TR = {
  id: 'string', user_id: 'string', anonymous_id: 'string', event: 'string', event_text: 'string',
  timestamp: 'timestamp', received_at: 'timestamp', context_group_id: 'string',
} as const;
const catalog = catalogFromJson({
  tables: {
    identifies: { id: 'string', user_id: 'string', timestamp: 'timestamp', email: 'string', role: 'string', created_at: 'timestamp', verified: 'boolean' },
    groups: { id: 'string', user_id: 'string', group_id: 'string', timestamp: 'timestamp', plan: 'string', seats: 'number', tags: 'list' },
    tracks: TR,
    logged_in: { ...TR, method: 'string' },
    report_created: { ...TR, score: 'number' },
    clicked: { ...TR, button: 'string' },
    pages: { ...TR, name: 'string', path: 'string' },
  },
  sqlTraitColumns: { active_users_past_month: { group_id: 'string', active_users_past_month: 'integer' } },
});

const BASIC = path.resolve(import.meta.dirname, 'projects/basic');
const ENV = { CRM_WRITE_KEY: 'k', HOOK_TOKEN: 't' };

async function check(files: Record<string, string>, cat = catalog) {
  const root = tempProject({ 'quorum.yml': 'destinations: { crm: { type: stdout } }', ...files });
  const { project, diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
  expect(diagnostics).toEqual([]);
  return checkProject(project!, cat).map((d) => `${d.severity} ${d.code} ${d.loc?.file}:${d.loc?.line}:${d.loc?.col}`);
}

describe('checkProject', () => {
  it('accepts the basic project against a full catalog', async () => {
    const { diagnostics } = await validateProject(BASIC, catalog, { env: ENV, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
  });

  it('allows the account passthrough and user conditions inside quantifiers', async () => {
    expect(
      await check({
        'audiences/a.yml': [
          '- audience: big',
          '  level: account',
          '  where: { trait: seats, gte: "10" }',
          '- audience: admins',
          '  level: user',
          '  where: { trait: role, equals: Admin }',
          '- audience: admins_of_big',
          '  level: user',
          '  where: [ { in_audience: big }, { in_audience: admins } ]',
          '- audience: big_with_admins',
          '  level: account',
          '  where:',
          '    - any_user: { in_audience: admins }',
          '    - all_users: { in_audience: big }',
          '    - at_least_users: { count: 2, where: { performed: Clicked, where: [ { property: button, in: [a, b] } ] } }',
          '    - { trait: tags, includes: vip }',
        ].join('\n'),
      }),
    ).toEqual([]);
  });

  it('resolves SQL trait columns and types', async () => {
    const files = {
      'traits/s.yml': "sql_trait: active_users_past_month\nlevel: account\nsql: select group_id, 1 as active_users_past_month from {{ source('groups') }}\n",
      'audiences/a.yml': 'audience: a\nlevel: account\nwhere: [ { trait: active_users_past_month, gt: many } ]\n',
    };
    expect(await check(files)).toEqual(['error uncastable_literal audiences/a.yml:3:19']);
    expect(await check(files, OFFLINE_CATALOG)).toEqual([]);
  });

  it('a quoted number beyond a double is uncastable_literal against a number column (Postgres refuses it as out of range)', async () => {
    const files = { 'audiences/a.yml': 'audience: a\nlevel: account\nwhere: { any: [ { trait: seats, lt: "1e400" }, { trait: seats, gt: "1e300" } ] }\n' };
    expect(await check(files)).toEqual(['error uncastable_literal audiences/a.yml:3:26']);
  });

  it('reports an account-level computed trait in a user audience offline too', async () => {
    const files = {
      'traits/t.yml': 'computed_trait: logins\nlevel: account\ncompute: count\nevent: Logged In\n',
      'audiences/a.yml': 'audience: a\nlevel: user\nwhere: { trait: logins, gt: 1 }\n',
    };
    expect(await check(files, OFFLINE_CATALOG)).toEqual(['error level_mismatch audiences/a.yml:3:17']);
  });

  it('sum and avg need a numeric property column; min and max also order text', async () => {
    const trait = (compute: string, property: string) => ({ [`traits/${compute}_${property}.yml`]: `computed_trait: ${compute}_${property}\nlevel: user\ncompute: ${compute}\nevent: Logged In\nproperty: ${property}\n` });
    const text = await check({ ...trait('sum', 'method'), ...trait('avg', 'method'), ...trait('max', 'method'), ...trait('min', 'timestamp') });
    expect(text).toEqual(['error wrong_type traits/avg_method.yml:5:1', 'error wrong_type traits/sum_method.yml:5:1']);
    const root = tempProject({ 'quorum.yml': 'destinations: { crm: { type: stdout } }', ...trait('sum', 'method') });
    const { project } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(checkProject(project!, catalog).map((d) => `${d.message} / ${d.hint}`)).toEqual([
      'computed trait "sum_method" computes sum of property "method", but column "method" of logged_in holds text, and sum adds up numbers. / send the property as a number (the warehouse typed the column by the values it received), or choose a compute that does not add up, such as last, most_frequent or unique_count',
    ]);
    expect(await check(trait('sum', 'method'), OFFLINE_CATALOG)).toEqual([]);
    expect(await check({ 'traits/s.yml': 'computed_trait: s\nlevel: user\ncompute: avg\nevent: Report Created\nproperty: score\n' })).toEqual([]);
  });

  it('an operator the type cannot take is wrong_type at the operator; an unknown type is left alone', async () => {
    // the warehouse refused each of these at run time (strpos(BIGINT, ...), list_contains(BIGINT, ...), LOWER(BIGINT), a list = 'sso'),
    // except ordering booleans, which docs/language.md has always called wrong_type
    const files = {
      'traits/t.yml': [
        '- { computed_trait: logins, level: user, compute: count, event: Logged In }',
        '- { computed_trait: methods, level: user, compute: unique_list, event: Logged In, property: method }',
      ].join('\n'),
      'audiences/a.yml': [
        'audience: a',
        'level: user',
        'where:',
        '  all:',
        '    - trait: logins',
        '      contains: "3"',
        '    - { trait: logins, includes: 3 }',
        '    - { trait: role, includes: Admin }',
        '    - { trait: created_at, starts_with: "2024-01-01" }',
        '    - { trait: logins, equals: 3, ignore_case: true }',
        '    - { trait: methods, gt: 3 }',
        '    - { trait: methods, in: [sso] }',
        '    - { trait: verified, lt: "true" }',
        '    - { performed: Report Created, where: [ { property: score, ends_with: "5" } ] }',
        '    - { trait: methods, includes: sso }',
        '    - { trait: role, contains: Adm, ignore_case: true }',
        '    - { trait: logins, exists: true }',
        '    - { trait: verified, equals: true }',
      ].join('\n'),
    };
    const online = [
      'error wrong_type audiences/a.yml:6:7',
      'error wrong_type audiences/a.yml:7:24',
      'error wrong_type audiences/a.yml:8:22',
      'error wrong_type audiences/a.yml:9:28',
      'error wrong_type audiences/a.yml:10:35',
      'error wrong_type audiences/a.yml:11:25',
      'error wrong_type audiences/a.yml:12:25',
      'error wrong_type audiences/a.yml:13:26',
      'error wrong_type audiences/a.yml:14:64',
    ];
    expect(await check(files)).toEqual(online);
    // offline only a computed trait's type is known: count is integers, unique_list a list
    const offline = ['6:7', '7:24', '10:35', '11:25', '12:25'].map((at) => `error wrong_type audiences/a.yml:${at}`);
    expect(await check(files, OFFLINE_CATALOG)).toEqual(offline);
    const root = tempProject({ 'quorum.yml': 'destinations: { crm: { type: stdout } }', ...files });
    const { project } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(checkProject(project!, catalog).slice(0, 3).map((d) => `${d.message} / ${d.hint}`)).toEqual([
      'trait "logins" holds whole numbers (computed trait, count), but "contains" tests text. / compare numbers with equals, in, lt, lte, gt, gte or between',
      'trait "logins" holds whole numbers (computed trait, count), but "includes" tests a list. / compare the value with equals (or in: [a, b])',
      'trait "role" holds text (column "role" of identifies), but "includes" tests a list. / compare the value with equals (or in: [a, b]); contains finds text inside it',
    ]);
  });

  it("an event named after a layout table other than tracks is an error, offline too (its rows are not the event's)", async () => {
    const files = {
      'traits/p.yml': 'computed_trait: p\nlevel: user\ncompute: count\nevent: Pages\n',
      'audiences/i.yml': 'audience: i\nlevel: user\nwhere: [ { performed: IDENTIFIES } ]\n',
      // read from tracks by its event_text, as every event is
      'traits/t.yml': 'computed_trait: t\nlevel: user\ncompute: count\nevent: Tracks\n',
    };
    const expected = ['error invalid_value audiences/i.yml:3:23', 'error invalid_value traits/p.yml:4:1'];
    expect(await check(files)).toEqual(expected);
    expect(await check(files, OFFLINE_CATALOG)).toEqual(expected);
  });

  it("source.arrival_time names a timestamp column some table has, at its own line (else every run was full, silently)", async () => {
    const withArrival = (column: string) => ({ 'quorum.yml': `source:\n  arrival_time: ${column}\ndestinations: { crm: { type: stdout } }\n` });
    expect(await check(withArrival('loaded_at'))).toEqual(['error invalid_value quorum.yml:2:17']);
    expect(await check(withArrival('anonymous_id'))).toEqual(['error wrong_type quorum.yml:2:17']);
    expect(await check(withArrival('received_at'))).toEqual([]);
    expect(await check(withArrival('loaded_at'), OFFLINE_CATALOG)).toEqual([]);
  });

  it('reports a missing table once, at its first use', async () => {
    const files = {
      'audiences/a.yml': 'audience: a\nlevel: user\nwhere: [ { performed: Signed Up }, { not_performed: Signed Up } ]\n',
    };
    expect(await check(files)).toEqual(['error missing_table audiences/a.yml:3:23']);
  });

  it('reports every cycle once with its chain', async () => {
    const root = tempProject({
      'quorum.yml': '',
      'audiences/a.yml': '- { audience: a, level: user, where: { in_audience: b } }\n- { audience: b, level: user, where: { in_audience: a } }\n- { audience: c, level: user, where: { in_audience: a } }\n',
    });
    const { project } = await loadProject(root, { env: {}, dialects: dialectNamed });
    const diagnostics = checkProject(project!, OFFLINE_CATALOG);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].message).toContain('a -> b -> a');
    expect(diagnostics[0].message).toContain('audiences/a.yml:1:');
  });
});
