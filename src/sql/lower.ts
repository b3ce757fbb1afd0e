// Physical plan -> SQL AST. One WITH statement: each CTE of the physical plan translated by the
// translator of its kind (lower-<kind>.ts), then the body chosen by the caller: members of the
// outputs, a per-condition breakdown, or every value behind one entity. Every choice of shape was
// made by the physical plan's passes (src/plan/physical/); nothing here decides again.
import { assertNever } from '../diagnostics/assert-never.js';
import { buildPhysicalPlan } from '../plan/physical/build-physical-plan.js';
import { cteOfKind, type Body, type PhysicalCte, type PhysicalPlan } from '../plan/physical/physical-plan.js';
import type { Plan } from '../plan/plan.js';
import {
  bin,
  cast,
  coalesce,
  col,
  countAll,
  NULL,
  num,
  select,
  str,
  table,
  toJsonText,
  union,
  withCtes,
  type CommonTableExpression,
  type Query,
  type SelectColumn,
  type With,
} from './ast.js';
import { audienceCte, audienceFrom, audienceScope, quantifiersCte } from './lower-audience.js';
import { condition, labelConditions, quantifierColumn, usersColumn } from './lower-condition.js';
import { LowerContext } from './lower-context.js';
import { featuresCte } from './lower-features.js';
import { funnelInstancesCte, funnelStepCte, type FunnelLoweringContext } from './lower-funnel.js';
import { identityEdgesCte, identityOwnersCte } from './lower-identity.js';
import { rankedCte } from './lower-ranked.js';
import { featureValue, outputValue } from './lower-values.js';
import { eventScanCte, userGroupsCte, userScanFromGroupsCte } from './lower-scan.js';
import { accountUniverseCte, customTraitCte, membershipsCte, sqlTraitCte, userUniverseCte } from './lower-universe.js';

export type { Body } from '../plan/physical/physical-plan.js';
export { labelConditions, type LabelledCondition } from './lower-condition.js';
export { comparison, filterCondition, literalFor } from './lower-literals.js';
export { sqlTraitQuery } from './lower-universe.js';

/** The statement, and the physical plan it was translated from (where each output's rows are). */
export interface LoweredStatement {
  readonly statement: With;
  readonly physical: PhysicalPlan;
}

function cteOf(ctx: LowerContext, funnels: FunnelLoweringContext, node: PhysicalCte): CommonTableExpression {
  switch (node.kind) {
    case 'sql_trait':
      return sqlTraitCte(ctx, node);
    case 'identity_edges':
      return identityEdgesCte(ctx.plan);
    case 'identity_owners':
      return identityOwnersCte(ctx.plan);
    case 'user_universe':
      return userUniverseCte(ctx);
    case 'account_universe':
      return accountUniverseCte(ctx);
    case 'memberships':
      return membershipsCte(ctx);
    case 'custom_traits':
      return customTraitCte(ctx, node);
    case 'event_scan':
      return eventScanCte(ctx, node);
    case 'user_groups':
      return userGroupsCte(ctx, node);
    case 'user_scan_from_groups':
      return userScanFromGroupsCte(ctx, node);
    case 'ranked':
      return rankedCte(ctx, node);
    case 'funnel_instances':
      return funnelInstancesCte(funnels, node);
    case 'funnel_step':
      return funnelStepCte(funnels, node);
    case 'features':
      return featuresCte(ctx, node);
    case 'quantifiers':
      return quantifiersCte(ctx, node);
    case 'audience':
      return audienceCte(ctx, node);
    default:
      return assertNever(node, 'physical CTE');
  }
}

function membersBody(ctx: LowerContext): Query {
  const queries: Query[] = ctx.physical.outputs.map((o) => {
    const output = ctx.plan.outputs.find((p) => p.name === o.name);
    if (output === undefined) throw new Error(`internal error: the plan has no output "${o.name}"`);
    if (output.kind === 'audience') {
      return select({
        columns: [
          { expr: str(o.name), alias: 'definition' },
          { expr: col('id', 'a'), alias: 'id' },
          { expr: cast(NULL, 'string'), alias: 'value' },
        ],
        from: table(o.cte, 'a'),
      });
    }
    return select({
      columns: [
        { expr: str(o.name), alias: 'definition' },
        { expr: col('id', 'f'), alias: 'id' },
        { expr: toJsonText(outputValue(ctx.plan, output, 'f')), alias: 'value' },
      ],
      from: table(o.cte, 'f'),
    });
  });
  return queries.length === 1 ? queries[0] : union(queries);
}

function audienceNode(ctx: LowerContext, name: string) {
  const a = ctx.plan.audiences.find((x) => x.name === name);
  if (!a) throw new Error(`audience ${name} is not in the plan`);
  const node = ctx.physical.ctes.find((c) => c.kind === 'audience' && c.audience === name);
  if (node === undefined) throw new Error(`internal error: the physical plan has no CTE for audience "${name}"`);
  return { a, node: cteOfKind(node, 'audience') };
}

function breakdownBody(ctx: LowerContext, name: string): Query {
  const { a, node } = audienceNode(ctx, name);
  const columns: SelectColumn[] = [{ expr: countAll(), alias: 'entities' }];
  for (const c of labelConditions(a.condition))
    columns.push({ expr: countAll(condition(ctx, c.node, audienceScope(node))), alias: c.column });
  return select({ columns, ...audienceFrom(a, node) });
}

function explainBody(ctx: LowerContext, name: string, id: string): Query {
  const { a, node } = audienceNode(ctx, name);
  const scope = audienceScope(node);
  const columns: SelectColumn[] = [{ expr: col('id', 'f'), alias: 'id' }];
  for (const c of labelConditions(a.condition)) columns.push({ expr: condition(ctx, c.node, scope), alias: c.column });
  for (const f of ctx.plan.features.filter((x) => x.level === a.level))
    columns.push({ expr: toJsonText(featureValue(f, col(f.column, 'f'))), alias: f.column });
  if (a.quantifiers.length > 0) {
    columns.push({ expr: coalesce(usersColumn(scope), num(0)), alias: 'users' });
    for (const q of a.quantifiers) columns.push({ expr: coalesce(quantifierColumn(scope, q.column), num(0)), alias: q.column });
  }
  return select({ columns, ...audienceFrom(a, node), where: bin('=', col('id', 'f'), str(id)) });
}

/** Translate a physical plan of `plan` into its statement. */
export function translatePlan(plan: Plan, physical: PhysicalPlan): With {
  const ctx = new LowerContext(plan, physical);
  const funnels: FunnelLoweringContext = {
    plan,
    source: (name, alias) => ctx.source(name, alias),
    matchParts: (step, alias) => ctx.matchParts({ ...step, groupContext: false }, alias),
  };
  const ctes = physical.ctes.map((node) => cteOf(ctx, funnels, node));
  const body = physical.body;
  switch (body.kind) {
    case 'members':
      return withCtes(ctes, membersBody(ctx));
    case 'breakdown':
      return withCtes(ctes, breakdownBody(ctx, body.audience));
    case 'explain':
      return withCtes(ctes, explainBody(ctx, body.audience, body.id));
    default:
      return assertNever(body, 'statement body');
  }
}

export function lowerStatement(plan: Plan, body: Body = { kind: 'members' }): LoweredStatement {
  const physical = buildPhysicalPlan(plan, body);
  return { statement: translatePlan(plan, physical), physical };
}

export function lowerPlan(plan: Plan, body: Body = { kind: 'members' }): With {
  return lowerStatement(plan, body).statement;
}
