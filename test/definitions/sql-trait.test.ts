import { describe, expect, it } from 'vitest';
import { checkSqlIsSelect, parseSqlTemplate } from '../../src/definitions/parse-sql.js';

describe('parseSqlTemplate', () => {
  it('splits text, sources and as_of', () => {
    const { parts, problems } = parseSqlTemplate("select * from {{ source('tracks') }} t where t.ts <= {{as_of}} and x = '{{ source(\"logged_in\") }}'");
    expect(problems).toEqual([]);
    expect(parts).toEqual([
      { kind: 'text', text: 'select * from ' },
      { kind: 'source', table: 'tracks' },
      { kind: 'text', text: ' t where t.ts <= ' },
      { kind: 'as_of' },
      { kind: 'text', text: " and x = '" },
      { kind: 'source', table: 'logged_in' },
      { kind: 'text', text: "'" },
    ]);
  });

  it('rejects every other expression', () => {
    for (const sql of ["{{ ref('x') }}", '{{ source(tracks) }}', '{{ as_of() }}', '{{ }}', '{% set x = 1 %}', '{{ as_of', '{# c #}']) {
      const { problems } = parseSqlTemplate(`select 1 ${sql}`);
      expect(problems.map((p) => p.code), sql).toEqual(['sql_template']);
      expect(problems[0].offset).toBe(9);
    }
    expect(parseSqlTemplate("{{ source('Logged In') }}").problems.map((p) => p.code)).toEqual(['unknown_reference']);
    expect(parseSqlTemplate("{{ source('logged_in') }} {{ source('identifies') }}").problems).toEqual([]);
  });
});

describe('checkSqlIsSelect', () => {
  const ok = [
    'select 1',
    'SELECT 1;',
    '  select 1 ;  \n',
    '(select 1) union all (select 2)',
    'with a as (select 1 as x) select x from a',
    "select 'insert into x; drop table y' as s",
    'select "update", "set" from t',
    'select 1 -- ; delete from t\n',
    'select /* drop table x; */ 1',
    "select $$ copy; attach $$ as s",
    "select 'it''s; fine' as s",
    "select created_at, offset_x, settings_id from {{ source('tracks') }}",
  ];
  it.each(ok)('accepts %j', (sql) => {
    expect(checkSqlIsSelect(sql)).toEqual([]);
  });

  const bad: [string, string][] = [
    ['insert into t select 1', 'starts with "insert"'],
    ['select 1; drop table t', '2 statements'],
    ['select 1; select 2;', '2 statements'],
    ["COPY t TO 'x.csv'", 'starts with "COPY"'],
    ["ATTACH 'x.db'", 'starts with "ATTACH"'],
    ['PRAGMA version', 'starts with "PRAGMA"'],
    ['select * into t2 from t', 'SELECT ... INTO'],
    ['with d as (delete from t returning *) select * from d', 'keyword "delete"'],
    ['with x as (select 1) update t set a = 1', 'keyword "update"'],
    ['select 1 from t where exists (select 1) and load', 'keyword "load"'],
    ["select 'unterminated", 'never closed'],
    ['select /* open', 'never closed'],
    ['', 'empty'],
    ['  ;  ', 'empty'],
    ['describe t', 'starts with "describe"'],
  ];
  it.each(bad)('rejects %j', (sql, message) => {
    const problems = checkSqlIsSelect(sql);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].code).toBe('sql_not_select');
    expect(problems[0].message).toContain(message);
  });

  it('points at the offending keyword', () => {
    const sql = 'with d as (select 1)\nselect * from d; vacuum';
    const [problem] = checkSqlIsSelect(sql);
    expect(sql.slice(problem.offset, problem.offset + 6)).toBe('vacuum');
  });
});
