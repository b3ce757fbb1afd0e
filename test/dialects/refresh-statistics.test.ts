// After a bulk write of the outbox, only warehouses whose planner needs fresh statistics get a
// statement; the statement runs on the engine.
import { describe, expect, it } from 'vitest';
import { bigquery } from '../../dialects/bigquery/index.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { snowflake } from '../../dialects/snowflake/index.js';

describe('refreshStatistics', () => {
  it('is ANALYZE on postgres and nothing elsewhere', () => {
    const table = { schema: 'quorum', name: 'outbox' };
    expect(postgres.printer.refreshStatistics(table)).toBe('ANALYZE "quorum"."outbox"');
    for (const dialect of [duckdb, bigquery, snowflake]) expect(dialect.printer.refreshStatistics(table)).toBeNull();
  });

  it('runs on Postgres (PGlite)', async () => {
    const pg = await PgliteConnection.open(postgres);
    try {
      await pg.execute('CREATE SCHEMA "q s"');
      await pg.execute('CREATE TABLE "q s"."out""box" (n integer)');
      await pg.execute('INSERT INTO "q s"."out""box" SELECT generate_series(1, 500)');
      const estimate = async () => Number((await pg.query(`SELECT reltuples AS n FROM pg_class WHERE relname = 'out"box'`))[0].n);
      expect(await estimate()).toBeLessThan(1); // never analysed: the planner does not know the rows
      await pg.execute(postgres.printer.refreshStatistics({ schema: 'q s', name: 'out"box' })!);
      expect(await estimate()).toBe(500);
    } finally {
      await pg.close();
    }
  });
});
