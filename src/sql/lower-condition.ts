// The boolean SQL of a condition. What it reads is in scope by name: the features row of its
// level and, for an account audience's quantifiers, the row of their counts. A condition that
// reads something not in scope is a bug in the plan's translation, never bad input.
import { assertNever } from '../diagnostics/assert-never.js';
import type { QuantifierColumn } from '../plan/physical/physical-plan.js';
import type { PlanCondition } from '../plan/plan.js';
import { and, bin, coalesce, col, FALSE, inQuery, join, not, num, or, select, table, type Expr } from './ast.js';
import { CTE } from '../plan/physical/cte-names.js';
import type { LowerContext } from './lower-context.js';
import { comparison } from './lower-literals.js';

export interface ConditionScope {
  /** Alias of the features row; null when the query reads none. */
  readonly features: string | null;
  /** Alias of the quantifier counts row and the column of each quantifier there; null when none. */
  readonly quantifiers: { readonly alias: string; readonly columns: readonly QuantifierColumn[] } | null;
}

/** Condition nodes of an audience in pre-order, with the column each one gets in breakdown / explain. */
export interface LabelledCondition {
  readonly column: string;
  readonly label: string;
  readonly depth: number;
  readonly node: PlanCondition;
}

export function labelConditions(condition: PlanCondition): LabelledCondition[] {
  const out: LabelledCondition[] = [];
  const walk = (node: PlanCondition, depth: number): void => {
    // `where: [ x ]` is an all of one: the same condition, said once (preview printed it twice)
    if ((node.kind === 'all' || node.kind === 'any') && node.children.length === 1) return walk(node.children[0], depth);
    out.push({ column: `c_${out.length + 1}`, label: node.label, depth, node });
    if (node.kind === 'all' || node.kind === 'any') node.children.forEach((child) => walk(child, depth + 1));
    else if (node.kind === 'funnel') node.steps.forEach((step) => walk(step, depth + 1));
    else if (node.kind === 'not') walk(node.child, depth + 1);
  };
  walk(condition, 0);
  return out;
}

function featuresAlias(scope: ConditionScope, c: PlanCondition): string {
  if (scope.features === null) throw new Error(`internal error: condition "${c.label}" reads a features row that is not in scope`);
  return scope.features;
}

/** The column counting a quantifier's matching users, in the quantifier row in scope. */
export function quantifierColumn(scope: ConditionScope, quantifier: string): Expr {
  const q = scope.quantifiers;
  const column = q?.columns.find((c) => c.quantifier === quantifier)?.column;
  if (q === null || column === undefined) throw new Error(`internal error: quantifier "${quantifier}" is not in scope`);
  return col(column, q.alias);
}

/** The column counting every user of the account, in the quantifier row in scope. */
export function usersColumn(scope: ConditionScope): Expr {
  if (scope.quantifiers === null) throw new Error('internal error: a quantifier reads the users count, which is not in scope');
  return col('users', scope.quantifiers.alias);
}

export function condition(ctx: LowerContext, c: PlanCondition, scope: ConditionScope): Expr {
  switch (c.kind) {
    case 'all':
      return and(...c.children.map((child) => condition(ctx, child, scope)));
    case 'any':
      return or(...c.children.map((child) => condition(ctx, child, scope)));
    case 'not':
      return not(condition(ctx, c.child, scope));
    case 'compare':
      return comparison(col(c.feature, featuresAlias(scope, c)), c.op, c.value, c.ignoreCase, c.type, c.instants);
    case 'count': {
      const op = c.op === 'at_least' ? '>=' : c.op === 'at_most' ? '<=' : '=';
      return coalesce(bin(op, col(c.feature, featuresAlias(scope, c)), num(c.n)), FALSE);
    }
    case 'funnel':
      return condition(ctx, c.steps[c.steps.length - 1], scope);
    case 'member':
      return inQuery(
        col('id', featuresAlias(scope, c)),
        select({ columns: [{ expr: col('id', 'a'), alias: null }], from: table(CTE.audience(c.audience), 'a') }),
      );
    case 'member_of_account_audience': {
      const { columns } = ctx.layout;
      return inQuery(
        col('id', featuresAlias(scope, c)),
        select({
          columns: [{ expr: col(columns.userId, 'pm'), alias: null }],
          from: table(CTE.memberships, 'pm'),
          joins: [join('INNER', table(CTE.audience(c.audience), 'pa'), bin('=', col('id', 'pa'), col(columns.groupId, 'pm')))],
        }),
      );
    }
    case 'quantifier': {
      const matching = coalesce(quantifierColumn(scope, c.column), num(0));
      const users = coalesce(usersColumn(scope), num(0));
      switch (c.quantifier) {
        case 'any_user':
          return bin('>=', matching, num(1));
        case 'all_users':
          return and(bin('>=', users, num(1)), bin('=', matching, users));
        case 'no_user':
          return bin('=', matching, num(0));
        case 'at_least_users': {
          const atLeast = c.atLeast ?? { count: 1 };
          if ('count' in atLeast) return bin('>=', matching, num(atLeast.count));
          return and(bin('>=', users, num(1)), bin('>=', bin('*', matching, num(100)), bin('*', users, num(atLeast.percent))));
        }
        default:
          return assertNever(c.quantifier, 'plan node');
      }
    }
    default:
      return assertNever(c, 'plan node');
  }
}
