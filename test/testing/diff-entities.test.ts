// The diff behind time-travel steps is `quorum run`'s own (src/sync/diff-entities.ts): staging
// from the compiled statement, the transition queries of diff-sql.ts, and snapshot replacement,
// here driven directly on an in-memory DuckDB over three evaluations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { loadProject } from '../../src/definitions/load-project.js';
import { diffEntities, type EntityChanges } from '../../src/sync/diff-entities.js';
import { dialectNamed } from '../../dialects/registry.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let connection: DuckDbConnection | null = null;
afterEach(async () => {
  await connection?.close();
  connection = null;
});

const plain = (c: EntityChanges | undefined) =>
  c && { entered: c.entered, exited: c.exited, changed: c.changed, users: Object.fromEntries(c.users) };

describe('diffEntities', () => {
  it('enters everything on the first run, then reports who entered, exited and changed, and keeps the snapshot', async () => {
    const { project } = await loadProject(path.join(repo, 'fixtures/test-projects/cohorts'), { env: {}, dialects: dialectNamed });
    connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    const sql = async (text: string) => connection!.execute(text);
    await sql('CREATE SCHEMA app');
    await sql('CREATE TABLE app.identifies (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, "timestamp" TIMESTAMP)');
    await sql('CREATE TABLE app.groups (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, group_id VARCHAR, "timestamp" TIMESTAMP)');
    await sql(
      'CREATE TABLE app.tracks (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, event VARCHAR, event_text VARCHAR, context_group_id VARCHAR, "timestamp" TIMESTAMP)',
    );
    await sql(
      'CREATE TABLE app.logged_in (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, event VARCHAR, event_text VARCHAR, context_group_id VARCHAR, "timestamp" TIMESTAMP)',
    );
    const login = async (id: string, user: string, at: string) => {
      for (const t of ['tracks', 'logged_in'])
        await sql(`INSERT INTO app.${t} VALUES ('${id}', '${user}', NULL, 'logged_in', 'Logged In', NULL, TIMESTAMP '${at}')`);
    };
    await sql("INSERT INTO app.groups VALUES ('g1', 'u1', NULL, 'acme', TIMESTAMP '2024-01-01')");
    await login('e1', 'u1', '2024-05-31');
    const catalog = { known: true, tables: await connection.readTables('app'), sqlTraitColumns: new Map() };
    const at = (asOf: string) =>
      diffEntities({ connection: connection!, project: project!, catalog, asOf, definitions: ['active_accounts', 'logins_7d'] });

    const first = await at('2024-06-01T00:00:00Z');
    expect(plain(first.get('active_accounts'))).toEqual({ entered: ['acme'], exited: [], changed: [], users: {} });
    expect(plain(first.get('logins_7d'))).toEqual({ entered: ['u1'], exited: [], changed: [], users: {} });

    // u2 joins acme, which stays in: a change of the account, not an entry; u2 gets a value.
    await sql("INSERT INTO app.groups VALUES ('g2', 'u2', NULL, 'acme', TIMESTAMP '2024-06-01 12:00:00')");
    await login('e2', 'u1', '2024-06-01 13:00:00');
    const second = await at('2024-06-02T00:00:00Z');
    expect(plain(second.get('active_accounts'))).toEqual({
      entered: [],
      exited: [],
      changed: ['acme'],
      users: { acme: { joined: ['u2'], left: [] } },
    });
    expect(second.get('logins_7d')?.changed).toEqual(['u1']);

    // The same as_of again: the snapshot was replaced, so nothing changes.
    const again = await at('2024-06-02T00:00:00Z');
    expect(plain(again.get('active_accounts'))).toEqual({ entered: [], exited: [], changed: [], users: {} });
    expect(plain(again.get('logins_7d'))).toEqual({ entered: [], exited: [], changed: [], users: {} });

    // The logins age out: the account exits (its users with it; no "changed").
    const third = await at('2024-06-09T00:00:00Z');
    expect(plain(third.get('active_accounts'))).toEqual({ entered: [], exited: ['acme'], changed: [], users: {} });
    // staging is the session's (a DuckDB temporary table), emptied before the step's transaction commits
    const staged = await connection.query('SELECT count(*) AS n FROM "temp"."main".staging');
    expect(Number(staged[0].n)).toBe(0);
  });
});
