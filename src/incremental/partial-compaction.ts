// Keeping a partial table small: the stored rows a merge would re-read every run although they can
// no longer change its answer are folded or dropped after the refresh, in the run's transaction.
import type { Expr, RankKey } from '../sql/ast.js';
import { and, bin, col, countAll, deleteFrom, exists, firstValueBy, inQuery, isNull, num, or, select, subquery, tableOf } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import type { StateWriter } from '../sync/state-sql.js';
import type { IncrementalScan } from '../plan/physical/incremental-pass.js';
import { firstLastOrder } from './partial-columns.js';
import { partialRef } from './partial-tables.js';

/**
 * Deliberate fault, for tests only: `keep-losing-row` keeps, per raw key, the row that ranks last
 * instead of the winner; the generated histories must catch it.
 */
export type CompactionMutation = 'keep-losing-row';

const sameOrBothNull = (a: Expr, b: Expr): Expr => or(bin('=', a, b), and(isNull(a), isNull(b)));

/**
 * An all-history first / last (`keep: 'winner per key'`): per raw key (and context account), the
 * rows that do not rank first are deleted. Only they are: the merge picks the entity's row among
 * its raw keys' rows in the same order, so the answer is unchanged, and rows tied with the winner
 * on (time, event id) stay. Reads the whole table's keys, which after the first run are about one
 * row per raw key plus the rows the run added; only the keys holding several rows are ranked.
 */
export async function keepWinners(w: StateWriter, plan: Plan, schema: string, s: IncrementalScan, mutation?: CompactionMutation): Promise<void> {
  if (s.keep !== 'winner per key') return;
  const order: RankKey[] = firstLastOrder(plan, s, col('t', 'q'), col('rid', 'q'));
  const ranked = mutation === 'keep-losing-row' ? order.map((k): RankKey => ({ ...k, direction: k.direction === 'ASC' ? 'DESC' : 'ASC' })) : order;
  const keys = s.context ? ['rk', 'ctx'] : ['rk'];
  // Only raw keys holding several rows can lose one: after the first run, those the run added rows to.
  const crowded = (alias: string | null): Expr =>
    inQuery(col('rk', alias), select({ columns: [{ expr: col('rk', 'm'), alias: 'rk' }], from: tableOf(partialRef(schema, s), 'm'), groupBy: [col('rk', 'm')], having: bin('>', countAll(), num(1)) }));
  const winners = select({
    columns: [...keys.map((k) => ({ expr: col(k, 'q'), alias: `w_${k}` })), { expr: firstValueBy(col('t', 'q'), ranked), alias: 'w_t' }, { expr: firstValueBy(col('rid', 'q'), ranked), alias: 'w_rid' }],
    from: tableOf(partialRef(schema, s), 'q'),
    where: and(isNull(col('t', 'q'), true), crowded('q')),
    groupBy: keys.map((k) => col(k, 'q')),
  });
  // Unqualified columns are the deleted row's: the subquery's own are all prefixed w_.
  const ofKey = keys.map((k) => (k === 'ctx' ? sameOrBothNull(col(`w_${k}`, 'w'), col(k)) : bin('=', col(`w_${k}`, 'w'), col(k))));
  const loses = or(bin('<>', col('t'), col('w_t', 'w')), isNull(col('t')), bin('<>', col('rid'), col('w_rid', 'w')), and(isNull(col('rid')), isNull(col('w_rid', 'w'), true)), and(isNull(col('rid'), true), isNull(col('w_rid', 'w'))));
  await w.run(deleteFrom(partialRef(schema, s), and(crowded(null), exists(select({ columns: [{ expr: num(1), alias: null }], from: subquery(winners, 'w'), where: and(...ofKey, loses) })))));
}
