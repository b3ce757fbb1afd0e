// The change set is emptied by every run, so Postgres never has statistics for it that say how many
// rows a run wrote (autovacuum, if it looks at all, finds it empty). Planned as a table of one row, the
// statements that join it to the snapshots compared every snapshot row with every change: an
// incremental run at SF 0.1 took 49 s on PGlite instead of 5 (BENCHMARKS.md, "Postgres: the change
// set's statistics"). Every statement that reads the change set must find it analysed with the rows
// the run wrote into it. A real Postgres planner (PGlite), a real run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '@electric-sql/pglite';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { FAST_RETRY, removeTempDirs, tempDir } from './support/harness.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const CHANGES = '"quorum_state"."changes"';
const STATISTICS = `SELECT c.reltuples AS estimated, (SELECT COUNT(*) FROM ${CHANGES}) AS written
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname = 'quorum_state' AND c.relname = 'changes'`;

/** A statement that reads the change set: not the insert that fills it, nor the delete that empties it, nor its ANALYZE. */
const readsChangeSet = (sql: string): boolean => sql.includes(CHANGES) && !['INSERT INTO', 'DELETE FROM', 'ANALYZE'].some((verb) => sql.trimStart().startsWith(`${verb} ${CHANGES}`));

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
});
afterAll(async () => {
  removeTempDirs();
  await receiver.close();
});

describe('the change set on Postgres (PGlite)', () => {
  it('is analysed with the rows the run wrote before any statement reads it', async () => {
    const dir = await tempDir('change-set-statistics');
    await writeProject(dir, { endpoint: receiver.url, noWarehouse: true });
    const project = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
    const connection = await PgliteConnection.open(postgres);
    const seen: { sql: string; estimated: number; written: number }[] = [];
    try {
      await loadIntoPostgres(connection.db, 'app', makeDataset({ users: 60, logins: 400 }));
      const catalog = await readCatalog(connection, project);
      const runAt = (asOf: string) => run({ connection, project, catalog, asOf, definitions: selectDefinitions(project, []), destinationOptions: { retry: FAST_RETRY } });
      expect((await runAt(AS_OFS[0])).failed).toEqual({});
      // From here on, every transaction's statements are watched.
      const transaction = connection.db.transaction.bind(connection.db);
      connection.db.transaction = <T>(work: (tx: Transaction) => Promise<T>) =>
        transaction(async (tx) => {
          const query = tx.query.bind(tx);
          tx.query = (async (sql: string, ...rest: unknown[]) => {
            if (readsChangeSet(sql)) {
              const [row] = (await query<{ estimated: number; written: number | bigint }>(STATISTICS)).rows;
              seen.push({ sql: sql.slice(0, 80), estimated: Number(row.estimated), written: Number(row.written) });
            }
            return query(sql, ...(rest as []));
          }) as Transaction['query'];
          return work(tx);
        });
      expect((await runAt(AS_OFS[2])).failed).toEqual({});
    } finally {
      await connection.close();
    }
    // the second run compared, wrote changes, and read them several times (counts, outbox, snapshots)
    expect(seen.length).toBeGreaterThan(2);
    expect(Math.max(...seen.map((s) => s.written))).toBeGreaterThan(20);
    for (const s of seen) expect(s.estimated, s.sql).toBe(s.written);
  });
});
