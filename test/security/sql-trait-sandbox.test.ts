// SPEC §4, the sandbox, proven as an attacker would try it: every hostile SQL trait of the corpus
// goes through validate, test, preview and run (the CLI in-process) on DuckDB and on a real
// Postgres over the wire, and through the parser gate and the engine on PGlite. After each: the
// canary table, the project folder's files and the large-object count are unchanged, and the
// command exits 1 naming its error. fast-check adds random SQL fragments around a harmless SELECT.
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { main } from '../../src/cli/main.js';
import { renderForParsing } from '../../src/definitions/checks/sql-traits-check.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { SqlTraitDefinition } from '../../src/definitions/model.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { writeProject } from '../sync/support/project.js';
import { HOSTILE_TRAITS } from './hostile-sql-corpus.js';
import { lookupOf } from '../../dialects/dialect-lookup.js';

const AS_OF = '2024-06-05T00:00:00Z';
const COMMANDS: readonly (readonly string[])[] = [['validate'], ['test'], ['preview', 'hostile', '--as-of', AS_OF], ['run', '--as-of', AS_OF]];
const TEST_FILE = ['test: the hostile trait', `as_of: ${AS_OF}`, 'given:', '  identifies: [{ user_id: u1, timestamp: 2024-01-01 }]', 'expect:', '  hostile: {}', ''].join('\n');
const URL_VARIABLE = 'QUORUM_TEST_POSTGRES_URL';
const postgresUrl = process.env[URL_VARIABLE];

function traitFile(sql: string): string {
  return ['sql_trait: hostile', 'level: user', 'sql: |', ...sql.split(/\n/).map((line) => `  ${line}`), ''].join('\n');
}

/** `quorum <args> --project <dir>` in this process; stdout and stderr captured. */
async function quorum(dir: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const capture = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    chunks.push(String(chunk));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    const code = await main(['node', 'quorum', ...args, '--project', dir]);
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).filter((f) => !f.endsWith('.wal')).sort();
}

/** Runs every command on every corpus trait; the files after each command, the warehouse after each trait. */
async function attackAll(dir: string, world: () => Promise<unknown>): Promise<void> {
  await writeFile(path.join(dir, 'traits', 'hostile.yml'), traitFile(HOSTILE_TRAITS[0].sql));
  const before = { files: await files(dir), world: await world() };
  for (const trait of HOSTILE_TRAITS) {
    await writeFile(path.join(dir, 'traits', 'hostile.yml'), traitFile(trait.sql));
    for (const command of COMMANDS) {
      const result = await quorum(dir, command);
      const what = `${trait.name}: quorum ${command[0]}\n${result.out}`;
      expect(result.code, what).toBe(1);
      // A diagnostic with its code, or a test-suite error naming the SQL trait.
      expect(result.out, what).toMatch(/error\[[a-z_]+\]|error: SQL trait "hostile"/);
      expect(result.out, what).not.toMatch(/looks like a bug|\n\s+at .*:\d+:\d+/);
      expect(await files(dir), what).toEqual(before.files);
    }
    // The warehouse after the trait's four commands (a change by any of them stays visible).
    expect(await world(), trait.name).toEqual(before.world);
  }
}

async function hostileProject(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  await writeProject(dir, { endpoint: 'http://127.0.0.1:9' });
  await writeFile(path.join(dir, 'tests', 'hostile.test.yml'), TEST_FILE).catch(async () => {
    await (await import('node:fs/promises')).mkdir(path.join(dir, 'tests'));
    await writeFile(path.join(dir, 'tests', 'hostile.test.yml'), TEST_FILE);
  });
  return dir;
}

afterAll(() => removeTempDirs());

describe('the hostile SQL trait corpus', () => {
  it('holds at least 60 attacks', () => {
    expect(HOSTILE_TRAITS.length).toBeGreaterThanOrEqual(60);
  });

  it('changes nothing on DuckDB: validate, test, preview and run all exit 1 naming the error', async () => {
    const dir = await hostileProject('security-duckdb');
    const file = path.join(dir, 'warehouse.duckdb');
    const setup = await (await DuckDBInstance.create(file)).connect();
    await setup.run('create table app.canary (v integer); insert into app.canary values (42)');
    setup.closeSync();
    const canary = async () => {
      const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
      const c = await instance.connect();
      try {
        const tables = (await c.runAndReadAll("select table_schema || '.' || table_name as t from information_schema.tables order by 1")).getRowObjectsJson();
        const rows = (await c.runAndReadAll('select v from app.canary')).getRowObjectsJson();
        return { tables, rows };
      } finally {
        c.closeSync();
        instance.closeSync();
      }
    };
    await attackAll(dir, canary);
  }, 120_000);

  it.skipIf(!postgresUrl)(`changes nothing on PostgreSQL over the wire (set ${URL_VARIABLE} to run)`, async () => {
    const dir = await hostileProject('security-postgres');
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query('drop schema if exists app cascade; drop schema if exists quorum_state cascade; create schema app');
      await client.query('create table app.canary (v integer); insert into app.canary values (42)');
      for (const table of ['identifies', 'groups', 'tracks', 'pages', 'screens']) {
        await client.query(`create table app.${table} (id text, user_id text, anonymous_id text, group_id text, event text, event_text text, name text, context_group_id text, timestamp timestamptz)`);
      }
      const yml = path.join(dir, 'quorum.yml');
      const text = (await import('node:fs/promises')).readFile(yml, 'utf8');
      await writeFile(yml, (await text).replace(/warehouse:\n {2}type: duckdb\n {2}path: warehouse.duckdb/, `warehouse:\n  type: postgres\n  url: \${${URL_VARIABLE}}`));
      await rm(path.join(dir, 'warehouse.duckdb'), { force: true });
      const world = async () => ({
        canary: (await client.query('select v from app.canary')).rows,
        tables: (await client.query("select table_schema, table_name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2")).rows,
        largeObjects: (await client.query('select count(*)::int as n from pg_largeobject_metadata')).rows,
      });
      await attackAll(dir, world);
    } finally {
      await client.end();
    }
  }, 180_000);
});

