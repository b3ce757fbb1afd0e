// Translator of ranked traits (most_frequent, first, last): one first_per_group node each, over
// the trait's own events or over the per-user groups of a scan that counts them already.
import { assertNever } from '../diagnostics/assert-never.js';
import { rankedNamed } from '../plan/physical/pass-context.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import type { RankedTrait } from '../plan/plan.js';
import {
  and,
  bin,
  col,
  countAll,
  firstPerGroup,
  isNull,
  num,
  select,
  subquery,
  table,
  type CommonTableExpression,
  type Expr,
  type FirstPerGroup,
  type Query,
  type Select,
} from './ast.js';
import type { LowerContext } from './lower-context.js';
import { rankedPartial } from './lower-scan.js';

export function rankedCte(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'ranked' }>): CommonTableExpression {
  const r = rankedNamed(ctx.plan, node.ranked);
  return { name: r.name, comment: `computed_trait: ${r.trait} (${r.file})`, query: rankedQuery(ctx, node, r) };
}

function rankedQuery(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'ranked' }>, r: RankedTrait): FirstPerGroup {
  const source = ctx.eventSource(r.level, r.match.table);
  const where = and(source.where, ctx.matchCondition(r, 'e'));
  const value = ctx.property(r.match.table, r.property, 'e');
  switch (node.strategy) {
    case 'from_shared_groups': {
      if (node.groups === null) throw new Error(`internal error: ranked trait "${r.name}" reads shared groups but names none`);
      const frequency = col(rankedPartial(r.name), 'p');
      const counted = select({
        columns: [
          { expr: col('user_id', 'p'), alias: 'id' },
          { expr: col('k', 'p'), alias: 'value' },
          { expr: frequency, alias: 'frequency' },
        ],
        from: table(node.groups, 'p'),
        where: and(bin('>', frequency, num(0)), bin('>=', frequency, num(r.minFrequency))),
      });
      return mostFrequentOf(ctx, counted, r);
    }
    case 'count_then_rank': {
      const counted = select({
        columns: [
          { expr: source.entity, alias: 'id' },
          { expr: value, alias: 'value' },
          { expr: countAll(), alias: 'frequency' },
        ],
        from: source.from,
        joins: source.joins,
        where: and(where, isNull(value, true)),
        groupBy: [source.entity, value],
        having: bin('>=', countAll(), num(r.minFrequency)),
      });
      return mostFrequentOf(ctx, counted, r);
    }
    case 'first_per_group':
      return firstPerGroup({
        from: source.from,
        joins: source.joins,
        where,
        group: source.entity,
        value,
        orderBy: [
          { expr: ctx.eventTime('e'), direction: r.compute === 'first' ? 'ASC' : 'DESC', type: 'timestamp' },
          { expr: ctx.ordered(col(ctx.layout.columns.id, 'e'), r.match.table, ctx.layout.columns.id), direction: 'ASC', type: 'other' },
        ],
        manyRowsPerGroup: true,
      });
    default:
      return assertNever(node.strategy, 'ranked strategy');
  }
}

function mostFrequentOf(ctx: LowerContext, counted: Select, r: RankedTrait): FirstPerGroup {
  return mostFrequentRanking(counted, (value) => ctx.ordered(value, r.match.table, r.property));
}

/**
 * Per entity, the value seen most often (ties: the smallest, in `order`'s order) among counted
 * (id, value, frequency) rows: the most_frequent ranking, shared with src/incremental/.
 */
export function mostFrequentRanking(counted: Query, order: (value: Expr) => Expr): FirstPerGroup {
  return firstPerGroup({
    from: subquery(counted, 'c'),
    joins: [],
    where: null,
    group: col('id', 'c'),
    value: col('value', 'c'),
    orderBy: [
      { expr: col('frequency', 'c'), direction: 'DESC', type: 'number' },
      { expr: order(col('value', 'c')), direction: 'ASC', type: 'other' },
    ],
    // One row per (entity, value) seen: a handful per entity.
    manyRowsPerGroup: false,
  });
}
