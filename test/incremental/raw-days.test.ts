// rawDays (partial-columns.ts) is how the merge and rows_read select a scan's raw rows: one flat OR
// of merged time ranges instead of every measure's rawRegion. It must select exactly the rows the
// OR of the rawRegions selects, instant for instant, on a real DuckDB: the instants are every
// bound of the generated ranges and buckets, a millisecond either side, and random ones. Both of
// its forms: with the earliest bound as its own conjunct (DuckDB) and without it (Postgres).
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { bucketRange, type PartialMeasure, type TimeRange } from '../../src/plan/physical/incremental-pass.js';
import type { Plan } from '../../src/plan/plan.js';
import { rawDays, rawRegion, type RowContext } from '../../src/incremental/partial-columns.js';
import { and, bin, col, or, select, table, ts, type Expr } from '../../src/sql/ast.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

const AS_OF = '2024-06-11T06:00:00.000Z';
const AS_OF_MS = Date.parse(AS_OF);
const HOUR = 3_600_000;
// rawDays and rawRegion read only the event-time column's name and as_of from the plan.
const ctx: RowContext = { plan: { asOf: AS_OF, layout: { eventTime: 't' } } as unknown as Plan, table: 'e', alias: 'e' };

const arbRange: fc.Arbitrary<TimeRange> = fc
  .record({
    fromHours: fc.option(fc.integer({ min: 0, max: 24 * 40 }), { nil: null }),
    fromMinutes: fc.integer({ min: 0, max: 59 }),
    fromInclusive: fc.boolean(),
    toHoursBefore: fc.option(fc.integer({ min: 0, max: 24 * 20 }), { nil: null }),
  })
  .map(({ fromHours, fromMinutes, fromInclusive, toHoursBefore }) => ({
    from: fromHours === null ? null : AS_OF_MS - fromHours * HOUR - fromMinutes * 60_000,
    fromInclusive,
    to: toHoursBefore === null ? null : AS_OF_MS - toHoursBefore * HOUR,
  }));

const partial = (range: TimeRange): PartialMeasure => ({ measure: {} as PartialMeasure['measure'], range, buckets: bucketRange(range, AS_OF_MS) });

function instants(parts: readonly PartialMeasure[], extra: readonly number[]): number[] {
  const bounds = parts.flatMap((p) => [p.range.from, p.range.to, p.buckets.from, p.buckets.to]).filter((v): v is number => v !== null);
  return [...new Set([AS_OF_MS, ...bounds, ...extra].flatMap((v) => [v - 1, v, v + 1]))];
}

describe('rawDays selects exactly the rows of the OR of its measures’ rawRegions', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  });
  afterAll(() => instance.closeSync());

  for (const [skipEdgeBucket, earliestBound] of [[false, true], [false, false], [true, true]]) {
    it(`on DuckDB, generated ranges${earliestBound ? '' : ', without the earliest bound'}${skipEdgeBucket ? ' (with the skip-edge-bucket mutation on both sides)' : ''}`, async () => {
      const c = await instance.connect();
      const p = duckdb.printer;
      const ids = (where: Expr) => p.visitQuery(select({ columns: [{ expr: col('id', 'e'), alias: 'id' }], from: table('e', 'e'), where, orderBy: [{ expr: col('id', 'e'), direction: 'ASC' }] }), 0);
      let compared = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(arbRange, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: -45 * 24 * HOUR, max: HOUR }), { maxLength: 20 }), async (ranges, offsets) => {
          const parts = ranges.map(partial);
          const at = instants(parts, offsets.map((o) => AS_OF_MS + o));
          await c.run('CREATE OR REPLACE TABLE e (id INTEGER, t TIMESTAMP)');
          await c.run(`INSERT INTO e VALUES ${at.map((v, i) => `(${i}, ${p.visitExpr(ts(new Date(v).toISOString()))})`).join(', ')}`);
          const asOf = bin('<=', col('t', 'e'), ts(AS_OF));
          const regions = or(...parts.map((q) => rawRegion(q, ctx, { skipEdgeBucket })));
          const expected = (await c.runAndReadAll(ids(and(asOf, regions)))).getRows();
          const actual = (await c.runAndReadAll(ids(and(asOf, ...rawDays(parts, ctx, { skipEdgeBucket, earliestBound }))))).getRows();
          expect(actual).toEqual(expected);
          compared += expected.length;
        }),
        { numRuns: 150, seed: PROPERTY_SEED, endOnFailure: true },
      );
      expect(compared).toBeGreaterThan(0);
      c.closeSync();
    });
  }
});