describe('DuckDB sessions: the engine half alone', () => {
  it('reads no file and cannot be reconfigured, whatever SQL reaches it', async () => {
    const dir = await tempDir('security-duckdb-engine');
    const file = path.join(dir, 'warehouse.duckdb');
    (await DuckDBInstance.create(file)).closeSync();
    await writeFile(path.join(dir, 'secret.txt'), 'k3y');
    const connection = await duckdb.connect({ type: 'duckdb', path: file });
    try {
      for (const sql of [`select * from read_text('${path.join(dir, 'secret.txt')}')`, `select * from '${path.join(dir, 'secret.txt')}'`, `select * from glob('${dir}/*')`]) {
        // A replacement scan of a file is not even tried: the "table" does not exist.
        await expect(connection.query(sql), sql).rejects.toThrow(/disabled by configuration|Permission|does not exist/);
      }
      await expect(connection.execute(`copy (select 42) to '${path.join(dir, 'out.csv')}'`)).rejects.toThrow(/disabled by configuration|Permission/);
      await expect(connection.execute(`attach '${path.join(dir, 'other.duckdb')}' as other`)).rejects.toThrow();
      await expect(connection.execute('set enable_external_access = true')).rejects.toThrow(/locked/);
      expect((await readdir(dir)).sort()).toEqual(['secret.txt', 'warehouse.duckdb']);
    } finally {
      await connection.close();
    }
  });
});

