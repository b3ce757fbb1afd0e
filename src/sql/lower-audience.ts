// Translators of account quantifiers and audiences: each audience a WHERE over its level's
// features (and its quantifier counts), or, where the plan says so, over the counts alone or as
// set operations on the memberships.
import { assertNever } from '../diagnostics/assert-never.js';
import { CTE } from '../plan/physical/cte-names.js';
import { audienceNamed } from '../plan/physical/pass-context.js';
import type { Performers, PhysicalCte } from '../plan/physical/physical-plan.js';
import type { PlanAudience } from '../plan/plan.js';
import {
  bin,
  col,
  countAll,
  inQuery,
  join,
  not,
  num,
  select,
  STAR,
  subquery,
  table,
  union,
  whereHolds,
  type CommonTableExpression,
  type Expr,
  type FromItem,
  type Query,
  type Select,
  type SelectColumn,
} from './ast.js';
import { condition, type ConditionScope } from './lower-condition.js';
import type { LowerContext } from './lower-context.js';
import { featuresQuery } from './lower-features.js';

type AudienceCte = Extract<PhysicalCte, { kind: 'audience' }>;
type QuantifiersCte = Extract<PhysicalCte, { kind: 'quantifiers' }>;

const FEATURES_ONLY: ConditionScope = { features: 'f', quantifiers: null };

/** The scope of an audience's condition over `FROM features f [LEFT JOIN quantifiers q]`. */
export function audienceScope(node: AudienceCte, features: string | null = 'f'): ConditionScope {
  return { features, quantifiers: node.quantifiers === null ? null : { alias: 'q', columns: node.quantifiers.columns } };
}

/**
 * FROM features f [LEFT JOIN quantifiers q] for an audience; its features rows and those of the
 * users outside the universe, when it reads those too (both CTEs have the same columns).
 */
export function audienceFrom(a: PlanAudience, node: AudienceCte): Pick<Select, 'from' | 'joins'> {
  const everyColumn = (cte: string): Select => select({ columns: [{ expr: STAR, alias: null }], from: table(cte) });
  return {
    from:
      node.outside === null
        ? table(CTE.features(a.level), 'f')
        : subquery(union([everyColumn(CTE.features(a.level)), everyColumn(node.outside)]), 'f'),
    joins: node.quantifiers === null ? [] : [join('LEFT', table(node.quantifiers.cte, 'q'), bin('=', col('id', 'q'), col('id', 'f')))],
  };
}

/** Rows a quantifier aggregate reads: one per membership, with the user's features as `f`. */
function quantifierRows(ctx: LowerContext, node: QuantifiersCte): { from: FromItem; joins: Select['joins']; account: Expr } {
  const { columns } = ctx.layout;
  switch (node.rows) {
    case 'user_features':
      return {
        from: table(CTE.memberships, 'm'),
        joins: [join('INNER', table(CTE.features('user'), 'f'), bin('=', col('id', 'f'), col(columns.userId, 'm')))],
        account: col(columns.groupId, 'm'),
      };
    case 'per_membership': {
      const perMembership = featuresQuery(ctx, 'user', node.featureColumns, table(CTE.memberships, 'm'), col(columns.userId, 'm'), [
        { expr: col(columns.groupId, 'm'), alias: 'account_id' },
      ]);
      return { from: subquery(perMembership, 'f'), joins: [], account: col('account_id', 'f') };
    }
    default:
      return assertNever(node.rows, 'quantifier rows');
  }
}

