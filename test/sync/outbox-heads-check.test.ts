// Outbox rows that lost their outbox_heads row (deleted by hand) hold only the call's own part of
// the record: `quorum state check` names them, `quorum state repair` deletes them (and with
// --from empty forgets every snapshot, so the next run sends every member again). A row written by
// a state of format 3 holds its whole record and needs no head: it is neither named nor deleted.
// On DuckDB and on Postgres (PGlite).
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { applyRepair, diagnoseState, planRepair, type RepairFrom, type RepairSession } from '../../src/sync/state-repair.js';
import { toNumber } from '../../src/sync/state-sql.js';
import { FAST_RETRY, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, DEFINITIONS, makeDataset, writeProject } from './support/project.js';

const S = 'quorum_state';
// Nothing listens on port 1: every call stays in the outbox, undelivered.
const DEAD_ENDPOINT = 'http://127.0.0.1:1/lost';
const dataset = makeDataset({ users: 16, logins: 60 });

afterAll(() => removeTempDirs());

const count = async (s: RepairSession, sql: string) => toNumber((await s.connection.query(sql))[0].n);
const PENDING = `SELECT COUNT(*) AS n FROM ${S}.outbox WHERE delivered_at IS NULL AND rejected_at IS NULL`;
const SNAPSHOT_ROWS = `SELECT COUNT(*) AS n FROM ${S}.snapshots`;

async function check(s: RepairSession, from: RepairFrom): Promise<void> {
  await run({ ...s, asOf: AS_OFS[1], definitions: selectDefinitions(s.project, []), destinationOptions: { retry: FAST_RETRY, maxCalls: 40 } });
  const pending = await count(s, PENDING);
  expect(pending).toBeGreaterThan(1);
  const snapshotRows = await count(s, SNAPSHOT_ROWS);
  expect(snapshotRows).toBeGreaterThan(0);
  expect((await diagnoseState(s.connection, S)).problems).toEqual([]);

  // The first call as a format-3 state wrote it (its whole record), then every head deleted.
  await s.connection.execute(
    `UPDATE ${S}.outbox SET payload = (SELECT h.head FROM ${S}.outbox_heads h WHERE h.run_id = ${S}.outbox.run_id AND h.destination = ${S}.outbox.destination ` +
      `AND h.first_sequence <= ${S}.outbox.sequence AND h.last_sequence >= ${S}.outbox.sequence) || payload WHERE sequence = (SELECT MIN(sequence) FROM ${S}.outbox)`,
  );
  await s.connection.execute(`DELETE FROM ${S}.outbox_heads`);

  const diagnosis = await diagnoseState(s.connection, S);
  expect(diagnosis.problems).toEqual([
    { table: 'outbox_heads', message: `${pending - 1} undelivered calls in the outbox lost their outbox_heads row (deleted outside quorum): they cannot be sent as written` },
  ]);
  const plan = await planRepair(s.connection, s.project, diagnosis, from);
  expect(plan.actions).toContain('delete the undelivered calls that lost their outbox_heads row');
  expect([...plan.recompute.keys()]).toEqual([]);
  expect([...plan.forget].sort()).toEqual(from === 'empty' ? [...DEFINITIONS].sort() : []);

  expect(await applyRepair(s, plan)).toEqual([]);
  expect((await diagnoseState(s.connection, S)).problems).toEqual([]);
  // Only the whole-record call is left to send.
  expect(await count(s, PENDING)).toBe(1);
  expect(await count(s, SNAPSHOT_ROWS)).toBe(from === 'empty' ? 0 : snapshotRows);
}

describe('outbox rows without their head: state check names them, state repair deletes them', () => {
  for (const from of ['last', 'empty'] as const) {
    it(`on DuckDB, repair --from ${from}`, async () => {
      const dir = await tempDir('heads');
      await writeProject(dir, { endpoint: DEAD_ENDPOINT, dataset });
      await withSession(dir, (session) => check(session, from));
    });

    it(`on Postgres (PGlite), repair --from ${from}`, async () => {
      const dir = await tempDir('heads-pg');
      await writeProject(dir, { endpoint: DEAD_ENDPOINT, noWarehouse: true });
      const project = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
      const connection = await PgliteConnection.open(postgres);
      try {
        await loadIntoPostgres(connection.db, 'app', dataset);
        await check({ connection, project, catalog: await readCatalog(connection, project) }, from);
      } finally {
        await connection.close();
      }
    });
  }
});