describe('on PGlite: the parser gate refuses every attack, and the engine alone changes nothing', () => {
  let connection: PgliteConnection;
  beforeAll(async () => {
    connection = await PgliteConnection.open(postgres);
    await connection.db.exec(`create schema app; create table app.canary (v integer); insert into app.canary values (42);
      create table app.tracks (id text, user_id text, event text, event_text text, timestamp timestamptz)`);
  });
  afterAll(async () => connection.close());

  const world = async () => ({
    canary: await connection.query('select v from app.canary'),
    largeObjects: await connection.query('select count(*)::int as n from pg_largeobject_metadata'),
    tables: await connection.query("select table_schema, table_name from information_schema.tables where table_schema = 'app' order by 2"),
  });

  it('refuses every corpus trait at load (postgres and duckdb parsers) and the engine survives each one sent raw', async () => {
    const dir = await hostileProject('security-pglite');
    await writeFile(path.join(dir, 'quorum.yml'), (await (await import('node:fs/promises')).readFile(path.join(dir, 'quorum.yml'), 'utf8')).replace(/type: duckdb\n {2}path: warehouse.duckdb/, 'type: postgres\n  url: postgres://x@127.0.0.1/x'));
    const before = await world();
    for (const trait of HOSTILE_TRAITS) {
      await writeFile(path.join(dir, 'traits', 'hostile.yml'), traitFile(trait.sql));
      const loaded = await loadProject(dir, { dialects: dialectNamed, alsoParseWith: [duckdb] });
      // `select *` is named only at describe time; everything else the parsers refuse.
      if (trait.name !== 'select star with id') {
        expect(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), trait.name).not.toEqual([]);
      }
      // The engine half on its own: what quorum would send, sent without the parser's check.
      const unchecked = await loadProject(dir, { dialects: dialectNamed, parseSqlTraits: false });
      const definition = unchecked.project?.definitions.find((d): d is SqlTraitDefinition => d.kind === 'sql_trait' && d.name === 'hostile');
      if (definition && unchecked.project) {
        const sql = renderForParsing(definition, unchecked.project, postgres.printer).sql;
        await connection.describe(sql).catch(() => undefined);
        await connection.queryReadOnly(`select * from (${sql}) as t`).catch(() => undefined);
      }
      expect(await world(), trait.name).toEqual(before);
    }
  }, 120_000);

  it('a run produces SQL trait rows in a READ ONLY transaction: a write there is refused by the server', async () => {
    const before = await world();
    for (const fill of [
      'WITH d AS (DELETE FROM app.canary RETURNING v) INSERT INTO quorum_probe SELECT v FROM d',
      "INSERT INTO quorum_probe SELECT lo_from_bytea(0, '\\x00')::integer",
    ]) {
      let worked = false;
      const create = 'CREATE TEMPORARY TABLE quorum_probe AS SELECT 1 AS v WITH NO DATA';
      await expect(connection.transactionAfterReadOnly([{ create, fill }], async () => (worked = true))).rejects.toThrow(/read-only transaction/);
      expect(worked).toBe(false);
      expect(await world()).toEqual(before);
    }
  });

  it('the server refuses a two-statement string: PGlite query() is one statement', async () => {
    await expect(connection.query('select 1; drop table app.canary')).rejects.toThrow(/multiple commands|prepared statement/);
    await expect(connection.execute('select 1; drop table app.canary')).rejects.toThrow(/multiple commands|prepared statement/);
    expect(await connection.query('select v from app.canary')).toEqual([{ v: 42 }]);
  });

  it.skipIf(!postgresUrl)(`an unqualified name never reaches a schema named like the role over the wire ($user on the default search path; set ${URL_VARIABLE} to run)`, async () => {
    // with a role and a state schema both named quorum, "from snapshots" read quorum.snapshots
    const wire = await postgres.connect({ type: 'postgres', url: postgresUrl! });
    try {
      const [{ role }] = await wire.query('select current_user as role');
      const schema = `"${String(role).replaceAll('"', '""')}"`;
      const [{ existed }] = await wire.query(`select count(*)::int as existed from pg_namespace where nspname = current_user`);
      await wire.execute(`create schema if not exists ${schema}`);
      await wire.execute(`create table if not exists ${schema}.quorum_peek (v integer)`);
      try {
        await expect(wire.query('select v from quorum_peek')).rejects.toThrow(/does not exist/);
        expect(await wire.query(`select v from ${schema}.quorum_peek`)).toEqual([]);
      } finally {
        await wire.execute(Number(existed) === 0 ? `drop schema ${schema} cascade` : `drop table ${schema}.quorum_peek`);
      }
    } finally {
      await wire.close();
    }
  });

  it.skipIf(!postgresUrl)(`the server refuses a two-statement string and a write in the read-only step over the wire (set ${URL_VARIABLE} to run)`, async () => {
    const wire = await postgres.connect({ type: 'postgres', url: postgresUrl! });
    try {
      await wire.execute('create table if not exists public.quorum_canary (v integer)');
      await expect(wire.query('select 1; drop table public.quorum_canary')).rejects.toThrow(/multiple commands|prepared statement/);
      await expect(wire.execute('select 1; drop table public.quorum_canary')).rejects.toThrow(/multiple commands|prepared statement/);
      await expect(wire.describe('select 1 as t; drop table public.quorum_canary')).rejects.toThrow();
      expect(await wire.query("select count(*)::int as n from information_schema.tables where table_name = 'quorum_canary'")).toEqual([{ n: 1 }]);
      await expect(wire.queryReadOnly!('with d as (delete from public.quorum_canary returning v) select * from d')).rejects.toThrow(/read-only/);
      const create = 'CREATE TEMPORARY TABLE quorum_probe AS SELECT 1 AS v WITH NO DATA';
      const fill = 'WITH d AS (DELETE FROM public.quorum_canary RETURNING v) INSERT INTO quorum_probe SELECT v FROM d';
      await expect(wire.transactionAfterReadOnly!([{ create, fill }], async () => [])).rejects.toThrow(/read-only transaction/);
    } finally {
      await wire.close();
    }
  });

  it('random SQL fragments around a harmless SELECT: refused, or harmless on the engine (fresh seed each run)', async () => {
    const dir = await hostileProject('security-fuzz');
    const fragments = [';', '--', '\r', '\n', '/*', '*/', "'", "E'\\''", '$$', '$q$', '"', ')', '(', 'drop table app.canary', 'delete from app.canary',
      "copy app.canary to '/tmp/x'", 'select 1', ' as t', 'lo_from_bytea(0, null)', "pg_read_file('x')", 'union all', 'update app.canary set v = 0', ' '];
    const before = await world();
    const seed = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 8 }), async (pieces) => {
        const sql = `select user_id, 1 as t from {{ source('tracks') }} ${pieces.join(' ')}`;
        await writeFile(path.join(dir, 'traits', 'hostile.yml'), traitFile(sql));
        const loaded = await loadProject(dir, { dialects: lookupOf({ postgres }), alsoParseWith: [duckdb] });
        const definition = loaded.project?.definitions.find((d): d is SqlTraitDefinition => d.kind === 'sql_trait');
        if (definition && loaded.project) {
          // Accepted by both parsers: it must be a harmless query on the engine.
          const rendered = renderForParsing(definition, loaded.project, postgres.printer).sql;
          await connection.queryReadOnly(`select * from (${rendered}) as t`).catch(() => undefined);
        }
        expect(await world()).toEqual(before);
      }),
      { numRuns: 60, seed },
    );
  }, 120_000);
});