export function quantifiersCte(ctx: LowerContext, node: QuantifiersCte): CommonTableExpression {
  const rows = quantifierRows(ctx, node);
  const audiences = node.audiences.map((name) => audienceNamed(ctx.plan, name));
  const columnOf = (audience: string, quantifier: string): string => {
    const found = node.columns.find((c) => c.audience === audience && c.quantifier === quantifier);
    if (found === undefined) throw new Error(`internal error: quantifier ${quantifier} of ${audience} has no column in "${node.name}"`);
    return found.column;
  };
  const comment =
    node.name === CTE.sharedQuantifiers
      ? `users of each account that satisfy the quantifiers of: ${node.audiences.join(', ')}`
      : `audience: ${audiences[0].name} (${audiences[0].file}) — users of each account that satisfy its quantifiers`;
  /** One row per account: its id and `counts`, over the rows that satisfy `where`. */
  const perAccount = (counts: SelectColumn[], where: Expr | null): CommonTableExpression => ({
    name: node.name,
    comment,
    query: select({
      columns: [{ expr: rows.account, alias: 'id' }, ...counts],
      from: rows.from,
      joins: rows.joins,
      where,
      groupBy: [rows.account],
    }),
  });
  switch (node.strategy) {
    case 'matching_rows_only': {
      const [a] = audiences;
      const q = a.quantifiers[0];
      return perAccount([{ expr: countAll(), alias: columnOf(a.name, q.column) }], whereHolds(condition(ctx, q.condition, FEATURES_ONLY)));
    }
    case 'count_every_user': {
      const counts = audiences.flatMap((a) =>
        a.quantifiers.map((q) => ({ expr: countAll(condition(ctx, q.condition, FEATURES_ONLY)), alias: columnOf(a.name, q.column) })),
      );
      return perAccount([{ expr: countAll(), alias: 'users' }, ...counts], null);
    }
    default:
      return assertNever(node.strategy, 'quantifier strategy');
  }
}

export function audienceCte(ctx: LowerContext, node: AudienceCte): CommonTableExpression {
  const a = audienceNamed(ctx.plan, node.audience);
  const named = (query: Query): CommonTableExpression => ({ name: node.name, comment: `audience: ${a.name} (${a.file})`, query });
  switch (node.strategy) {
    case 'features_where':
      return named(
        select({
          columns: [{ expr: col('id', 'f'), alias: 'id' }],
          ...audienceFrom(a, node),
          where: whereHolds(condition(ctx, a.condition, audienceScope(node))),
        }),
      );
    case 'quantifier_only': {
      if (node.quantifiers === null) throw new Error(`internal error: audience ${a.name} reads quantifier counts but names none`);
      return named(
        select({
          columns: [{ expr: col('id', 'q'), alias: 'id' }],
          from: table(node.quantifiers.cte, 'q'),
          where: whereHolds(condition(ctx, a.condition, audienceScope(node, null))),
        }),
      );
    }
    case 'performed_semi_join':
    case 'performed_anti_joins':
      return named(performedQuantifier(ctx, node.strategy, performersOf(node)));
    default:
      return assertNever(node.strategy, 'audience strategy');
  }
}

function performersOf(node: AudienceCte): Performers {
  if (node.performers === null) throw new Error(`internal error: audience ${node.audience} reads performers but names none`);
  return node.performers;
}

/**
 * A member list of one `any_user` / `all_users` over one event leaf, as set operations on the
 * memberships: the accounts with a user who performed it (a semi-join), or the accounts none of
 * whose users did not (two anti-joins). No per-user count is carried to the accounts.
 */
function performedQuantifier(ctx: LowerContext, strategy: 'performed_semi_join' | 'performed_anti_joins', p: Performers): Query {
  const performers = select({
    columns: [{ expr: col('id', 'r'), alias: null }],
    from: table(p.scan, 'r'),
    where: bin(p.op === 'at_least' ? '>=' : '=', col(p.measure, 'r'), num(p.n)),
  });
  const { columns } = ctx.layout;
  const membership = (alias: string, where: Expr) =>
    select({
      distinct: alias === 'm',
      columns: [{ expr: col(columns.groupId, alias), alias: alias === 'm' ? 'id' : null }],
      from: table(CTE.memberships, alias),
      where,
    });
  const performed = (alias: string): Expr => inQuery(col(columns.userId, alias), performers);
  if (strategy === 'performed_semi_join') return membership('m', performed('m'));
  const withAnIdleUser = membership('mi', not(performed('mi')));
  return membership('m', not(inQuery(col(columns.groupId, 'm'), withAnIdleUser)));
}
