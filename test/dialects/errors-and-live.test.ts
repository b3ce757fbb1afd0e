// Warehouse errors become diagnostics (real ones from PGlite, recorded shapes for BigQuery and
// Snowflake), and the live tests against real BigQuery / Snowflake / Postgres, which run only when
// their credentials are in the environment:
//   QUORUM_TEST_POSTGRES_URL                                   postgres://user:pass@host:5432/db
//   QUORUM_TEST_BIGQUERY_PROJECT (+ QUORUM_TEST_BIGQUERY_LOCATION), credentials from ADC
//   QUORUM_TEST_SNOWFLAKE_ACCOUNT, _USER, _PASSWORD (+ _WAREHOUSE, _DATABASE, _ROLE)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyBigQueryError } from '../../dialects/bigquery/bigquery-connector.js';
import { bigquery } from '../../dialects/bigquery/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { classifyPostgresError } from '../../dialects/postgres/postgres-errors.js';
import { classifySnowflakeError, quorumName } from '../../dialects/snowflake/snowflake-connector.js';
import { snowflake } from '../../dialects/snowflake/index.js';
import { snowflakeName } from '../../dialects/snowflake/snowflake-printer.js';
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { BigQueryWarehouse } from '../../dialects/bigquery/bigquery-config.js';
import type { PostgresWarehouse } from '../../dialects/postgres/postgres-config.js';
import type { SnowflakeWarehouse } from '../../dialects/snowflake/snowflake-config.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { COVERAGE_AS_OF, coverageProject } from './support/coverage-project.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof DiagnosticsError ? e.diagnostics[0].code : 'not a diagnostic';
  }
  return undefined;
}

async function codeOfAsync(run: () => Promise<unknown>): Promise<{ code: string; hint: string | null } | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof DiagnosticsError ? { code: e.diagnostics[0].code, hint: e.diagnostics[0].hint } : { code: `not a diagnostic: ${String(e)}`, hint: null };
  }
  return undefined;
}

describe('postgres errors become diagnostics (real errors from PGlite)', () => {
  let pg: PgliteConnection;
  beforeAll(async () => {
    pg = await PgliteConnection.open(postgres);
    // One statement a call: PGlite's connection uses the extended protocol (SPEC §4).
    await pg.execute('CREATE SCHEMA app');
    await pg.execute('CREATE TABLE app.identifies (id TEXT, user_id TEXT, "timestamp" TIMESTAMP, role TEXT)');
  });
  afterAll(() => pg?.close());

  it('a missing table is missing_table', async () => {
    expect((await codeOfAsync(() => pg.query('SELECT * FROM app.groups')))?.code).toBe('missing_table');
  });

  it('a missing column is missing_column', async () => {
    expect((await codeOfAsync(() => pg.query('SELECT email FROM app.identifies')))?.code).toBe('missing_column');
  });

  it('a missing schema is missing_table', async () => {
    expect((await codeOfAsync(() => pg.query('SELECT * FROM nowhere.identifies')))?.code).toBe('missing_table');
  });

  it('permission denied names the grants to give', async () => {
    await pg.execute('CREATE ROLE reader NOLOGIN');
    await pg.execute('SET ROLE reader');
    const result = await codeOfAsync(() => pg.query('SELECT * FROM app.identifies'));
    await pg.execute('RESET ROLE');
    expect(result?.code).toBe('warehouse_error');
    expect(result?.hint).toMatch(/grant/i);
  });

  it('a statement timeout says so (PGlite has no timer to cancel with: the recorded SQLSTATE)', () => {
    const result = classifyPostgresError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }));
    expect(result.diagnostics[0].code).toBe('warehouse_error');
    expect(result.diagnostics[0].hint).toMatch(/timeout/);
  });

  it('through evaluate(), a definition over a missing table keeps the missing_table code', async () => {
    const project = coverageProject();
    const result = await codeOfAsync(async () => {
      const catalog = await readCatalog(pg, { ...project, definitions: [] });
      return evaluate(pg, { project, catalog, asOf: COVERAGE_AS_OF, targets: ['a_performed'] });
    });
    expect(result?.code).toBe('missing_table');
  });

  it('an unreachable server is warehouse_unreachable', async () => {
    const result = await codeOfAsync(() => postgres.connect({ type: 'postgres', url: 'postgres://quorum:wrong@127.0.0.1:1/quorum' }));
    expect(result?.code).toBe('warehouse_unreachable');
  });
});

