// Translators of event scans: one scan per event table and level, every measure a conditional
// aggregate of it; pre-aggregated per user at account level when the plan says so, the per-user
// groups a CTE of their own when other CTEs read them too.
import { assertNever } from '../diagnostics/assert-never.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import type { Measure, Plan } from '../plan/plan.js';
import { scanNamed, rankedNamed } from '../plan/physical/pass-context.js';
import {
  aggregate,
  and,
  bin,
  col,
  countAll,
  isNull,
  join,
  num,
  or,
  select,
  subquery,
  table,
  type CommonTableExpression,
  type Expr,
  type SelectColumn,
  type Select,
} from './ast.js';
import { sameNode } from './expr-equal.js';
import { meanValue, summand, summandCount, sumValue, summandTotal, type Summand } from './exact-sum.js';
import type { LowerContext } from './lower-context.js';
import { CTE } from '../plan/physical/cte-names.js';

type ScanCte = Extract<PhysicalCte, { kind: 'event_scan' }>;

/** Aggregates whose answer depends on string order. */
const ORDER_SENSITIVE: ReadonlySet<string> = new Set(['min', 'max', 'sorted_distinct_list']);

export function eventScanCte(ctx: LowerContext, node: ScanCte): CommonTableExpression {
  const scan = scanNamed(ctx.plan, node.scan);
  switch (node.strategy) {
    case 'join_events':
      return joinedScanCte(ctx, scan);
    case 'pre_aggregated_per_user': {
      const pre = preAggregation(ctx, node);
      const account = col(ctx.layout.columns.groupId, 'm');
      return {
        name: scan.name,
        comment: `one scan of ${scan.table} for every ${scan.level}-level measure on it, pre-aggregated per user`,
        query: select({
          columns: [{ expr: account, alias: 'id' }, ...pre.accountColumns],
          from: table(CTE.memberships, 'm'),
          joins: [
            join(
              'INNER',
              node.groups === null ? subquery(pre.perUser, 'p') : table(node.groups, 'p'),
              bin('=', col('user_id', 'p'), col(ctx.layout.columns.userId, 'm')),
            ),
          ],
          groupBy: [account],
        }),
      };
    }
    default:
      return assertNever(node.strategy, 'scan strategy');
  }
}

function joinedScanCte(ctx: LowerContext, scan: Plan['scans'][number]): CommonTableExpression {
  const source = ctx.eventSource(scan.level, scan.table);
  const narrowing = ctx.scanNarrowing(scan, 'e');
  const measures: SelectColumn[] = scan.measures.map((m) => {
    const property = m.property === null ? null : ctx.property(scan.table, m.property, 'e');
    // Every aggregate but the list skips nulls itself; a FILTER that only says so slows DuckDB's
    // COUNT(DISTINCT) down by a fifth.
    const filter = ctx.measureFilter(
      m,
      'e',
      narrowing,
      m.aggregate === 'sorted_distinct_list' && property !== null ? [isNull(property, true)] : [],
    );
    if (m.property !== null && (m.aggregate === 'sum' || m.aggregate === 'avg')) {
      // A summand leaves out what is not finite itself (exact-sum.ts).
      const s = summand(col(m.property, 'e'), ctx.plan.columnTypes[scan.table]?.[m.property]);
      const sum = summandTotal(s, filter);
      return { expr: m.aggregate === 'sum' ? sumValue(sum) : meanValue(sum, summandCount(s, filter)), alias: m.column };
    }
    const arg = property !== null && ORDER_SENSITIVE.has(m.aggregate) ? ctx.ordered(property, scan.table, m.property) : property;
    return { expr: aggregate(m.aggregate, arg, filter), alias: m.column };
  });
  return {
    name: scan.name,
    comment: `one scan of ${scan.table} for every ${scan.level}-level measure on it`,
    query: select({
      columns: [{ expr: source.entity, alias: 'id' }, ...measures],
      from: source.from,
      joins: source.joins,
      where: and(source.where, ...narrowing),
      groupBy: [source.entity],
    }),
  };
}

