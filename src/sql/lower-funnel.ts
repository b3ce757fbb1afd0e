// Funnels (SPEC §5) -> CTEs. Each step reads its own events once; a step's instances that follow
// some instance of the previous step are a semi-join (EXISTS) on the user and the window
// `prev.t < e.t <= prev.t + W`, so a user with many events never multiplies rows as a join would.
// A `not_performed` last step is the anti-join (a LEFT JOIN whose unmatched rows are kept), over
// the previous step's instances whose window has fully elapsed. `<funnel>:step_<k>` holds the users who completed the first k steps.
import { assertNever } from '../diagnostics/assert-never.js';
import { CTE } from '../plan/physical/cte-names.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import type { Plan, PlanFunnel, PlanFunnelStep } from '../plan/plan.js';
import { addSeconds, and, bin, col, exists, isNull, join, num, select, subquery, table, ts, type CommonTableExpression, type Expr, type FromItem, type Select } from './ast.js';

export interface FunnelLoweringContext {
  readonly plan: Plan;
  /** The physical table `name` of the source schema, under `alias`. */
  source(name: string, alias: string): FromItem;
  /** Conjuncts of a step's own match: event name, first-step window, property filters. */
  matchParts(step: PlanFunnelStep, alias: string): Expr[];
}

const plusWindow = (expr: Expr, step: PlanFunnelStep): Expr => addSeconds(expr, windowSeconds(step));

function windowSeconds(step: PlanFunnelStep): number {
  if (step.window?.kind !== 'within') throw new Error('a later funnel step has a within window (checked at parse)');
  return step.window.seconds;
}

type InstancesCte = Extract<PhysicalCte, { kind: 'funnel_instances' }>;
type StepCte = Extract<PhysicalCte, { kind: 'funnel_step' }>;

/** The SQL pieces of one funnel's CTEs. */
function funnelParts(ctx: FunnelLoweringContext, funnel: PlanFunnel) {
  const { layout, asOf } = ctx.plan;
  const userId = (alias: string) => col(layout.columns.userId, alias);
  const time = (alias: string) => col(layout.eventTime, alias);
  const comment = (what: string) => `funnel ${funnel.name} (${funnel.file}): ${what}`;
  /** Rows of step k's table that match the step and exist at as_of. */
  const matching = (k: number, alias: string): Expr[] => [
    bin('<=', time(alias), ts(asOf)),
    isNull(userId(alias), true),
    // a later step's window is measured from the previous step, not from as_of
    ...ctx.matchParts(k === 1 ? funnel.steps[0] : { ...funnel.steps[k - 1], window: null }, alias),
  ];
  /** Step k's instances that follow an instance of step k - 1 within step k's window. */
  const follows = (k: number): Expr =>
    exists(
      select({
        columns: [{ expr: num(1), alias: null }],
        from: table(CTE.funnelInstances(funnel.name, k - 1), 'p'),
        where: and(
          bin('=', col('id', 'p'), userId('e')),
          bin('<', col('t', 'p'), time('e')),
          bin('<=', time('e'), plusWindow(col('t', 'p'), funnel.steps[k - 1])),
        ),
      }),
    );
  const stepRows = (k: number): Pick<Select, 'from' | 'where'> => ({
    from: ctx.source(funnel.steps[k - 1].match.table, 'e'),
    where: and(...matching(k, 'e'), ...(k > 1 ? [follows(k)] : [])),
  });
  return { userId, time, comment, matching, stepRows };
}

function funnelNamed(ctx: FunnelLoweringContext, name: string): PlanFunnel {
  const funnel = ctx.plan.funnels.find((f) => f.name === name);
  if (funnel === undefined) throw new Error(`internal error: the plan has no funnel "${name}"`);
  return funnel;
}

/** The instances (user, time) of step k, those of a later step following the previous step's. */
export function funnelInstancesCte(ctx: FunnelLoweringContext, node: InstancesCte): CommonTableExpression {
  const funnel = funnelNamed(ctx, node.funnel);
  const k = node.step;
  const { userId, time, comment, stepRows } = funnelParts(ctx, funnel);
  return {
    name: node.name,
    comment: comment(`instances of step ${k}${k > 1 ? ' that follow the previous step' : ''}`),
    query: select({ columns: [{ expr: userId('e'), alias: 'id' }, { expr: time('e'), alias: 't' }], ...stepRows(k) }),
  };
}

/** The users who completed the first k steps. */
export function funnelStepCte(ctx: FunnelLoweringContext, node: StepCte): CommonTableExpression {
  const funnel = funnelNamed(ctx, node.funnel);
  const k = node.step;
  const step = funnel.steps[k - 1];
  const { userId, time, comment, matching, stepRows } = funnelParts(ctx, funnel);
  const reached = (query: Select): CommonTableExpression => ({ name: node.name, comment: comment(`users who completed step ${k}`), query });
  switch (node.strategy) {
    case 'not_performed': {
      // No instance of step k in (p.t, p.t + W], the window over by as_of: the previous step's
      // instances that a LEFT JOIN to step k's events leaves unmatched. DuckDB decorrelated the
      // NOT EXISTS form into a DISTINCT of every (user, time) and two more joins (1.4-1.6x the
      // hand-written anti-join at SF 1; this form about 1.05x, BENCHMARKS.md "The funnel's anti-join");
      // Postgres plans LEFT JOIN ... IS NULL on a strict join key as an anti-join. The key is never
      // null on a matched row (the step's events have a user id), so IS NULL means unmatched.
      const end = plusWindow(col('t', 'p'), step);
      const events = select({ columns: [{ expr: userId('e'), alias: 'id' }, { expr: time('e'), alias: 't' }], from: ctx.source(step.match.table, 'e'), where: and(...matching(k, 'e')) });
      const within = and(bin('=', col('id', 'n'), col('id', 'p')), bin('>', col('t', 'n'), col('t', 'p')), bin('<=', col('t', 'n'), end));
      return reached(
        select({
          distinct: true,
          columns: [{ expr: col('id', 'p'), alias: 'id' }, { expr: num(1), alias: 'reached' }],
          from: table(CTE.funnelInstances(funnel.name, k - 1), 'p'),
          joins: [join('LEFT', subquery(events, 'n'), within)],
          where: and(bin('<=', end, ts(ctx.plan.asOf)), isNull(col('id', 'n'))),
        }),
      );
    }
    case 'last_step_users':
      return reached(select({ distinct: true, columns: [{ expr: userId('e'), alias: 'id' }, { expr: num(1), alias: 'reached' }], ...stepRows(k) }));
    case 'distinct_instances': {
      const from = table(CTE.funnelInstances(funnel.name, k), 'i');
      return reached(select({ distinct: true, columns: [{ expr: col('id', 'i'), alias: 'id' }, { expr: num(1), alias: 'reached' }], from }));
    }
    default:
      return assertNever(node.strategy, 'funnel step strategy');
  }
}
