// A sanity check of the oracle itself: a few computed traits evaluated in memory agree with
// hand-written DuckDB SQL over the same random data (independent of the quorum compiler). Sums are
// exact (each value to 9 decimals, docs/semantics.md), so the SQL adds DECIMAL(38, 9), and NaN and
// the infinities are not values, so it leaves them out.
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Definition } from '../../src/definitions/model.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { AS_OF, arbDataset, makeProject } from '../support/arbitraries.js';
import { loadDataset, timestampLiteral } from '../support/load-duckdb.js';
import { computed, values } from './build.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

describe('the oracle agrees with hand-written SQL', () => {
  it('count, last (tie: smaller id), unique_list (code point order), sum, most_frequent per user', async () => {
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const asOf = timestampLiteral(AS_OF);
    const live = `from app.report_created where event_text = 'Report Created' and user_id is not null and "timestamp" <= ${asOf}`;
    const definitions: Definition[] = [
      computed('n', 'user', 'count', 'Report Created'),
      computed('last', 'user', 'last', 'Report Created', { property: 'title' }),
      computed('titles', 'user', 'unique_list', 'Report Created', { property: 'title' }),
      computed('total', 'user', 'sum', 'Report Created', { property: 'score' }),
      computed('top', 'user', 'most_frequent', 'Report Created', { property: 'title', minFrequency: 1 }),
    ];
    await fc.assert(
      fc.asyncProperty(arbDataset(), async (dataset) => {
        await loadDataset(connection, dataset);
        const results = evaluateReference(makeProject(definitions), dataset, AS_OF);
        const sql = await connection.runAndReadAll(`
          with counts as (select user_id, count(*)::integer as n, coalesce(sum(cast(case when isfinite(score) then score end as decimal(38, 9))), 0)::double as total,
                                 list_sort(list_distinct(list(title))) as titles ${live} group by user_id),
               last as (select distinct on (user_id) user_id, title as last ${live} order by user_id, "timestamp" desc, id asc),
               freq as (select user_id, title, count(*) as c ${live} and title is not null group by all),
               top as (select distinct on (user_id) user_id, title as top from freq order by user_id, c desc, title asc)
          select counts.*, last.last, top.top from counts join last using (user_id) left join top using (user_id)`);
        const n = values(results, 'n');
        const last = values(results, 'last');
        const titles = values(results, 'titles');
        const total = values(results, 'total');
        const top = values(results, 'top');
        const seen = new Set<string>();
        for (const row of sql.getRowObjectsJS()) {
          const user = row.user_id as string;
          seen.add(user);
          expect(n[user]).toBe(row.n);
          expect(last[user]).toBe(row.last);
          expect(titles[user]).toEqual(row.titles);
          expect(total[user]).toBe(row.total);
          expect(top[user]).toBe(row.top ?? null);
        }
        for (const [user, count] of Object.entries(n)) if (!seen.has(user)) expect(count).toBe(0);
      }),
      { numRuns: 150, seed: PROPERTY_SEED },
    );
    connection.closeSync();
  });
});
