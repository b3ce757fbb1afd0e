// Every printer on every construct: the coverage project compiles on all four dialects and each
// statement parses in its own dialect; golden SQL per dialect (UPDATE_GOLDEN=1 rewrites it); the
// hostile literal corpus; the state DDL; the UNSUPPORTED diagnostic.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { DIALECTS } from '../../dialects/registry.js';
import { snowflakeName } from '../../dialects/snowflake/snowflake-printer.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { cast, col, dayStart, select, table } from '../../src/sql/ast.js';
import { sourceText } from '../../src/sql/source-text.js';
import type { Plan } from '../../src/plan/plan.js';
import { compileSql, planFor } from '../../src/evaluation/evaluate.js';
import { STATE_TABLES, stateDdl } from '../../src/sync/state-tables.js';
import { changeSetInsert } from '../../src/sync/change-set-sql.js';
import { DRY_RUN_CTES, dryRunDiffQuery, dryRunQuery, dryRunRefs, stagingQuery } from '../../src/sync/diff-sql.js';
import { syncDefinitions } from '../../src/sync/run-definitions.js';
import { outboxInserts } from '../../src/sync/outbox-sql.js';
import { alterDdl } from '../../src/sync/state-format.js';
import { stateRefs, stateTable } from '../../src/sync/state-sql.js';
import type { SyncDefinition } from '../../src/sync/sync-definition.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { HOSTILE_STRINGS } from '../support/arbitraries.js';
import { COVERAGE_AS_OF, COVERAGE_DEFINITIONS, coverageProject } from './support/coverage-project.js';
import { parseIn } from './support/transpiling-connection.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', 'golden');
const NAMES = ['duckdb', 'postgres', 'bigquery', 'snowflake'] as const;
const WIRE_URL = process.env.QUORUM_TEST_POSTGRES_URL;

