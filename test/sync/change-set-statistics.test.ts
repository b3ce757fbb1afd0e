// The change set is emptied by every run, so Postgres never has statistics for it that say how many
// rows a run wrote (autovacuum, if it looks at all, finds it empty). Planned as a table of one row, the
// statements that join it to the snapshots compared every snapshot row with every change: an
// incremental run at SF 0.1 took 49 s on PGlite instead of 5 (BENCHMARKS.md, "Postgres: the change
// set's statistics"). Every statement that reads the change set must find it analysed with the rows
// the run wrote into it. A real Postgres planner (PGlite), a real run.
import { describe, expect, it } from 'vitest';
import { receiverForFile } from './support/harness.js';
import { pgliteProject, watchSecondRun } from './support/pglite-second-run.js';
import { AS_OFS, makeDataset } from './support/project.js';

const CHANGES = '"quorum_state"."changes"';
const STATISTICS = `SELECT c.reltuples AS estimated, (SELECT COUNT(*) FROM ${CHANGES}) AS written
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname = 'quorum_state' AND c.relname = 'changes'`;

/** A statement that reads the change set: not the insert that fills it, nor the delete that empties it, nor its ANALYZE. */
const readsChangeSet = (sql: string): boolean => sql.includes(CHANGES) && !['INSERT INTO', 'DELETE FROM', 'ANALYZE'].some((verb) => sql.trimStart().startsWith(`${verb} ${CHANGES}`));

const receiver = receiverForFile();

describe('the change set on Postgres (PGlite)', () => {
  it('is analysed with the rows the run wrote before any statement reads it', async () => {
    const project = await pgliteProject('change-set-statistics', receiver());
    const seen: { sql: string; estimated: number; written: number }[] = [];
    const runs = await watchSecondRun(project, makeDataset({ users: 60, logins: 400 }), AS_OFS[0], AS_OFS[2], async (sql, query) => {
      if (!readsChangeSet(sql)) return;
      const [row] = (await query<{ estimated: number; written: number | bigint }>(STATISTICS)).rows;
      seen.push({ sql: sql.slice(0, 80), estimated: Number(row.estimated), written: Number(row.written) });
    });
    expect(runs.first.failed).toEqual({});
    expect(runs.second.failed).toEqual({});
    // the second run compared, wrote changes, and read them several times (counts, outbox, snapshots)
    expect(seen.length).toBeGreaterThan(2);
    expect(Math.max(...seen.map((s) => s.written))).toBeGreaterThan(20);
    for (const s of seen) expect(s.estimated, s.sql).toBe(s.written);
  });
});