describe('bigquery and snowflake errors become diagnostics (recorded error shapes)', () => {
  it('bigquery', () => {
    const bq = (message: string, reason: string, code = 400) => () => {
      throw classifyBigQueryError(Object.assign(new Error(message), { code, errors: [{ reason, message }] }));
    };
    expect(codeOf(bq('Not found: Table my-project:app.groups was not found in location US', 'notFound', 404))).toBe('missing_table');
    expect(codeOf(bq('Unrecognized name: emial at [3:5]', 'invalidQuery'))).toBe('missing_column');
    expect(codeOf(bq('Access Denied: Table my-project:app.groups: User does not have permission', 'accessDenied', 403))).toBe('warehouse_error');
    expect(codeOf(() => { throw classifyBigQueryError(new Error('Could not load the default credentials.')); })).toBe('warehouse_unreachable');
    expect(codeOf(bq('Job timed out after 600s', 'jobTimeout'))).toBe('warehouse_error');
  });

  it('snowflake', () => {
    const sf = (message: string, code: string) => () => {
      throw classifySnowflakeError(Object.assign(new Error(message), { code }));
    };
    expect(codeOf(sf("SQL compilation error:\nObject 'APP.GROUPS' does not exist or not authorized.", '002003'))).toBe('missing_table');
    expect(codeOf(sf("SQL compilation error: error line 3 at position 4\ninvalid identifier 'E.EMIAL'", '000904'))).toBe('missing_column');
    expect(codeOf(sf('SQL access control error:\nInsufficient privileges to operate on schema \'QUORUM\'', '003001'))).toBe('warehouse_error');
    expect(codeOf(sf('Incorrect username or password was specified.', '390100'))).toBe('warehouse_unreachable');
    expect(codeOf(sf('Statement reached its statement or warehouse timeout of 60 second(s) and was canceled.', '000630'))).toBe('warehouse_error');
  });

  it("snowflake's name folding round-trips", () => {
    for (const name of ['identifies', 'user_id', 'Mixed', 'with space', 'audience:x']) expect(quorumName(snowflakeName(name))).toBe(name);
  });
});

// --- live warehouses -------------------------------------------------------------------------

const env = process.env;
const LIVE: { name: string; config: WarehouseConfig | null; connect: (c: WarehouseConfig) => Promise<WarehouseConnection> }[] = [
  {
    name: 'postgres',
    config: env.QUORUM_TEST_POSTGRES_URL ? { type: 'postgres', url: env.QUORUM_TEST_POSTGRES_URL } : null,
    connect: (c) => postgres.connect(c as PostgresWarehouse),
  },
  {
    name: 'bigquery',
    config: env.QUORUM_TEST_BIGQUERY_PROJECT
      ? { type: 'bigquery', settings: { project: env.QUORUM_TEST_BIGQUERY_PROJECT, ...(env.QUORUM_TEST_BIGQUERY_LOCATION ? { location: env.QUORUM_TEST_BIGQUERY_LOCATION } : {}) } }
      : null,
    connect: (c) => bigquery.connect(c as BigQueryWarehouse),
  },
  {
    name: 'snowflake',
    config:
      env.QUORUM_TEST_SNOWFLAKE_ACCOUNT && env.QUORUM_TEST_SNOWFLAKE_USER && env.QUORUM_TEST_SNOWFLAKE_PASSWORD
        ? {
            type: 'snowflake',
            settings: Object.fromEntries(
              Object.entries({
                account: env.QUORUM_TEST_SNOWFLAKE_ACCOUNT,
                username: env.QUORUM_TEST_SNOWFLAKE_USER,
                password: env.QUORUM_TEST_SNOWFLAKE_PASSWORD,
                warehouse: env.QUORUM_TEST_SNOWFLAKE_WAREHOUSE,
                database: env.QUORUM_TEST_SNOWFLAKE_DATABASE,
                role: env.QUORUM_TEST_SNOWFLAKE_ROLE,
              }).filter((e): e is [string, string] => e[1] !== undefined),
            ),
          }
        : null,
    connect: (c) => snowflake.connect(c as SnowflakeWarehouse),
  },
];

describe('live warehouses', () => {
  for (const live of LIVE) {
    // Without credentials the test is reported as skipped, its title saying how to run it.
    const needs = live.config === null ? ` (skipped: set the QUORUM_TEST_${live.name.toUpperCase()}_* variables, see the top of this file)` : '';
    it.skipIf(live.config === null)(`${live.name}: connects, answers SELECT 1 and lists a schema${needs}`, async () => {
      const connection = await live.connect(live.config!);
      try {
        const rows = await connection.query('SELECT 1 AS one');
        expect(Number(rows[0].one)).toBe(1);
        await connection.readTables('quorum_test');
      } finally {
        await connection.close();
      }
    });
  }
});
