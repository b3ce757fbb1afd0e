// A run that rebuilds the kept state (the first run with incremental.enabled, a full run) writes
// every partial and fact table whole inside its transaction, and the staging statement reads them
// in the same transaction. Without statistics Postgres took them for a few rows, and the first run
// at SF 0.1 took 5 to 80 s at random where 5 were due (BENCHMARKS.md, "Postgres: statistics of a
// rebuilt state"). Before the staging statement, every state table the refresh filled must be
// analysed with the rows it holds. A real Postgres planner (PGlite), a real run.
import { describe, expect, it } from 'vitest';
import { receiverForFile } from '../sync/support/harness.js';
import { pgliteProject, watchSecondRun } from '../sync/support/pglite-second-run.js';
import { AS_OFS, enableIncremental, makeDataset } from '../sync/support/project.js';

const STAGING = 'INSERT INTO "quorum_state"."staging"';
const KEPT_TABLES = `SELECT c.relname AS name, c.reltuples AS estimated
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname = 'quorum_state' AND c.relkind = 'r' AND starts_with(c.relname, 'inc_')`;

const receiver = receiverForFile();

describe('a rebuild of the kept state on Postgres (PGlite)', () => {
  it('analyses every table it filled before the staging statement reads them', async () => {
    const plain = await pgliteProject('rebuilt-statistics', receiver());
    const engine = await pgliteProject('rebuilt-statistics', receiver(), enableIncremental);
    const checked: { name: string; estimated: number; rows: number }[] = [];
    // The first run with the engine off, the second with it on: no partial has a previous refresh, so each is rebuilt.
    const runs = await watchSecondRun(
      plain,
      makeDataset({ users: 40, logins: 300 }),
      AS_OFS[0],
      AS_OFS[2],
      async (sql, query) => {
        if (!sql.trimStart().startsWith(STAGING) || checked.length > 0) return;
        for (const table of (await query<{ name: string; estimated: number }>(KEPT_TABLES)).rows) {
          const [count] = (await query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM "quorum_state"."${table.name}"`)).rows;
          checked.push({ name: table.name, estimated: Number(table.estimated), rows: Number(count.n) });
        }
      },
      engine,
    );
    expect(runs.second.failed).toEqual({});
    // the scratch tables of new rows (`_new`) are empty at this point; the partials and facts are not
    const filled = checked.filter((t) => t.rows > 0);
    expect(filled.length).toBeGreaterThanOrEqual(3);
    for (const t of filled) expect(t.estimated, t.name).toBe(t.rows);
  });
});
