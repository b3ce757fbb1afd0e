// docs/warehouses.md's least-privilege Postgres role, over the wire: a role that owns its state
// schema but may not create schemas in the database. Its first run failed on CREATE SCHEMA IF NOT
// EXISTS (Postgres checks CREATE on the database before it finds the schema), and a session setup
// through set_config() would fail where the docs revoke it. And a session the server ends is named
// as such. Skipped without a server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { ensureStateTables } from '../../src/sync/state-sql.js';
import { STATE_TABLES } from '../../src/sync/state-tables.js';

const url = process.env.QUORUM_TEST_POSTGRES_URL;
const suffix = randomBytes(4).toString('hex');
const role = `quorum_lp_${suffix}`;
const schema = `lp_state_${suffix}`;
const password = `pw-${randomBytes(8).toString('hex')}`;

describe.skipIf(!url)('postgres roles and sessions over the wire: needs QUORUM_TEST_POSTGRES_URL', () => {
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    await admin.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
    await admin.query(`REVOKE EXECUTE ON FUNCTION set_config(text, text, boolean) FROM PUBLIC`);
  });

  afterAll(async () => {
    await admin.query(`GRANT EXECUTE ON FUNCTION set_config(text, text, boolean) TO PUBLIC`);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('makes its state tables in the schema it was given, without the right to create schemas', async () => {
    const [{ allowed }] = (await admin.query(`SELECT has_database_privilege('${role}', current_database(), 'CREATE') AS allowed`)).rows;
    expect(allowed).toBe(false);
    const asRole = new URL(url!);
    asRole.username = role;
    asRole.password = password;
    const connection = await postgres.connect({ type: 'postgres', url: asRole.toString() });
    try {
      await ensureStateTables(connection, schema);
      const tables = await connection.readTables(schema);
      expect([...tables.keys()].sort()).toEqual(expect.arrayContaining([STATE_TABLES.snapshots.name, STATE_TABLES.outbox.name, STATE_TABLES.runs.name]));
      // the session is set up (UTC, search path) though set_config is revoked
      expect(await connection.query('SELECT current_setting($$TimeZone$$) AS zone')).toEqual([{ zone: 'UTC' }]);
    } finally {
      await connection.close();
    }
  });

  it('a session the server ends mid-statement is warehouse_unreachable, saying so, not a refused statement', async () => {
    const connection = await postgres.connect({ type: 'postgres', url: url! });
    try {
      const marker = `quorum_terminated_${suffix}`;
      const running = connection.query(`SELECT pg_sleep(30) AS ${marker}`);
      const outcome = running.then(() => null, (cause: unknown) => cause);
      for (let i = 0; i < 100; i += 1) {
        const ended = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND pid <> pg_backend_pid()`);
        if (ended.rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const cause = await outcome;
      expect(cause).toBeInstanceOf(DiagnosticsError);
      const [d] = (cause as DiagnosticsError).diagnostics;
      expect(d.code).toBe('warehouse_unreachable');
      expect(d.hint).toMatch(/the server ended the session/);
    } finally {
      await connection.close();
    }
  });
});
