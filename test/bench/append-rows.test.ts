// bench/append-rows.ts lands new rows as a loader would between two runs: the requested share of
// each table, the requested share of them late (an old `timestamp`, a `received_at` after the last
// run), every per-event copy in `tracks` too, and nothing that arrives after the next run.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { appendRows } from '../../bench/append-rows.js';
import { generateScaleWarehouse, SCALE_AS_OF, SCALE_EVENTS } from '../../bench/scale-generator.js';

const SINCE = SCALE_AS_OF;
const ARRIVED = new Date(Date.parse(SCALE_AS_OF) + 3_600_000).toISOString();

describe('appendRows', () => {
  it('adds a fraction of each table, some of it late, all of it arrived by the next run', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const stats = await generateScaleWarehouse(connection, { sf: 0.005 });
      const added = await appendRows(connection, { fraction: 0.1, late: 0.2, since: SINCE, arrived: ARRIVED, batch: 3 });
      const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS();

      for (const table of ['identifies', 'groups', ...SCALE_EVENTS.map((e) => e.table)]) {
        // 10% of the rows, give or take the hash's spread
        expect(added[table] / stats.tables[table], table).toBeGreaterThan(0.07);
        expect(added[table] / stats.tables[table], table).toBeLessThan(0.13);
      }
      expect(added.tracks).toBe(SCALE_EVENTS.reduce((n, e) => n + added[e.table], 0));
      const [missing] = await rows(
        `SELECT count(*)::INTEGER AS n FROM app.logged_in e WHERE e.id LIKE 'b3-%' AND NOT EXISTS (SELECT 1 FROM app.tracks t WHERE t.id = e.id AND t.user_id IS NOT DISTINCT FROM e.user_id AND t."timestamp" = e."timestamp")`,
      );
      expect(missing.n).toBe(0);

      const since = `TIMESTAMP '${SINCE.replace('T', ' ').replace('Z', '')}'`;
      const arrived = `TIMESTAMP '${ARRIVED.replace('T', ' ').replace('.000Z', '')}'`;
      const [shape] = await rows(`
        SELECT count(*)::INTEGER AS n,
          count(*) FILTER (WHERE "timestamp" <= ${since})::INTEGER AS late,
          count(*) FILTER (WHERE "timestamp" <= ${since} AND (received_at <= ${since} OR received_at > ${arrived}))::INTEGER AS late_misplaced,
          count(*) FILTER (WHERE "timestamp" > ${since} AND ("timestamp" > ${arrived} OR received_at < "timestamp" OR received_at > ${arrived}))::INTEGER AS on_time_misplaced
        FROM app.tracks WHERE id LIKE 'b3-%'`);
      expect(shape.n).toBe(added.tracks);
      const lateShare = Number(shape.late) / Number(shape.n);
      expect(lateShare).toBeGreaterThan(0.14);
      expect(lateShare).toBeLessThan(0.26);
      expect(shape.late_misplaced).toBe(0);
      expect(shape.on_time_misplaced).toBe(0);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
