import { describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import { parseSqlTemplate } from '../../src/definitions/parse-sql.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { tempProject } from './fixture-helpers.js';

describe('parseSqlTemplate', () => {
  it('splits text, sources and as_of, with their offsets', () => {
    const sql = "select * from {{ source('tracks') }} t where t.ts <= {{as_of}} and x = '{{ source(\"logged_in\") }}'";
    const { parts, problems } = parseSqlTemplate(sql);
    expect(problems).toEqual([]);
    expect(parts).toEqual([
      { kind: 'text', text: 'select * from ', offset: 0 },
      { kind: 'source', table: 'tracks', offset: 14 },
      { kind: 'text', text: ' t where t.ts <= ', offset: 36 },
      { kind: 'as_of', offset: 53 },
      { kind: 'text', text: " and x = '", offset: 62 },
      { kind: 'source', table: 'logged_in', offset: 72 },
      { kind: 'text', text: "'", offset: 97 },
    ]);
    for (const part of parts) if (part.kind === 'text') expect(sql.slice(part.offset, part.offset + part.text.length)).toBe(part.text);
  });

  it("drops the one ';' that ends the text, since the query is wrapped in quorum's statement", () => {
    const last = (sql: string) => parseSqlTemplate(sql).parts.at(-1);
    expect(last("select 1 from {{ source('tracks') }} t;\n  ")).toEqual({ kind: 'text', text: ' t', offset: 36 });
    expect(last("select ';' as t from {{ source('tracks') }}")).toEqual({ kind: 'source', table: 'tracks', offset: 21 });
    // a comment after it is the warehouse's to refuse: nothing but that last ';' is ever cut
    expect(last('select 1; -- done')).toEqual({ kind: 'text', text: 'select 1; -- done', offset: 0 });
  });

  it('rejects every other expression', () => {
    for (const sql of ["{{ ref('x') }}", '{{ source(tracks) }}', '{{ as_of() }}', '{{ }}', '{% set x = 1 %}', '{{ as_of', '{# c #}']) {
      const { problems } = parseSqlTemplate(`select 1 ${sql}`);
      expect(problems.map((p) => p.diagnostic.code), sql).toEqual(['sql_template']);
      expect(problems[0].offset).toBe(9);
    }
    expect(parseSqlTemplate("{{ source('Logged In') }}").problems.map((p) => p.diagnostic.code)).toEqual(['unknown_reference']);
    expect(parseSqlTemplate("{{ source('logged_in') }} {{ source('identifies') }}").problems).toEqual([]);
  });
});

const WAREHOUSES: Record<string, string> = {
  duckdb: 'warehouse: { type: duckdb, path: warehouse.duckdb }',
  postgres: 'warehouse: { type: postgres, url: "postgres://quorum@localhost/quorum" }',
  bigquery: 'warehouse: { type: bigquery, project: p }',
  snowflake: 'warehouse: { type: snowflake, account: a }',
};

/** The diagnostics of one SQL trait loaded with the real parser of `dialect`. */
async function problemsOf(dialect: string, sql: string): Promise<Diagnostic[]> {
  const root = tempProject({
    'quorum.yml': `${WAREHOUSES[dialect]}\ndestinations:\n  crm: { type: stdout }\n`,
    'traits/t.yml': `sql_trait: t\nlevel: user\nsql: |\n${sql.split('\n').map((l) => `  ${l}`).join('\n')}\n`,
  });
  return (await loadProject(root, { dialects: dialectNamed })).diagnostics.filter((d) => d.severity === 'error');
}

const OK = [
  "select user_id, 1 as t from {{ source('tracks') }}",
  "SELECT user_id, 1 AS t FROM {{ source('tracks') }};",
  "with a as (select user_id from {{ source(\"identifies\") }}) select user_id, count(*) as t from a group by 1",
  "select user_id, 'insert into x; drop table y' as t from {{ source('tracks') }}",
  "select user_id, 1 as t -- ; delete from t\nfrom {{ source('tracks') }}",
  "select user_id, /* drop table x; */ 1 as t from {{ source('tracks') }}",
  "select user_id, 'it''s; fine' as t from {{ source('tracks') }} where timestamp <= {{ as_of }}",
  "(select user_id, 1 as t from {{ source('tracks') }}) union all (select user_id, 2 as t from {{ source('pages') }})",
  "select user_id, 1 as t from {{ source('tracks') }} -- a closing note",
  "select user_id, 1 as t from {{ source('tracks') }} /* a closing note */;",
];

describe.each(['duckdb', 'postgres', 'bigquery', 'snowflake'])('the %s parser', (dialect) => {
  it.each(OK)('accepts %j', async (sql) => {
    expect(await problemsOf(dialect, sql)).toEqual([]);
  });

  const BAD: [string, string, string][] = [
    ['insert into t select 1', 'sql_not_select', 'a SQL trait must be a read-only SELECT'],
    ['select 1 as t; drop table t', 'sql_not_select', '2 statements'],
    ['select user_id, 1 as t from x; select 2;', 'sql_not_select', '2 statements'],
    // A lone ";" leaves no text once the terminator is dropped: Postgres's parser cannot read an
    // empty query, the others read it as no statement; both refuse it.
    [';', dialect === 'postgres' ? 'sql_unparsable' : 'sql_not_select', ''],
    ["select user_id, 'unterminated", 'sql_unparsable', `the ${dialect} SQL parser cannot read it`],
    ['select user_id, 1 as id from t', 'sql_reserved_column', 'a name quorum uses for its own columns'],
    ['select user_id, 1 as VALUE from t', 'sql_reserved_column', 'a name quorum uses for its own columns'],
    // found by an audit on 5 December: it passed the gate, then the warehouse refused quorum's statement
    ['select user_id, 1 as t from x; -- a closing note', 'sql_not_select', 'the SQL goes on after its query'],
  ];
  it.each(BAD)('rejects %j', async (sql, code, message) => {
    const problems = await problemsOf(dialect, sql);
    expect(problems.length, JSON.stringify(problems)).toBeGreaterThan(0);
    expect(problems[0].code).toBe(code);
    expect(`${problems[0].message} ${problems[0].hint}`).toContain(message);
  });
});

describe('dialect specifics', () => {
  const cases: [string, string, string][] = [
    ['postgres', "select user_id, pg_read_file('/etc/passwd') as t from x", 'pg_read_file() , which reads server files'],
    ['postgres', 'select user_id, lo_from_bytea(0, null) as t from x', 'lo_from_bytea()'],
    ['postgres', 'with d as (delete from x returning user_id) select user_id, 1 as t from d', 'a data-modifying WITH (DELETE)'],
    ['postgres', 'select user_id, 1 as t into y from x', 'SELECT ... INTO'],
    ['postgres', 'select user_id, 1 as t from x for update', 'row lock'],
    ['postgres', 'select usename as user_id, 1 as t from pg_user', 'pg_user, which is a system catalog'],
    ['postgres', 'select user_id, 1 as t from quorum.snapshots', "quorum's state schema"],
    ['postgres', "select user_id, 1 as t from x --\r; drop table x", ''],
    ['duckdb', "select user_id, 1 as t from read_csv('secrets.csv')", 'read_csv(), which reads files'],
    ['duckdb', "select user_id, 1 as t from glob('~/*')", 'glob(), which lists files'],
    ['duckdb', "select user_id, 1 as t from 'secrets.csv'", 'which DuckDB would read'],
    ['duckdb', 'select user_id, 1 as t from duckdb_settings()', 'duckdb_settings()'],
    ['duckdb', "select user_id, getenv('HOME') as t from x", 'getenv()'],
    ['bigquery', "select user_id, 1 as t from external_query('c', 'select 1')", 'external_query()'],
    ['bigquery', 'select user_id, 1 as t from `region-us`.INFORMATION_SCHEMA.JOBS', 'system catalog'],
    ['snowflake', 'select user_id, system$whitelist() as t from x', 'system$whitelist()'],
    ['snowflake', 'select user_id, 1 as t from snowflake.account_usage.users', 'system catalog'],
    // found by an audit on 5 December: each passed the gate before
    ['duckdb', 'select user_id, (select count(*) from pg_tables) as t from x', 'pg_tables, which is a system catalog'],
    ['duckdb', 'select user_id, (select count(*) from (show tables)) as t from x', 'SHOW "tables", which describes the database'],
    ['duckdb', 'select user_id, (select count(*) from (summarize x)) as t from x', 'SUMMARIZE, which describes the database'],
    ['duckdb', 'select user_id, (select count(*) from enable_profiling()) as t from x', 'enable_profiling(), which is a table function other than range'],
    ['duckdb', "select user_id, 1 as t from x, enable_logging(storage = 'file', storage_path = 'logs')", 'enable_logging()'],
    ['duckdb', "select user_id, 1 as t from read_text('x')", 'read_text(), which reads files'],
    ['duckdb', "select user_id, getvariable('v') as t from x", 'getvariable(), which reads settings'],
    ['duckdb', "select user_id, getenv('HOME') over () as t from x", 'getenv(), which reads the environment'],
    ['postgres', "select user_id, (select count(*) from ts_stat('select to_tsvector(payload) from quorum.outbox')) as t from x", 'ts_stat(), which runs SQL given as a string'],
    ['postgres', "select user_id, ts_rewrite(to_tsquery('a'), 'select a, b from pg_authid')::text as t from x", 'ts_rewrite()'],
    ['postgres', 'select user_id, 1 as t from x, pg_hba_file_rules()', 'pg_hba_file_rules(), which describes or acts on the server'],
    ['postgres', 'select user_id, (select query from pg_stat_get_activity(null) limit 1) as t from x', 'pg_stat_get_activity()'],
    ['postgres', "select user_id, query_to_xmlschema('select 1', true, true, '') as t from x", 'query_to_xmlschema()'],
    // found by an audit on 5 December: index maintenance wrote inside the READ ONLY transaction, server facts passed
    ['postgres', "select user_id, brin_summarize_new_values('app.bx') as t from x", 'brin_summarize_new_values(), which maintains or inspects an index'],
    ['postgres', "select user_id, brin_summarize_range('app.bx', 0) as t from x", 'brin_summarize_range(), which maintains or inspects an index'],
    ['postgres', "select user_id, brin_desummarize_range('app.bx', 0) as t from x", 'brin_desummarize_range(), which maintains or inspects an index'],
    ['postgres', "select user_id, gin_clean_pending_list('app.gx') as t from x", 'gin_clean_pending_list(), which maintains or inspects an index'],
    ['postgres', 'select user_id, inet_server_addr()::text as t from x', 'inet_server_addr(), which describes the server'],
    ['postgres', 'select user_id, inet_client_port() as t from x', 'inet_client_port(), which describes the session'],
    ['postgres', 'select user_id, version() as t from x', 'version(), which describes the server'],
    ['postgres', 'select user_id, current_database() as t from x', 'current_database(), which describes the server'],
    ['postgres', 'select user_id, txid_current_if_assigned() as t from x', 'txid_current_if_assigned(), which reads or starts transactions'],
    ['postgres', "select user_id, currval('s') as t from x", 'currval(), which reads a sequence'],
    ['postgres', "select user_id, setseed(0.5) as t from x", 'setseed(), which changes the session'],
    ['postgres', "select user_id, to_regclass('quorum.outbox')::text as t from x", 'to_regclass(), which reads the catalog'],
    ['postgres', "select user_id, has_table_privilege('quorum.outbox', 'select') as t from x", 'has_table_privilege(), which describes privileges'],
    ['postgres', "select user_id, bt_index_check('app.ix') as t from x", 'bt_index_check(), which inspects an index'],
    ['postgres', "select user_id, 1 as t from x, get_raw_page('app.x', 0)", "get_raw_page(), which reads the server's storage"],
    ['postgres', "select user_id, postgres_fdw_disconnect_all() as t from x", 'postgres_fdw_disconnect_all(), which reaches the network'],
    // refused before the audit too; kept here so that the families stay refused
    ['postgres', 'select user_id, pg_advisory_lock(1) as t from x', 'pg_advisory_lock(), which takes server locks'],
    ['postgres', "select user_id, pg_notify('c', 'x') as t from x", 'pg_notify(), which signals other sessions'],
    ['postgres', 'select user_id, pg_sleep(1) as t from x', 'pg_sleep(), which holds the server'],
    ['postgres', 'select user_id, txid_current() as t from x', 'txid_current(), which starts a write transaction'],
    ['postgres', 'select user_id, pg_current_xact_id()::text as t from x', 'pg_current_xact_id(), which starts a write transaction'],
    ['postgres', "select user_id, setval('s', 1) as t from x", 'setval(), which writes a sequence'],
    ['postgres', "select user_id, set_config('work_mem', '1GB', true) as t from x", 'set_config(), which changes settings'],
    ['postgres', "select user_id, dblink('host=evil', 'select 1')::text as t from x", 'dblink(), which reaches the network'],
    ['postgres', "select user_id, lo_get(1) as t from x", 'lo_get(), which reads or writes large objects'],
    ['snowflake', 'select user_id, 1 as t from @mystage', '@mystage, which is a stage (files)'],
    ['snowflake', "select user_id, 1 as t from identifier('quorum.outbox')", 'identifier(), which reads a table named in a string'],
    ['snowflake', "select user_id, 1 as t from table('quorum.outbox')", 'table(), which reads a table named in a string'],
    ['snowflake', "select user_id, 1 as t from table(to_query('select 1'))", 'to_query(), which runs SQL given as a string'],
  ];
  it.each(cases)('%s rejects %j', async (dialect, sql, message) => {
    const problems = await problemsOf(dialect, sql);
    expect(problems.length, JSON.stringify(problems)).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join('\n')).toContain(message.replace(' , ', ', '));
  });

  const allowed: [string, string][] = [
    ['duckdb', "select user_id, r.range as t from {{ source('tracks') }}, range(3) as r"],
    ['duckdb', "select user_id, u.t from {{ source('tracks') }}, unnest([1, 2]) as u(t)"],
    ['duckdb', "select user_id, count(*) as t from {{ source('tracks') }}, generate_series(1, 2) group by 1"],
    ['postgres', "select user_id, count(*) as t from {{ source('tracks') }}, generate_series(1, 2) group by 1"],
    ['snowflake', "select user_id, f.value as t from {{ source('tracks') }}, table(flatten(input => parse_json('[1]'))) f"],
  ];
  it.each(allowed)('%s accepts %j', async (dialect, sql) => {
    expect(await problemsOf(dialect, sql)).toEqual([]);
  });

  it('points at the offending call in the YAML', async () => {
    const [problem] = await problemsOf('postgres', "select user_id,\n  pg_read_file('x') as t\nfrom {{ source('tracks') }}");
    expect(problem.loc).toMatchObject({ file: 'traits/t.yml', line: 5, col: 5 });
  });
});