export function userGroupsCte(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'user_groups' }>): CommonTableExpression {
  const scan = scanNamed(ctx.plan, node.scan);
  const pre = preAggregation(ctx, ctx.cte(node.scan, 'event_scan'));
  const names = [
    ...(node.userScan !== null ? ['its user-level measures'] : []),
    ...node.rankedTraits.map((r) => rankedNamed(ctx.plan, r).trait),
  ].join(', ');
  return {
    name: node.name,
    comment: `one scan of ${scan.table} per (${pre.keys.map((k) => k.alias).join(', ')}), shared by its account-level measures and ${names}`,
    query: pre.perUser,
  };
}

export function userScanFromGroupsCte(
  ctx: LowerContext,
  node: Extract<PhysicalCte, { kind: 'user_scan_from_groups' }>,
): CommonTableExpression {
  const groups = ctx.cte(node.groups, 'user_groups');
  const pre = preAggregation(ctx, ctx.cte(groups.scan, 'event_scan'));
  return {
    name: node.name,
    comment: `every user-level measure on ${scanNamed(ctx.plan, groups.scan).table}, from the same per-user groups`,
    query: select({
      columns: [{ expr: col('user_id', 'p'), alias: 'id' }, ...pre.userColumns],
      from: table(node.groups, 'p'),
      groupBy: [col('user_id', 'p')],
    }),
  };
}

/** The per-user partial that counts a ranked trait's (user, value) rows in shared groups. */
export const rankedPartial = (ranked: string): string => `p_${ranked}`;

interface PreAggregation {
  readonly keys: readonly SelectColumn[];
  readonly perUser: Select;
  readonly accountColumns: readonly SelectColumn[];
  readonly userColumns: readonly SelectColumn[];
}

/** Per statement, each pre-aggregated scan's pieces: its CTE, its user_groups CTE and the user scan read them. */
const preAggregations = new WeakMap<LowerContext, Map<string, PreAggregation>>();

/**
 * An account-level scan in two steps, as an expert writes it: the events are aggregated per user
 * (and per distinct value, and per context account for group_context) first, and only those
 * partial aggregates meet the memberships, so the join sees one row per group instead of one per
 * event. The user-level measures of the same table and user-level most_frequent traits of the
 * same property are more partials of the same groups (the plan's user_groups CTE says which).
 */
function preAggregation(ctx: LowerContext, node: ScanCte): PreAggregation {
  const translated = preAggregations.get(ctx) ?? new Map<string, PreAggregation>();
  preAggregations.set(ctx, translated);
  const known = translated.get(node.name);
  if (known !== undefined) return known;
  if (node.preAggregation === null) throw new Error(`internal error: scan "${node.name}" is not pre-aggregated`);
  const key = node.preAggregation;
  const scan = scanNamed(ctx.plan, node.scan);
  const groups = node.groups === null ? null : ctx.cte(node.groups, 'user_groups');
  const userScan = groups?.userScan == null ? undefined : scanNamed(ctx.plan, groups.userScan);
  const ranked = (groups?.rankedTraits ?? []).map((r) => rankedNamed(ctx.plan, r));
  const { columns } = ctx.layout;
  const userId = col(columns.userId, 'e');
  const narrowing = ctx.scanNarrowing(scan, 'e', [...ranked, ...(userScan?.measures ?? [])]);
  const inContext = or(isNull(col('ctx', 'p')), bin('=', col('ctx', 'p'), col(columns.groupId, 'm')));
  const partials: SelectColumn[] = [];
  // Measures of both levels often aggregate the same rows (the same window and filters): one partial each.
  const partial = (expr: Expr, alias: string): string => {
    const same = partials.find((p) => sameNode(p.expr, expr));
    if (same !== undefined) return same.alias as string;
    partials.push({ expr, alias });
    return alias;
  };
  const accountColumns: SelectColumn[] = scan.measures.map((m) => ({
    expr: partialMeasure(ctx, scan.table, m, 'p_', narrowing, m.groupContext ? inContext : null, partial),
    alias: m.column,
  }));
  const userColumns: SelectColumn[] = (userScan?.measures ?? []).map((m) => ({
    expr: partialMeasure(ctx, scan.table, m, 'pu_', narrowing, null, partial),
    alias: m.column,
  }));
  for (const r of ranked) {
    partials.push({
      expr: countAll(ctx.measureFilter(r, 'e', narrowing, [isNull(ctx.property(r.match.table, r.property, 'e'), true)])),
      alias: rankedPartial(r.name),
    });
  }
  const keys: SelectColumn[] = [
    { expr: userId, alias: 'user_id' },
    ...(key.context ? [{ expr: col(columns.contextGroupId, 'e'), alias: 'ctx' }] : []),
    ...(key.property === null ? [] : [{ expr: ctx.property(scan.table, key.property, 'e'), alias: 'k' }]),
  ];
  const perUser = select({
    columns: [...keys, ...partials],
    from: ctx.source(scan.table, 'e'),
    where: and(ctx.existsAtAsOf('e'), isNull(userId, true), ...narrowing),
    groupBy: keys.map((k) => k.expr),
  });
  const result: PreAggregation = { keys, perUser, accountColumns, userColumns };
  translated.set(node.name, result);
  return result;
}

