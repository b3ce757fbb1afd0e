import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, validateProject } from '../../src/definitions/load-project.js';
import { parseSqlTemplate } from '../../src/definitions/parse-sql.js';
import type { Project, SourceLocation } from '../../src/definitions/model.js';
import { OFFLINE_CATALOG } from '../../src/warehouse/catalog.js';
import { tempProject } from './fixture-helpers.js';
import { dialectNamed } from '../../dialects/registry.js';

const BASIC = path.resolve(import.meta.dirname, 'projects/basic');
const ENV = { CRM_WRITE_KEY: 'secret-write-key', HOOK_TOKEN: 'secret-token' };

/** Where a node starts; its end (for the code frame's underline) is pinned in format.test.ts. */
function at(file: string, line: number, col: number): SourceLocation {
  return expect.objectContaining({ file, line, col }) as SourceLocation;
}


describe('loadProject: a valid project', () => {
  it('loads into the exact model', async () => {
    const { project, diagnostics } = await loadProject(BASIC, { env: ENV, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    const A = 'audiences/at_risk.yml';
    const M = 'audiences/more.yml';
    const L = 'traits/logins.yml';
    const S = 'traits/sql.yml';
    const expected: Project = {
      root: BASIC,
      config: {
        warehouse: { type: 'duckdb', path: path.join(BASIC, 'data/warehouse.duckdb') },
        source: {
          preset: 'segment',
          schema: 'app',
          eventTime: 'received_at',
          tables: { identifies: 'identifies', groups: 'groups', tracks: 'tracks', pages: 'pages', screens: 'screens' },
          columns: {
            id: 'id', userId: 'user_id', anonymousId: 'anonymous_id', groupId: 'group_id', event: 'event',
            eventText: 'event_text', contextGroupId: 'context_group_id', name: 'name',
          },
        },
        stateSchema: 'quorum',
        destinations: {
          crm: { type: 'segment', writeKey: 'secret-write-key', endpoint: 'https://api.segment.io', groupIdentity: 'anonymous' },
          audit: { type: 'file', path: path.join(BASIC, 'out/calls.ndjson') },
          hook: { type: 'webhook', url: 'https://example.com/hook', headers: { 'X-Token': 'secret-token' }, secret: null },
          console: { type: 'stdout' },
        },
        maxExitFraction: 0.25,
        personas: { namespace: 'quorum', spaceId: 'quorum' },
        schedule: { default: null, timezone: 'UTC' },
        loc: at('quorum.yml', 1, 1),
      },
      definitions: [
        {
          kind: 'audience',
          name: 'at_risk_accounts',
          level: 'account',
          description: 'Accounts whose users logged in fewer than 10 times in 30 days',
          schedule: '0 */1 * * *',
          scheduleLoc: at(A, 4, 11),
          maxExitFraction: null,
          loc: at(A, 1, 1),
          sync: [{ to: 'crm', calls: ['group', 'identify', 'track'], trackEvents: { entered: 'Audience Entered', exited: 'Audience Exited' }, loc: at(A, 15, 5) }],
          where: {
            kind: 'all',
            loc: at(A, 6, 3),
            children: [
              { kind: 'trait', trait: 'logins_past_30_days', predicate: { op: 'lt', value: 10, ignoreCase: false, instants: {} }, loc: at(A, 7, 16) },
              { kind: 'trait', trait: 'plan', predicate: { op: 'in', value: ['trial', 'starter'], ignoreCase: true, instants: {} }, loc: at(A, 8, 16) },
              {
                kind: 'quantifier',
                quantifier: 'any_user',
                atLeast: null,
                loc: at(A, 9, 7),
                condition: {
                  kind: 'all',
                  loc: at(A, 10, 9),
                  children: [
                    { kind: 'trait', trait: 'role', predicate: { op: 'equals', value: 'Admin', ignoreCase: false, instants: {} }, loc: at(A, 11, 22) },
                    {
                      kind: 'performed',
                      event: { kind: 'track', name: 'Report Created' },
                      window: { kind: 'within', seconds: 7 * 86_400, text: '7d' },
                      filters: [],
                      count: { op: 'at_least', n: 1 },
                      loc: at(A, 12, 26),
                    },
                  ],
                },
              },
              { kind: 'in_audience', audience: 'churned_accounts', negated: true, loc: at(A, 13, 26) },
            ],
          },
        },
        {
          kind: 'audience',
          name: 'churned_accounts',
          level: 'account',
          description: null,
          schedule: null,
          maxExitFraction: 0.9,
          sync: [],
          loc: at(M, 1, 3),
          where: {
            kind: 'all',
            loc: at(M, 4, 3),
            children: [
              {
                kind: 'quantifier',
                quantifier: 'no_user',
                atLeast: null,
                loc: at(M, 5, 7),
                condition: {
                  kind: 'performed',
                  event: { kind: 'page', name: 'Pricing' },
                  window: { kind: 'between', start: '2024-01-01T00:00:00.000Z', end: '2024-02-01T11:00:00.000Z' },
                  filters: [],
                  count: { op: 'at_least', n: 1 },
                  loc: at(M, 5, 29),
                },
              },
              {
                kind: 'quantifier',
                quantifier: 'at_least_users',
                atLeast: { percent: 50 },
                loc: at(M, 6, 7),
                condition: {
                  kind: 'performed',
                  event: { kind: 'track', name: 'Logged In' },
                  window: { kind: 'within', seconds: 14 * 86_400, text: '2w' },
                  filters: [],
                  count: { op: 'exactly', n: 0 },
                  loc: at(M, 6, 62),
                },
              },
            ],
          },
        },
        {
          kind: 'audience',
          name: 'admins_of_at_risk',
          level: 'user',
          description: null,
          schedule: null,
          maxExitFraction: null,
          loc: at(M, 7, 3),
          sync: [{ to: 'audit', calls: ['identify', 'track'], trackEvents: { entered: 'Audience Entered', exited: 'Audience Exited' }, loc: at(M, 18, 9) }],
          where: {
            kind: 'any',
            loc: at(M, 10, 5),
            children: [
              { kind: 'in_audience', audience: 'at_risk_accounts', negated: false, loc: at(M, 11, 24) },
              {
                kind: 'not',
                loc: at(M, 12, 9),
                child: { kind: 'trait', trait: 'email', predicate: { op: 'ends_with', value: '@example.com', ignoreCase: false, instants: {} }, loc: at(M, 12, 23) },
              },
              {
                kind: 'performed',
                event: { kind: 'track', name: 'Clicked' },
                window: null,
                filters: [{ property: 'button', predicate: { op: 'in', value: ['buy', 'try'], ignoreCase: false, instants: {} }, loc: at(M, 15, 15) }],
                count: { op: 'exactly', n: 0 },
                loc: at(M, 13, 20),
              },
            ],
          },
        },
        {
          kind: 'computed_trait',
          name: 'logins_past_30_days',
          level: 'account',
          description: 'Logins by all users of the account in the last 30 days',
          compute: 'count',
          event: { kind: 'track', name: 'Logged In' },
          window: { kind: 'within', seconds: 30 * 86_400, text: '30d' },
          filters: [{ property: 'method', predicate: { op: 'equals', value: 'sso', ignoreCase: false, instants: {} }, loc: at(L, 8, 7) }],
          property: null,
          minFrequency: 2,
          scope: 'group_context',
          loc: at(L, 1, 1),
          sync: [{ to: 'crm', calls: ['group', 'track'], trackEvents: { entered: 'Audience Entered', exited: 'Audience Exited' }, loc: at(L, 11, 7) }],
        },
        {
          kind: 'sql_trait',
          name: 'active_users_past_month',
          level: 'account',
          description: null,
          sql: [
            'select g.group_id, count(distinct t.user_id) as active_users_past_month',
            "from {{ source('tracks') }} t join {{ source('groups') }} g using (user_id)",
            'where t.timestamp > {{ as_of }} - interval 30 day -- a comment; drop',
            'group by 1',
            '',
          ].join('\n'),
          template: parseSqlTemplate([
            'select g.group_id, count(distinct t.user_id) as active_users_past_month',
            "from {{ source('tracks') }} t join {{ source('groups') }} g using (user_id)",
            'where t.timestamp > {{ as_of }} - interval 30 day -- a comment; drop',
            'group by 1',
            '',
          ].join('\n')).parts,
          columns: null,
          sync: [],
          loc: at(S, 1, 3),
        },
        {
          kind: 'computed_trait',
          name: 'favourite_page',
          level: 'user',
          description: null,
          compute: 'most_frequent',
          event: { kind: 'page', name: null },
          window: null,
          filters: [],
          property: 'path',
          minFrequency: 3,
          scope: 'users',
          sync: [],
          loc: at(S, 8, 3),
        },
      ],
    };
    expect(project).toEqual(expected);
  });

  it('passes checkProject offline with no diagnostics', async () => {
    const { project, diagnostics } = await validateProject(BASIC, OFFLINE_CATALOG, { env: ENV, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(project).not.toBeNull();
  });

  it('applies every default of quorum.yml', async () => {
    const root = tempProject({ 'quorum.yml': '' });
    const { project, diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(project?.config).toEqual({
      warehouse: { type: 'duckdb', path: path.join(root, 'warehouse.duckdb') },
      source: {
        preset: 'segment', schema: 'app', eventTime: 'timestamp',
        tables: { identifies: 'identifies', groups: 'groups', tracks: 'tracks', pages: 'pages', screens: 'screens' },
        columns: {
          id: 'id', userId: 'user_id', anonymousId: 'anonymous_id', groupId: 'group_id', event: 'event',
          eventText: 'event_text', contextGroupId: 'context_group_id', name: 'name',
        },
      },
      stateSchema: 'quorum',
      destinations: {},
      maxExitFraction: 0.5,
      personas: { namespace: 'quorum', spaceId: 'quorum' },
      schedule: { default: null, timezone: 'UTC' },
      loc: at('quorum.yml', 1, 1),
    });
    expect(project?.definitions).toEqual([]);
  });

  it('reads source overrides, other warehouses and personas', async () => {
    const root = tempProject({
      'quorum.yml': [
        'warehouse: { type: postgres, url: "postgres://u:${PGPASSWORD}@db/prod" }',
        'source:',
        '  preset: rudderstack',
        '  schema: events',
        '  tables: { identifies: users_identifies }',
        '  columns: { context_group_id: group_context }',
        'state: { schema: quorum_state }',
        'personas: { namespace: ns, space_id: sp }',
        'destinations:',
        '  crm: { type: segment, write_key: abc, endpoint: "https://events.example.com/", group_identity: member }',
      ].join('\n'),
    });
    const { project, diagnostics } = await loadProject(root, { env: { PGPASSWORD: 'pw' }, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(project?.config.warehouse).toEqual({ type: 'postgres', url: 'postgres://u:pw@db/prod' });
    expect(project?.config.source.preset).toBe('rudderstack');
    expect(project?.config.source.schema).toBe('events');
    expect(project?.config.source.tables.identifies).toBe('users_identifies');
    expect(project?.config.source.tables.groups).toBe('groups');
    expect(project?.config.source.columns.contextGroupId).toBe('group_context');
    expect(project?.config.stateSchema).toBe('quorum_state');
    expect(project?.config.personas).toEqual({ namespace: 'ns', spaceId: 'sp' });
    expect(project?.config.destinations.crm).toEqual({ type: 'segment', writeKey: 'abc', endpoint: 'https://events.example.com', groupIdentity: 'member' });
  });

  it('uses process.env when no env is given', async () => {
    const root = tempProject({ 'quorum.yml': 'destinations: { d: { type: segment, write_key: "${QUORUM_TEST_KEY_1}" } }' });
    process.env.QUORUM_TEST_KEY_1 = 'from-process';
    try {
      const { project } = await loadProject(root, { dialects: dialectNamed });
      expect(project?.config.destinations.d).toMatchObject({ writeKey: 'from-process' });
    } finally {
      delete process.env.QUORUM_TEST_KEY_1;
    }
  });

  it('never prints the value of a secret', async () => {
    const root = tempProject({ 'quorum.yml': 'destinations: { d: { type: webhook, url: "${HOOK_URL}" } }' });
    const { diagnostics } = await loadProject(root, { env: { HOOK_URL: 'not a url with hunter2' }, dialects: dialectNamed });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].code).toBe('invalid_value');
    expect(JSON.stringify(diagnostics)).not.toContain('hunter2');
    expect(diagnostics[0].message).toContain('${HOOK_URL}');
  });

  it('reads definitions from .yml and .yaml files in path order', async () => {
    const root = tempProject({
      'quorum.yml': '',
      'traits/b.yaml': 'computed_trait: b\nlevel: user\ncompute: count\nevent: B\n',
      'traits/a.yml': 'computed_trait: a\nlevel: user\ncompute: count\nevent: A\n',
      'audiences/z.yml': 'audience: z\nlevel: user\nwhere: [ { trait: a, gt: 1 } ]\n',
      'audiences/notes.txt': 'ignored',
    });
    const { project, diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(project?.definitions.map((d) => d.name)).toEqual(['z', 'a', 'b']);
  });
});

describe('loadProject: errors', () => {
  it('reports every problem of every file at once, sorted by file and line', async () => {
    const root = tempProject({
      'quorum.yml': 'destinations:\n  crm: { type: segment, write_key: "${MISSING_KEY}" }\n',
      'audiences/b.yml': [
        'audience: b',
        'level: user',
        'where:',
        '  - { performed: Logged In, within: 30 days }',
        '  - { trait: role, equals: Admin, ignore_case: maybe }',
        '  - { performed: Clicked, at_least: -2 }',
      ].join('\n'),
      'audiences/a.yml': 'audience: a\nlevel: everyone\nwhere: { trait: x, exists: true }\n',
      'traits/t.yml': 'computed_trait: t\nlevel: user\ncompute: sum\nevent: E\nwithin: 1.5d\n',
    });
    const { project, diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(project).toBeNull();
    expect(diagnostics.map((d) => `${d.code} ${d.loc?.file}:${d.loc?.line}`)).toEqual([
      'missing_env quorum.yml:2',
      'invalid_value audiences/a.yml:2',
      'invalid_value audiences/b.yml:4',
      'wrong_type audiences/b.yml:5',
      'invalid_value audiences/b.yml:6',
      'missing_key traits/t.yml:3',
      'invalid_value traits/t.yml:5',
    ]);
  });

  it('a file with 3 problems gives 3 diagnostics', async () => {
    const root = tempProject({
      'quorum.yml': '',
      'audiences/a.yml': [
        'audience: a',
        'level: account',
        'where:',
        '  all:',
        '    - { trait: plan, in: [] }',
        '    - at_least_users: { percent: 101, where: { trait: role, exists: true } }',
        '    - { trait: plan, equals: x, lt: 3 }',
      ].join('\n'),
    });
    const { diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
    expect(diagnostics.map((d) => d.code)).toEqual(['invalid_value', 'invalid_value', 'wrong_type']);
  });

  it('never throws for hostile input', async () => {
    const inputs = [
      '', '---\n---\n', '[', '{', ': :', '- - - -', '&a [*a]', 'audience: *nope', '!!binary aGk=',
      'audience: [1, {2: 3}]\nlevel: {}\nwhere: [[[]]]', 'audience: a\nlevel: user\nwhere: { not: [] }',
      'sql_trait: s\nlevel: user\nsql: 42', 'computed_trait: c\nlevel: user\ncompute: count\nevent: ""',
      'audience: a\nlevel: user\nwhere: { at_least_users: 3 }', '\u0000\u0001', 'a'.repeat(10_000),
    ];
    for (const text of inputs) {
      const root = tempProject({ 'quorum.yml': text, 'audiences/x.yml': text, 'traits/y.yml': text });
      const { project, diagnostics } = await validateProject(root, OFFLINE_CATALOG, { env: {}, dialects: dialectNamed });
      if (text !== '') expect(project, text).toBeNull();
      for (const d of diagnostics) {
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
  });
});
