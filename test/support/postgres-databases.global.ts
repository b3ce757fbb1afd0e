// Vitest global setup: one PostgreSQL database per worker on the server that
// QUORUM_TEST_POSTGRES_URL names. The wire suites create and drop the same schemas (`app`,
// `quorum_state`), so two files running side by side in one database would destroy each other's
// data; a worker runs one file at a time, so a database of its own is all the isolation it needs.
// The names carry this run's pid and random bytes: two runs against one server never meet.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/** `server` with its database replaced by `name`. */
function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export default async function workerDatabases(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const server = process.env.QUORUM_TEST_POSTGRES_URL;
  if (!server) {
    project.provide('postgresWorkerUrls', null);
    return undefined;
  }
  const prefix = `quorum_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: project.globalConfig.maxWorkers }, (_, i) => `${prefix}_w${i + 1}`);
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    for (const name of names) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  project.provide('postgresWorkerUrls', names.map((name) => databaseUrl(server, name)));
  return async () => {
    const dropper = new pg.Client({ connectionString: server });
    await dropper.connect();
    try {
      // FORCE: a connection a failed test left open must not keep the database alive
      for (const name of names) await dropper.query(`DROP DATABASE IF EXISTS ${dropper.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await dropper.end();
    }
  };
}