describe('what the refusal of a statement that is not one query says', () => {
  // found by an audit: "the SQL is a EXPLAIN statement"
  it.each([
    ['postgres', 'explain select user_id, 1 as t from x', 'the SQL is an EXPLAIN statement'],
    ['postgres', 'delete from x', 'the SQL is a DELETE statement'],
    ['postgres', 'update x set t = 1', 'the SQL is an UPDATE statement'],
    ['bigquery', 'update x set t = 1 where true', 'the SQL is an UPDATE statement'],
    ['snowflake', 'insert into x values (1)', 'the SQL is an INSERT statement'],
  ])('%s: %j names its kind with its article', async (dialect, sql, message) => {
    const problems = await problemsOf(dialect, sql);
    expect(problems.map((p) => p.message).join('\n')).toContain(message);
  });

  // found by an audit: DuckDB makes a PIVOT without IN (...) two statements, and the message said
  // "the SQL holds 2 statements" of one query
  it('on DuckDB, a PIVOT without an IN list is refused as such, at the PIVOT', async () => {
    const sql = "select user_id, 1 as t from {{ source('tracks') }}\nwhere exists (select * from (pivot {{ source('tracks') }} on event using count(*)))";
    const problems = await problemsOf('duckdb', sql);
    expect(problems.map((p) => [p.code, p.loc?.line])).toEqual([['sql_not_select', 5]]);
    expect(problems[0].message).toContain('the SQL has a PIVOT without an IN (...) list, which DuckDB runs as two statements');
    expect(problems[0].hint).toContain("IN ('active', 'churned')");
    // with its values listed, the same query is one statement and passes
    expect(await problemsOf('duckdb', sql.replace('on event using', "on event in ('a', 'b') using"))).toEqual([]);
    // two statements written as two are still counted as such
    const two = await problemsOf('duckdb', "select user_id, 1 as t from {{ source('tracks') }}; pivot {{ source('tracks') }} on event using count(*)");
    expect(two[0].message).toContain('statements, but a SQL trait must be exactly one SELECT');
  });
});

