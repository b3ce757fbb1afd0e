// Hostile SQL traits (issue 11, SPEC §4): each tries to change something, run a second statement
// or read outside the warehouse's tables. `canary` is a table the attacks try to drop or change;
// FILE is a file in the project folder they try to read or write. Every entry must be refused.
// `{S}` is `{{ source('tracks') }}`.

const S = "{{ source('tracks') }}";
const HEAD = `select user_id, 1 as t from ${S}`;

export interface HostileTrait {
  readonly name: string;
  readonly sql: string;
}

const entries: [string, string][] = [
  // statement stacking, with every comment and quoting trick
  ['plain stack', `${HEAD}; drop table app.canary`],
  ['stack after limit', `${HEAD} limit 1; delete from app.canary`],
  ['line comment ended by CR', `${HEAD} limit 1 --\r; DROP TABLE app.canary; select 1`],
  ['line comment ended by CRLF', `${HEAD} --\r\n; drop table app.canary`],
  ['stack after empty block comment', `${HEAD} /**/; drop table app.canary`],
  ['E-string escaped quote', `${HEAD} where user_id <> E'\\'' ; drop table app.canary; select '1'`],
  ['E-string backslash', `${HEAD} where user_id <> E'\\\\'; drop table app.canary; select 'x'`],
  ['doubled quote', `${HEAD} where user_id <> 'a''; drop table app.canary; --'; update app.canary set v = 0`],
  ['dollar quote', `${HEAD} where user_id <> $$x$$; drop table app.canary; select $$y$$`],
  ['tagged dollar quote', `${HEAD} where user_id <> $q$x$$;$q$; drop table app.canary`],
  ['nested block comment', `${HEAD} /* a /* b */ ; still comment */; drop table app.canary`],
  ['unterminated block comment', `${HEAD} /* ; drop table app.canary`],
  ['unicode lookalike semicolon', `${HEAD}\uFF1B drop table app.canary`],
  ['greek question mark', `${HEAD}\u037E drop table app.canary`],
  ['zero width space', `${HEAD};\u200B drop table app.canary`],
  ['quoted identifier with semicolon', `select user_id, 1 as "t;drop table app.canary" from ${S}; drop table app.canary`],
  ['backtick quoting', `${HEAD} where \`x\` = 1; drop table app.canary`],
  ['closing quorum parentheses', `${HEAD} where user_id <> E'\\'' as t) AS "t") AS "d"; COPY (select 42) TO $$/tmp/quorum-pwned$$; select (1`],
  ['closing parentheses plainly', `${HEAD}) t; drop table app.canary; select * from (select 1`],
  ['semicolon then comment only', `${HEAD}; -- drop table app.canary\n drop table app.canary`],
  ['two selects', `${HEAD}; select user_id, 2 as t from ${S}`],
  ['transaction control', `${HEAD}; commit; drop table app.canary; begin`],
  // data-modifying statements and CTEs
  ['insert', 'insert into app.canary values (0)'],
  ['update', 'update app.canary set v = 0'],
  ['delete', 'delete from app.canary'],
  ['drop', 'drop table app.canary'],
  ['truncate', 'truncate app.canary'],
  ['create table as', `create table app.pwned as ${HEAD}`],
  ['alter', 'alter table app.canary rename to gone'],
  ['merge', `merge into app.canary c using (select 1 as v) s on true when matched then delete`],
  ['data-modifying CTE delete', `with d as (delete from app.canary returning v) select 'u' as user_id, v as t from d`],
  ['data-modifying CTE update', `with d as (update app.canary set v = 0 returning v) select 'u' as user_id, v as t from d`],
  ['data-modifying CTE insert', `with d as (insert into app.canary values (0) returning v) select 'u' as user_id, v as t from d`],
  ['select into', `select user_id, 1 as t into app.pwned from ${S}`],
  ['row lock', `${HEAD} for update`],
  // files, network, large objects
  ['COPY to file', `copy (select 42) to '/tmp/quorum-pwned'`],
  ['COPY from program', `copy app.canary from program 'touch /tmp/quorum-pwned'`],
  ['ATTACH', `attach 'pwned.duckdb' as pwned`],
  ['INSTALL', 'install httpfs'],
  ['LOAD', 'load httpfs'],
  ['SET', "set search_path = 'app'"],
  ['PRAGMA', 'pragma database_list'],
  ['EXPORT DATABASE', `export database 'pwned'`],
  ['CALL', 'call pg_sleep(1)'],
  ['DO block', `do $$ begin drop table app.canary; end $$`],
  ['duckdb read_csv', `select 'u' as user_id, column0 as t from read_csv('quorum.yml')`],
  ['duckdb read_text', `select 'u' as user_id, content as t from read_text('quorum.yml')`],
  ['duckdb read_blob', `select 'u' as user_id, content as t from read_blob('warehouse.duckdb')`],
  ['duckdb glob', `select 'u' as user_id, file as t from glob('*')`],
  ['duckdb replacement scan', `select 'u' as user_id, 1 as t from 'quorum.yml'`],
  ['duckdb read_json in a subquery', `${HEAD} where exists (select 1 from read_json_auto('x.json'))`],
  ['duckdb getenv', `select user_id, getenv('HOME') as t from ${S}`],
  ['duckdb settings', `select 'u' as user_id, value as t from duckdb_settings()`],
  ['duckdb secrets', `select 'u' as user_id, name as t from duckdb_secrets()`],
  ['postgres pg_read_file', `select user_id, pg_read_file('/etc/passwd') as t from ${S}`],
  ['postgres qualified pg_read_file', `select user_id, pg_catalog.pg_read_file('postgresql.conf') as t from ${S}`],
  ['postgres pg_ls_dir', `select 'u' as user_id, f as t from pg_ls_dir('.') f`],
  ['postgres lo_from_bytea', `select user_id, lo_from_bytea(0, 'x') as t from ${S}`],
  ['postgres lo_import', `select user_id, lo_import('/etc/passwd') as t from ${S}`],
  ['postgres dblink', `select user_id, dblink_exec('host=evil', 'drop table x') as t from ${S}`],
  ['postgres set_config', `select user_id, set_config('search_path', 'x', false) as t from ${S}`],
  ['postgres current_setting', `select user_id, current_setting('data_directory') as t from ${S}`],
  ['postgres query_to_xml', `select user_id, query_to_xml('drop table app.canary', true, true, '') as t from ${S}`],
  ['postgres pg_terminate_backend', `select user_id, pg_terminate_backend(1) as t from ${S}`],
  ['postgres nextval', `select user_id, nextval('s') as t from ${S}`],
  ['duckdb enable_profiling', `select user_id, (select count(*) from enable_profiling()) as t from ${S}`],
  ['duckdb enable_logging to a folder', `select user_id, (select count(*) from enable_logging(storage = 'file', storage_path = 'logs')) as t from ${S}`],
  ['duckdb getvariable', `select user_id, getvariable('x') as t from ${S}`],
  ['postgres ts_stat runs a query string', `select user_id, (select count(*) from ts_stat('select to_tsvector(payload) from quorum_state.outbox')) as t from ${S}`],
  ['postgres ts_rewrite runs a query string', `select user_id, ts_rewrite(to_tsquery('a'), 'select rolpassword::tsquery, ''a''::tsquery from pg_authid')::text as t from ${S}`],
  ['postgres pg_hba_file_rules', `select 'u' as user_id, type as t from pg_hba_file_rules()`],
  ['postgres pg_stat_get_activity', `select user_id, (select query from pg_stat_get_activity(null) limit 1) as t from ${S}`],
  ['postgres pg_config', `select 'u' as user_id, setting as t from pg_config()`],
  // system catalogs and quorum's state
  ['information_schema', `select 'u' as user_id, table_name as t from information_schema.tables`],
  ['pg_catalog', `select 'u' as user_id, relname as t from pg_catalog.pg_class`],
  ['pg_shadow unqualified', `select usename as user_id, passwd as t from pg_shadow`],
  ['sqlite_master', `select 'u' as user_id, name as t from sqlite_master`],
  ['duckdb_tables view', `select 'u' as user_id, table_name as t from duckdb_tables`],
  ['pg_tables unqualified (DuckDB resolves it to pg_catalog)', `select 'u' as user_id, tablename as t from pg_tables`],
  ['pg_settings in a subquery', `select user_id, (select setting from pg_settings where name = 'enable_external_access') as t from ${S}`],
  ['SHOW TABLES in a subquery', `select user_id, (select count(*) from (show tables)) as t from ${S}`],
  ['DESCRIBE in a subquery', `select 'u' as user_id, column_name as t from (describe app.canary)`],
  ['quorum state schema', `select entity_id as user_id, 1 as t from quorum_state.snapshots`],
  // reserved output names
  ['column id', `select user_id, user_id as id from ${S}`],
  ['column ID upper case', `select user_id, 1 as "ID" from ${S}`],
  ['column value', `select user_id, 1 as value from ${S}`],
  ['column entity_id', `select user_id, 1 as entity_id from ${S}`],
  ['select star with id', `select * from (select user_id, 1 as id from ${S}) x`],
];

export const HOSTILE_TRAITS: readonly HostileTrait[] = entries.map(([name, sql]) => ({ name, sql }));
