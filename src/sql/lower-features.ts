// Translator of the features CTEs: one row per entity with every value the conditions read,
// missing values replaced by the spec's defaults. Which entities get a row is the plan's choice.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Level } from '../definitions/model.js';
import { featureCte } from '../plan/physical/initial-plan.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import type { Feature } from '../plan/plan.js';
import { CTE } from '../plan/physical/cte-names.js';
import {
  bin,
  coalesce,
  col,
  emptyList,
  isNull,
  join,
  num,
  select,
  subquery,
  table,
  union,
  type CommonTableExpression,
  type Expr,
  type FromItem,
  type Query,
  type Select,
  type SelectColumn,
} from './ast.js';
import type { LowerContext } from './lower-context.js';
import { finiteValue } from './finite-values.js';

export function featuresCte(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'features' }>): CommonTableExpression {
  return {
    name: node.name,
    comment:
      node.strategy === 'users_outside_universe'
        ? `the same values for each user of ${node.rows.join(', ')} that the user universe lacks`
        : `every value the ${node.level}-level conditions read, one row per ${node.level}`,
    query: featuresQuery(ctx, node.level, node.columns, featureRows(ctx, node), col('id', 'u'), [], rowsCte(node)),
  };
}

function featureRows(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'features' }>): FromItem {
  switch (node.strategy) {
    case 'account_universe':
      return table(CTE.accountUniverse, 'u');
    case 'user_universe':
      return table(CTE.userUniverse, 'u');
    case 'membership_users': {
      const userId = col(ctx.layout.columns.userId, 'mu');
      return subquery(select({ distinct: true, columns: [{ expr: userId, alias: 'id' }], from: table(CTE.memberships, 'mu') }), 'u');
    }
    case 'event_users': {
      // Each CTE has one row per user; two of them may share users.
      if (node.rows.length === 1) return table(node.rows[0], 'u');
      const queries: Query[] = node.rows.map((cte) => select({ columns: [{ expr: col('id', 'p'), alias: 'id' }], from: table(cte, 'p') }));
      return subquery(union(queries, false), 'u');
    }
    case 'users_outside_universe': {
      const listed: Query[] = node.rows.map((cte) => select({ columns: [{ expr: col('id', 'p'), alias: 'id' }], from: table(cte, 'p') }));
      const outside = select({
        columns: [{ expr: col('id', 'l'), alias: 'id' }],
        from: subquery(listed.length === 1 ? listed[0] : union(listed, false), 'l'),
        joins: [join('LEFT', table(CTE.userUniverse, 'uu'), bin('=', col('id', 'uu'), col('id', 'l')))],
        where: isNull(col('id', 'uu')),
      });
      return subquery(outside, 'u');
    }
    default:
      return assertNever(node.strategy, 'features strategy');
  }
}

/**
 * The CTE whose rows are the features' rows, read as `u`: the one CTE of an event-users list. Its
 * values are read from `u` itself; a join of it with itself on its own key would add nothing but
 * a second hash table of every listed user.
 */
function rowsCte(node: Extract<PhysicalCte, { kind: 'features' }>): string | null {
  return node.strategy === 'event_users' && node.rows.length === 1 ? node.rows[0] : null;
}

function featureExpr(f: Feature, aliases: ReadonlyMap<string, string>): Expr {
  const cte = featureCte(f);
  const alias = aliases.get(cte);
  if (alias === undefined) throw new Error(`internal error: feature ${f.column} reads "${cte}", which is not joined`);
  const s = f.source;
  switch (s.kind) {
    case 'custom_trait':
      return col(s.column, alias);
    case 'measure': {
      const value = col(s.measure, alias);
      if (s.whenMissing === 'zero') return coalesce(value, num(0));
      if (s.whenMissing === 'empty_list') return coalesce(value, emptyList('string'));
      return value;
    }
    case 'ranked':
      return col('value', alias);
    case 'sql_trait':
      // A custom trait is read finite where its CTE reads it (lower-universe.ts); a SQL trait's
      // column comes from the user's query as it is.
      return finiteValue(col(s.column, alias), f.type);
    case 'funnel':
      return coalesce(col('reached', alias), num(0));
    default:
      return assertNever(s, 'plan node');
  }
}

/**
 * The feature `columns` of a level, one row per entity of `rows` (keyed by `key`), with `extra`
 * columns of the rows kept: the features CTE, or the user features of every membership row.
 */
export function featuresQuery(
  ctx: LowerContext,
  level: Level,
  columns: readonly string[],
  rows: FromItem,
  key: Expr,
  extra: readonly SelectColumn[],
  rowsFrom: string | null = null,
): Select {
  const features = ctx.plan.features.filter((f) => f.level === level && columns.includes(f.column));
  const joinedCtes: string[] = [];
  const sqlKeyed = new Map<string, Query>();
  for (const f of features) {
    const cte = featureCte(f);
    if (!joinedCtes.includes(cte)) joinedCtes.push(cte);
    if (f.source.kind === 'sql_trait' && !sqlKeyed.has(cte)) {
      const trait = ctx.plan.sqlTraits.find((t) => t.name === cte);
      if (trait === undefined) throw new Error(`internal error: the plan has no SQL trait "${cte}"`);
      const id = level === 'user' ? 'user_id' : 'group_id';
      sqlKeyed.set(
        cte,
        select({
          distinct: true,
          columns: [{ expr: col(id, 't'), alias: 'id' }, ...trait.columns.map((c) => ({ expr: col(c, 't'), alias: c }))],
          from: table(cte, 't'),
        }),
      );
    }
  }
  const joined = joinedCtes.filter((cte) => cte !== rowsFrom);
  const aliases = new Map<string, string>(joined.map((cte, i) => [cte, `j${i + 1}`]));
  if (rowsFrom !== null) aliases.set(rowsFrom, 'u');
  return select({
    columns: [{ expr: key, alias: 'id' }, ...extra, ...features.map((f) => ({ expr: featureExpr(f, aliases), alias: f.column }))],
    from: rows,
    joins: joined.map((cte, i) => {
      const alias = `j${i + 1}`;
      const keyed = sqlKeyed.get(cte);
      return join('LEFT', keyed ? subquery(keyed, alias) : table(cte, alias), bin('=', col('id', alias), key));
    }),
  });
}