describe('quorum test parses with the project dialect and DuckDB', () => {
  const postgresProject = (sql: string) =>
    tempProject({
      'quorum.yml': `${WAREHOUSES.postgres}\ndestinations:\n  crm: { type: stdout }\n`,
      'traits/t.yml': `sql_trait: t\nlevel: user\nsql: |\n  ${sql}\n`,
    });
  const errors = async (root: string, also: boolean) =>
    (await loadProject(root, { dialects: dialectNamed, alsoParseWith: also ? [dialectNamed('duckdb')!] : [] })).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

  it('refuses a DuckDB file function in a Postgres project once DuckDB will run it', async () => {
    const root = postgresProject("select user_id, 1 as t from read_csv('x.csv')");
    expect(await errors(root, false)).toEqual([]);
    expect(await errors(root, true)).toEqual(['sql_forbidden']);
  });

  it('still refuses what only the project dialect denies', async () => {
    expect(await errors(postgresProject("select user_id, pg_read_file('x') as t from y"), true)).toEqual(['sql_forbidden']);
  });
});

describe('the template is read once and compiled from its parts', () => {
  it('fills {{ source("x") }} with double quotes as it does with single ones', async () => {
    const { DuckDbPrinter } = await import('../../dialects/duckdb/duckdb-printer.js');
    const { presetLayout } = await import('../../src/definitions/source-layout.js');
    const { sqlTraitQuery } = await import('../../src/sql/lower.js');
    const layout = presetLayout('segment', 'app');
    const printed = (sql: string) => new DuckDbPrinter().print(sqlTraitQuery(parseSqlTemplate(sql).parts, layout, '2024-06-01T00:00:00.000Z'));
    expect(printed('select user_id from {{ source("identifies") }} where t <= {{ as_of }}')).toBe(printed("select user_id from {{ source('identifies') }} where t <= {{as_of}}"));
    expect(printed('select user_id from {{ source("identifies") }}')).toBe('select user_id from "app"."identifies"');
  });
});