/** The catalog of the generated Segment layout, so that literals get their column's type. */
const CATALOG: Catalog = (() => {
  const t = (columns: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'timestamp'>) => new Map(Object.entries(columns));
  const call = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const track = { ...call, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  const tables = {
    identifies: t({ ...call, role: 'string', seats: 'integer', is_admin: 'boolean', email: 'string', signed_up_at: 'timestamp' }),
    groups: t({ ...call, group_id: 'string', plan: 'string', industry: 'string', employees: 'number' }),
    tracks: t(track),
    logged_in: t({ ...track, method: 'string', duration: 'integer', remember: 'boolean' }),
    report_created: t({ ...track, title: 'string', score: 'number', shared: 'boolean' }),
    feature_used: t({ ...track, feature: 'string', order: 'integer', score: 'number' }),
    pages: t({ ...track, name: 'string', path: 'string', title: 'string' }),
    screens: t({ ...track, name: 'string' }),
  };
  return {
    known: true,
    tables: new Map(Object.entries(tables).map(([name, columns]) => [name, { name, columns }])),
    sqlTraitColumns: new Map([
      ['sql_tracks_count', new Map([['user_id', 'string'], ['sql_tracks_count', 'integer']])],
      ['sql_identity', new Map([['user_id', 'string'], ['top_email', 'string'], ['identify_count', 'integer']])],
      ['sql_context_members', new Map([['group_id', 'string'], ['user_id', 'string'], ['sql_context_members', 'string']])],
    ]),
  } as Catalog;
})();

function compile(dialect: (typeof NAMES)[number], targets: readonly string[]): string {
  return compileSql({ project: coverageProject(), catalog: CATALOG, asOf: COVERAGE_AS_OF, targets }, DIALECTS[dialect].printer);
}

describe('the coverage project compiles on every dialect', () => {
  const everything = COVERAGE_DEFINITIONS.map((d) => d.name);
  for (const name of NAMES) {
    it(`${name}: one statement for every definition, parsed by polyglot in ${name}'s grammar`, () => {
      const sql = compile(name, everything);
      expect(sql).toContain('WITH');
      if (name !== 'duckdb') expect(() => parseIn(name, sql)).not.toThrow();
    });
  }

  it('bigquery and snowflake print no aggregate FILTER clause; postgres and duckdb keep it', () => {
    expect(compile('bigquery', everything)).not.toMatch(/FILTER \(WHERE/);
    expect(compile('snowflake', everything)).not.toMatch(/FILTER \(WHERE/);
    expect(compile('postgres', everything)).toMatch(/FILTER \(WHERE/);
  });

  it('snowflake quotes the names an unquoted identifier would have (upper case)', () => {
    const sql = compile('snowflake', ['a_equals']);
    expect(sql).toContain('"APP"."IDENTIFIES"');
    expect(sql).toContain('"USER_ID"');
    expect(snowflakeName('Mixed Case')).toBe('Mixed Case');
  });

  it("snowflake buckets an event by its day in UTC, not its TIMESTAMP_TZ value's own offset", () => {
    // Snowflake keeps a TIMESTAMP_TZ's offset per value, which nothing here can hold: the printed
    // conversion is what can be checked here, and that it parses in Snowflake's grammar.
    const sql = DIALECTS.snowflake.printer.print(select({ columns: [{ expr: dayStart(col('timestamp', 'e')), alias: 'day' }], from: table('tracks', 'e') }));
    expect(sql).toContain(`CAST(CAST(CONVERT_TIMEZONE('UTC', CAST("E"."TIMESTAMP" AS TIMESTAMP_TZ)) AS DATE) AS TIMESTAMP_NTZ)`);
    parseIn('snowflake', sql);
  });

  it('bigquery qualifies a project.dataset schema part by part', () => {
    const project = coverageProject();
    const moved = { ...project, config: { ...project.config, source: { ...project.config.source, schema: 'my-project.app' } } };
    const sql = compileSql({ project: moved, catalog: CATALOG, asOf: COVERAGE_AS_OF, targets: ['a_equals'] }, DIALECTS.bigquery.printer);
    expect(sql).toContain('`my-project`.`app`.`identifies`');
    expect(sql).toContain('UNION DISTINCT');
  });
});

describe('golden SQL per dialect (UPDATE_GOLDEN=1 rewrites the files)', () => {
  const GOLDEN_TARGETS: Record<string, readonly string[]> = {
    'account-quantifiers': ['acc_any_user', 'acc_all_users', 'acc_no_user', 'acc_at_least_count', 'acc_at_least_percent'],
    'computed-traits': ['ct_count', 'ct_avg', 'ct_max_score', 'ct_most_frequent', 'ct_last', 'ct_unique_list', 'ct_unique_count'],
    'string-operators': ['a_equals_ci', 'a_lt_string', 'a_between_string', 'a_contains', 'a_starts_with', 'a_ends_with_ci', 'a_includes'],
    'sql-trait-and-passthrough': ['sql_identity', 'a_passthrough', 'a_not_tree'],
    funnels: ['a_funnel', 'a_funnel_abandoned', 'a_funnel_chain', 'acc_funnel'],
  };
  for (const name of NAMES) {
    for (const [file, targets] of Object.entries(GOLDEN_TARGETS)) {
      it(`${name}/${file}.sql`, () => {
        const path = join(GOLDEN, name, `${file}.sql`);
        const sql = compile(name, targets);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, sql);
        }
        expect(sql).toBe(readFileSync(path, 'utf8'));
      });
    }
  }
});

const HOSTILE_LITERALS: readonly string[] = [
  ...HOSTILE_STRINGS,
  "'", "''", '\\', "\\'", "'\\", '--', '/*', '*/', ';', '%', '_', '$$', '`', '"', '\r\n', '\t', '\u0001', '\u007f',
  "O'Brien", 'x\'; DROP TABLE users; --', 'ünïcödé ✓ 中文 🏳️‍🌈', 'a'.repeat(10_000),
];

describe('the hostile literal corpus', () => {
  let duck: DuckDbConnection;
  let pg: PgliteConnection;

  beforeAll(async () => {
    duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    pg = await PgliteConnection.open(postgres);
  });

  afterAll(async () => {
    await duck?.close();
    await pg?.close();
  });

  for (const name of NAMES) {
    it(`${name} prints every literal as one token that ${name === 'duckdb' ? 'the engine' : 'polyglot'} reads back`, () => {
      const printer = DIALECTS[name].printer;
      for (const value of HOSTILE_LITERALS) {
        const literal = printer.visitStringLiteral(value);
        expect(literal.length).toBeGreaterThanOrEqual(value.length + 2);
        if (name !== 'duckdb') expect(() => parseIn(name, `SELECT ${literal} AS v`), JSON.stringify(value.slice(0, 40))).not.toThrow();
      }
    });
  }

  it('duckdb and postgres return exactly the string they were given', async () => {
    for (const [connection, printer] of [[duck, DIALECTS.duckdb.printer], [pg, postgres.printer]] as const) {
      for (const value of HOSTILE_LITERALS) {
        const rows = await connection.query(`SELECT ${printer.visitStringLiteral(value)} AS v`);
        expect(rows[0].v, `${connection.dialect.name}: ${JSON.stringify(value.slice(0, 40))}`).toBe(value);
      }
    }
  });

  it('bigquery and snowflake literals mean the same string (polyglot translation run on DuckDB)', async () => {
    const { toDuckDb } = await import('./support/transpiling-connection.js');
    for (const name of ['bigquery', 'snowflake'] as const) {
      for (const value of HOSTILE_LITERALS.filter((v) => v.length < 1000)) {
        const sql = toDuckDb(name, `SELECT ${DIALECTS[name].printer.visitStringLiteral(value)} AS v`);
        const rows = await duck.query(sql);
        expect(Object.values(rows[0])[0], `${name}: ${JSON.stringify(value)}`).toBe(value);
      }
    }
  });

  it('identifiers are quoted so that the same hostile text is one name', async () => {
    for (const name of NAMES) {
      const printer = DIALECTS[name].printer;
      for (const value of ['a"b', 'a`b', "a'b", 'a\\b', 'select', 'audience:x', 'ü']) {
        const quoted = printer.quoteIdentifier(value);
        if (name !== 'duckdb') expect(() => parseIn(name, `SELECT 1 AS ${quoted}`)).not.toThrow();
      }
    }
    const rows = await pg.query(`SELECT 1 AS ${postgres.printer.quoteIdentifier('a"b')}`);
    expect(Object.keys(rows[0])).toEqual(['a"b']);
  });
});

describe('ids cast to text: a floating id reads as JavaScript writes the number', () => {
  // The text JavaScript gives the number is what `evaluate` and the reference evaluator compare.
  // Below 1e15 and from 1e-4 the engines' texts already agree with it but for DuckDB's "2.0"; from
  // 1e15 and below 1e-4 they write exponents ("1e+15", "1.5e-07") where JavaScript writes plain
  // digits up to 1e21 and from 1e-7, and "1.5e-7" beyond. DuckDB's are rewritten (its type test is
  // settled when the statement binds); Postgres's are not, since its test would run on every row.
  const FLOAT_IDS = [
    2, 1.5, -3, 0, -0, 0.1, 2.25, 123456789012345, -98765.5,
    1e15, -1e15, 1234567890123456, 9007199254740993, 123456789012345678, 2 ** 68, 1e20, 2.5e20,
    1e21, -1e21, 1.2345e22, 1.7976931348623157e308,
    1e-4, 0.000123, 1e-5, 1e-6, -1.25e-6, 1.5e-7, 1e-7, 1.23e-18, 5e-324,
    NaN, Infinity, -Infinity,
  ];
  // Where Postgres writes a double as JavaScript does: plain digits, from 1e-4 to below 1e15.
  const plainEverywhere = (v: number) => v === 0 ? !Object.is(v, -0) : Math.abs(v) >= 1e-4 && Math.abs(v) < 1e15;
  const idText = (name: (typeof NAMES)[number], from: string, schema?: string) =>
    DIALECTS[name].printer.print(select({ columns: [{ expr: cast(col('id', 't'), 'string'), alias: 'id' }], from: table(from, 't', schema) }));

  /** Tables of double, text and integer ids in a new `schema`, their ids cast to text. */
  const check = async (connection: WarehouseConnection, name: 'duckdb' | 'postgres', schema: string) => {
    await connection.execute(`CREATE SCHEMA ${schema}`);
    // each double from its JavaScript text, so that the engine holds exactly the number JavaScript has
    const doubles = FLOAT_IDS.map((v, i) => `(${i}, CAST('${Object.is(v, -0) ? '-0' : String(v)}' AS DOUBLE PRECISION))`).join(', ');
    await connection.execute(`CREATE TABLE ${schema}.float_ids AS SELECT * FROM (VALUES ${doubles}) AS v(i, id)`);
    await connection.execute(`CREATE TABLE ${schema}.text_ids AS SELECT * FROM (VALUES ('2.0'), ('u1'), ('1e+15'), ('1.5e-07')) AS v(id)`);
    await connection.execute(`CREATE TABLE ${schema}.integer_ids AS SELECT * FROM (VALUES (CAST(2 AS BIGINT)), (CAST(1000000000000000000 AS BIGINT))) AS v(id)`);
    const texts = async (from: string, order = '') => (await connection.query(idText(name, from, schema) + order)).map((r) => r.id);
    const floats = await texts('float_ids', ' ORDER BY t.i');
    if (name === 'duckdb') expect(floats, name).toEqual(FLOAT_IDS.map(String));
    else {
      // Postgres keeps its own notation outside the plain range (docs/warehouses.md): the same
      // number, written as JavaScript writes it where the notations agree.
      expect(floats.filter((_, i) => plainEverywhere(FLOAT_IDS[i])), name).toEqual(FLOAT_IDS.filter(plainEverywhere).map(String));
      expect(floats.map(Number), name).toEqual(FLOAT_IDS);
      expect(floats.filter((_, i) => !plainEverywhere(FLOAT_IDS[i]) && Number.isFinite(FLOAT_IDS[i])), name).toContain('1e+15');
    }
    expect(await texts('text_ids'), name).toEqual(['2.0', 'u1', '1e+15', '1.5e-07']);
    expect(await texts('integer_ids'), name).toEqual(['2', '1000000000000000000']);
  };

  it('duckdb gives each double the text JavaScript gives it, postgres (PGlite) where their notations agree, and both leave text and integer ids as they are', async () => {
    const duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    const pg = await PgliteConnection.open(postgres);
    try {
      await check(duck, 'duckdb', 'ids');
      await check(pg, 'postgres', 'ids');
    } finally {
      await duck.close();
      await pg.close();
    }
  });

  it("duckdb casts a column the catalog knows as text or integer plainly, with the CASE's texts, and keeps the CASE for a number column", async () => {
    const duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      await duck.execute(`CREATE TABLE text_ids AS SELECT * FROM (VALUES ('2.0'), ('u1'), ('1e+15'), ('1.5e-07'), (NULL)) AS v(id)`);
      await duck.execute(`CREATE TABLE integer_ids AS SELECT * FROM (VALUES (CAST(2 AS BIGINT)), (CAST(-1000000000000000000 AS BIGINT)), (NULL)) AS v(id)`);
      const plan = { columnTypes: { text_ids: { id: 'string' }, integer_ids: { id: 'integer' }, float_ids: { id: 'number' } } } as unknown as Plan;
      for (const from of ['text_ids', 'integer_ids']) {
        const plain = DIALECTS.duckdb.printer.print(select({ columns: [{ expr: sourceText(plan, from, 'id', 't'), alias: 'id' }], from: table(from, 't') }));
        expect(plain, from).not.toContain('typeof');
        expect((await duck.query(plain)).map((r) => r.id), from).toEqual((await duck.query(idText('duckdb', from))).map((r) => r.id));
      }
      expect(DIALECTS.duckdb.printer.print(select({ columns: [{ expr: sourceText(plan, 'float_ids', 'id', 't'), alias: 'id' }], from: table('float_ids', 't') }))).toContain('typeof');
      expect(DIALECTS.duckdb.printer.print(select({ columns: [{ expr: sourceText(plan, 'unknown_ids', 'id', 't'), alias: 'id' }], from: table('unknown_ids', 't') }))).toContain('typeof');
    } finally {
      await duck.close();
    }
  });

  it.skipIf(!WIRE_URL)('postgres over the wire (QUORUM_TEST_POSTGRES_URL) writes each double as PGlite does', async () => {
    const wire = await postgres.connect({ type: 'postgres', url: WIRE_URL! });
    const schema = `qfloat_${process.pid}_${randomBytes(3).toString('hex')}`;
    try {
      await check(wire, 'postgres', schema);
    } finally {
      await wire.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await wire.close();
    }
  });

  // Not run (no warehouse in CI): their own float texts are documented in docs/warehouses.md.
  it('bigquery and snowflake print a plain CAST, which gives "2" for 2.0 there, and it parses', () => {
    for (const name of ['bigquery', 'snowflake'] as const) {
      const sql = idText(name, 'float_ids');
      expect(sql).not.toContain('typeof');
      expect(() => parseIn(name, sql), sql).not.toThrow();
    }
  });
});

describe('state DDL (SPEC §6) on every dialect', () => {
  for (const name of NAMES) {
    it(`${name}: CREATE SCHEMA / CREATE TABLE IF NOT EXISTS for every state table`, () => {
      const statements = stateDdl('quorum').map((ddl) => DIALECTS[name].printer.printDdl(ddl));
      expect(statements[0]).toMatch(/^CREATE SCHEMA IF NOT EXISTS /);
      // DuckDB keeps the scratch tables (staging, changes) in the session, as temporary tables
      const scratch = stateDdl('quorum').slice(1).map((ddl) => ddl.kind === 'create_table' && ddl.scratch === true);
      const inSession = name === 'duckdb';
      expect(scratch.filter(Boolean)).toHaveLength(2);
      statements.slice(1).forEach((s, i) => expect(s.startsWith(scratch[i] && inSession ? 'CREATE TEMPORARY TABLE IF NOT EXISTS "temp"."main".' : 'CREATE TABLE IF NOT EXISTS '), s).toBe(true));
      if (name !== 'duckdb') for (const s of statements) expect(() => parseIn(name, s), s).not.toThrow();
      if (name === 'bigquery') expect(statements.join('\n')).toContain('NOT ENFORCED');
    });
  }

  it('runs on duckdb and postgres, twice (idempotent)', async () => {
    const duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    const pg = await PgliteConnection.open(postgres);
    try {
      for (const connection of [duck, pg]) {
        for (let i = 0; i < 2; i += 1) for (const ddl of stateDdl('quorum')) await connection.execute(connection.dialect.printer.printDdl(ddl));
        const inSchema = Object.values(STATE_TABLES).filter((t) => !(connection.dialect.printer.scratchTablesInSession && 'scratch' in t && t.scratch));
        expect([...(await connection.readTables('quorum')).keys()].sort()).toEqual(inSchema.map((t) => t.name).sort());
      }
    } finally {
      await duck.close();
      await pg.close();
    }
  });
});

describe('state format 5 on every dialect: the outbox column made nullable, and outbox inserts numbered without a partition', () => {
  for (const name of NAMES) {
    it(`${name}: ALTER TABLE ... DROP NOT NULL and the outbox inserts parse`, () => {
      const printer = DIALECTS[name].printer;
      const statements = alterDdl('quorum').map((ddl) => printer.printDdl(ddl));
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain('DROP NOT NULL');
      const definition: SyncDefinition = {
        name: 'aud',
        kind: 'audience',
        level: 'account',
        multiColumn: false,
        computationId: 'aud',
        targets: [{ destination: 'hook', calls: ['identify'], trackEvents: { entered: 'Entered', exited: 'Exited' }, groupIdentity: 'anonymous' }],
      };
      const stamp = { runId: 'r1', asOf: '2024-06-01T00:00:00Z', now: '2024-06-01T00:00:00Z', namespace: 'quorum', spaceId: 'quorum' };
      const inserts = outboxInserts(stateTable('quorum', 'outbox'), stateRefs('quorum'), definition, stamp, 1).map((i) => printer.printStatement(i.build(0)));
      expect(inserts.length).toBeGreaterThan(0);
      for (const sql of inserts) expect(sql).not.toContain('PARTITION BY');
      if (name !== 'duckdb') for (const sql of [...statements, ...inserts]) expect(() => parseIn(name, sql), sql).not.toThrow();
    });
  }

  it('runs on duckdb and postgres over a table created NOT NULL, twice (repeatable), and then takes a null messageId', async () => {
    const duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    const pg = await PgliteConnection.open(postgres);
    try {
      for (const connection of [duck, pg]) {
        await connection.execute('CREATE SCHEMA q5');
        await connection.execute('CREATE TABLE q5.outbox (message_id VARCHAR NOT NULL, sequence INTEGER NOT NULL)');
        await expect(connection.execute('INSERT INTO q5.outbox VALUES (NULL, 1)')).rejects.toThrow();
        for (let i = 0; i < 2; i += 1) for (const ddl of alterDdl('q5')) await connection.execute(connection.dialect.printer.printDdl(ddl));
        await connection.execute('INSERT INTO q5.outbox VALUES (NULL, 1)');
        expect(await connection.query('SELECT message_id, sequence FROM q5.outbox')).toEqual([{ message_id: null, sequence: 1 }]);
      }
    } finally {
      await duck.close();
      await pg.close();
    }
  });
});

describe('FULL OUTER JOIN (the change set by key) on every dialect', () => {
  const definitions: SyncDefinition[] = [
    { name: 'aud', kind: 'audience', level: 'account', multiColumn: false, computationId: 'aud', targets: [] },
    { name: 'tr', kind: 'trait', level: 'user', multiColumn: false, computationId: 'tr', targets: [] },
  ];
  for (const name of NAMES) {
    it(`${name}: the change set statement prints its joins as FULL OUTER JOIN and parses`, () => {
      const sql = DIALECTS[name].printer.printStatement(changeSetInsert(stateRefs('quorum'), stateTable('quorum', 'changes'), definitions));
      // One join for the entities, one for the account audience's users.
      expect(sql.split('FULL OUTER JOIN').length - 1).toBe(2);
      if (name !== 'duckdb') expect(() => parseIn(name, sql), sql).not.toThrow();
    });
  }
});

describe("the dry run's one statement on every dialect", () => {
  const project = coverageProject();
  const plan = planFor({ project, catalog: CATALOG, asOf: COVERAGE_AS_OF, targets: COVERAGE_DEFINITIONS.map((d) => d.name) });
  const definitions = syncDefinitions(project, plan);
  for (const name of NAMES) {
    for (const exists of [false, true]) {
      it(`${name}, ${exists ? 'after a run' : 'before the first run'}: reads each CTE of the diff once (BigQuery evaluates a CTE again at each reference), and parses`, () => {
        const printer = DIALECTS[name].printer;
        const sql = printer.print(dryRunQuery(stagingQuery(plan, definitions), exists, dryRunDiffQuery(dryRunRefs('quorum', exists), definitions, 10)));
        const ctes = exists ? [DRY_RUN_CTES.staging] : Object.values(DRY_RUN_CTES);
        for (const cte of ctes) expect(sql.split(printer.quoteIdentifier(cte)).length - 1, cte).toBe(2);
        if (name !== 'duckdb') expect(() => parseIn(name, sql)).not.toThrow();
      });
    }
  }
});

describe('UNSUPPORTED is a diagnostic, never wrong SQL', () => {
  it('postgres refuses a name longer than 63 bytes instead of truncating it', () => {
    let thrown: unknown;
    try {
      postgres.printer.quoteIdentifier(`audience:${'x'.repeat(60)}`);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DiagnosticsError);
    const [diagnostic] = (thrown as DiagnosticsError).diagnostics;
    expect(diagnostic.code).toBe('unsupported_feature');
    expect(diagnostic.message).toMatch(/^UNSUPPORTED on postgres: /);
    expect(diagnostic.hint).toBe('shorten the definition or column name');
  });
});
