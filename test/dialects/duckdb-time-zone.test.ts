// SPEC §2 and §5: as_of and every window bound are UTC instants, whatever the machine's time zone.
// Segment's tables may hold TIMESTAMPTZ columns, which DuckDB compares with quorum's TIMESTAMP
// literals in the session's time zone, by default the machine's; the connector sets UTC. The CLI
// runs as a child process with TZ set, since DuckDB reads the machine's zone when it starts.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { makeDataset, WRITE_KEY, writeProject } from '../sync/support/project.js';

const AS_OF = '2024-06-05T00:00:00Z';

afterAll(() => removeTempDirs());

/** A project whose event tables hold TIMESTAMPTZ, with one login two hours before as_of (UTC). */
async function timestampTzProject(): Promise<string> {
  const dir = await tempDir('duckdb-time-zone');
  await writeProject(dir, { endpoint: 'http://127.0.0.1:9', dataset: makeDataset({ users: 3, accounts: 1, logins: 0 }) });
  const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
  const c = await instance.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const login = "'late' AS id, 'u001' AS user_id, 'logged_in' AS event, 'Logged In' AS event_text, TIMESTAMP '2024-06-04 22:00:00' AS timestamp, TIMESTAMP '2024-06-04 22:00:00' AS received_at";
    await c.run(`INSERT INTO app.tracks BY NAME SELECT ${login}`);
    await c.run(`INSERT INTO app.logged_in BY NAME SELECT ${login}, 'sso' AS method`);
    for (const table of ['identifies', 'groups', 'tracks', 'logged_in']) {
      for (const column of ['timestamp', 'received_at']) await c.run(`ALTER TABLE app.${table} ALTER COLUMN ${column} TYPE TIMESTAMPTZ`);
    }
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return dir;
}

async function members(dir: string, definition: string, timeZone: string): Promise<string> {
  const child = spawn(process.execPath, cliArgs('members', definition, '--as-of', AS_OF, '--project', dir), {
    env: { ...process.env, TZ: timeZone, QUORUM_TEST_WRITE_KEY: WRITE_KEY },
  });
  const out = await childOutput(child);
  expect(out.code, out.stderr).toBe(0);
  return out.stdout;
}

describe('DuckDB evaluates in UTC whatever the machine time zone', () => {
  it('a login two hours before as_of counts in its window in Tokyo, New York and UTC alike', async () => {
    const dir = await timestampTzProject();
    // a SQL trait over {{ as_of }} - 2 days, and an account audience over 3 days
    const utc = { trait: await members(dir, 'recent_method', 'UTC'), accounts: await members(dir, 'active_accounts', 'UTC') };
    expect(utc.accounts.trim().split('\n').length).toBeGreaterThan(0);
    expect(utc.trait).toContain('u001');
    for (const zone of ['Asia/Tokyo', 'America/New_York']) {
      expect(await members(dir, 'recent_method', zone), zone).toBe(utc.trait);
      expect(await members(dir, 'active_accounts', zone), zone).toBe(utc.accounts);
    }
  }, 120_000);
});