/**
 * A measure as the combination of its partial aggregates over one entity's per-user groups;
 * `partial` adds a partial to the groups' query and names it. count / sum / min / max combine
 * exactly (sums in fixed point, exact-sum.ts), avg as the total sum over the total count, a
 * distinct measure counts or lists the keys its partial count saw. `only` restricts which groups
 * an entity combines (group_context: the events of the account's context, or of none).
 */
function partialMeasure(
  ctx: LowerContext,
  scanTable: string,
  m: Measure,
  prefix: string,
  narrowing: readonly Expr[],
  only: Expr | null,
  partial: (expr: Expr, alias: string) => string,
): Expr {
  // A summand leaves out what is not finite itself (exact-sum.ts): a sum reads the column as it is.
  const summed = m.aggregate === 'sum' || m.aggregate === 'avg';
  const property = m.property === null ? null : summed ? col(m.property, 'e') : ctx.property(scanTable, m.property, 'e');
  // The context condition reads the account: it is applied when the groups meet the memberships.
  const filter = ctx.measureFilter({ ...m, groupContext: false }, 'e', narrowing, property === null ? [] : [isNull(property, true)]);
  const name = `${prefix}${m.column}`;
  const total = (alias: string): Expr => aggregate('sum', col(alias, 'p'), only);
  const byOrder = (e: Expr) => (m.property === null ? e : ctx.ordered(e, scanTable, m.property));
  const counted = () => partial(countAll(filter), name);
  const summands = (): Summand => summand(property!, ctx.plan.columnTypes[scanTable]?.[m.property!]);
  switch (m.aggregate) {
    case 'count':
      return total(counted());
    case 'sum':
      return sumValue(total(partial(summandTotal(summands(), filter), name)));
    case 'min':
    case 'max': {
      if (property === null) throw new Error(`internal error: measure ${m.column} (${m.aggregate}) has no property`);
      return aggregate(m.aggregate, byOrder(col(partial(aggregate(m.aggregate, byOrder(property), filter), name), 'p')), only);
    }
    case 'avg': {
      const sum = total(partial(summandTotal(summands(), filter), `${name}_sum`));
      return meanValue(sum, total(partial(summandCount(summands(), filter), `${name}_count`)));
    }
    case 'count_distinct':
    case 'sorted_distinct_list': {
      const k = col('k', 'p');
      const seen = bin('>', col(counted(), 'p'), num(0));
      return aggregate(m.aggregate, m.aggregate === 'sorted_distinct_list' ? byOrder(k) : k, only === null ? seen : and(seen, only));
    }
    default:
      return assertNever(m.aggregate, 'plan node');
  }
}
