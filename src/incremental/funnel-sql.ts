// The statements of an incremental funnel (funnel-pass.ts), warehouse-free. The funnel itself is
// always the full lowering's (src/sql/lower-funnel.ts), so a recomputed user's answer is the full
// statement's by construction; what is new here is only which users are recomputed and where the
// answers are kept.
import { CTE } from '../plan/physical/cte-names.js';
import { buildPhysicalPlan } from '../plan/physical/build-physical-plan.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import type { Plan } from '../plan/plan.js';
import type { CommonTableExpression, Expr, FromItem, Query } from '../sql/ast.js';
import { and, bin, coalesce, col, countAll, exists, isNull, join, num, or, select, str, table, tableOf, ts, union, withCtes } from '../sql/ast.js';
import { LowerContext } from '../sql/lower-context.js';
import { funnelInstancesCte, funnelStepCte, type FunnelLoweringContext } from '../sql/lower-funnel.js';
import { identityOwnersCte } from '../sql/lower-identity.js';
import { isoOf } from './arrival-sql.js';
import type { IncrementalFunnel } from '../plan/physical/funnel-pass.js';
import { answerRef, funnelTouchedRef } from './funnel-tables.js';
import { stitches } from './partial-columns.js';

/** The identity CTEs every stitched read goes through: the edges from the facts in state, and each anonymous id's owner. */
export function identityCtes(plan: Plan, edges: Query | null): CommonTableExpression[] {
  if (plan.identity === null) return [];
  if (edges === null) throw new Error('internal error: an incremental funnel with stitching needs the identity edges in state');
  return [{ name: CTE.identityEdges, comment: 'identity edges at as_of, from the facts in state', query: edges }, identityOwnersCte(plan)];
}

/** Users of this funnel that the run recomputes (the scratch table). */
export function isTouched(schema: string, f: IncrementalFunnel, user: Expr): Expr {
  const t = funnelTouchedRef(schema);
  return exists(
    select({
      columns: [{ expr: num(1), alias: null }],
      from: tableOf(t, 't'),
      where: and(bin('=', col('funnel_table', 't'), str(f.stateTable)), bin('=', col('touched_id', 't'), user)),
    }),
  );
}

function lowering(plan: Plan): LowerContext {
  return new LowerContext(plan, buildPhysicalPlan(plan, { kind: 'members' }));
}

/**
 * Every step's users of the funnel, (id, step), as the full lowering computes them; with
 * `only`, reading only the rows of those users (the same answer for them, none for the others).
 */
export function recomputeQuery(plan: Plan, f: IncrementalFunnel, identity: readonly CommonTableExpression[], only: ((user: Expr) => Expr) | null): Query {
  const lower = lowering(plan);
  const userId = plan.layout.columns.userId;
  const ctx: FunnelLoweringContext = {
    plan,
    source: (name, alias) => lower.source(name, alias),
    matchParts: (step, alias) => [...lower.matchParts({ ...step, groupContext: false }, alias), ...(only === null ? [] : [only(col(userId, alias))])],
  };
  const { name, steps } = f.funnel;
  const n = steps.length;
  const ctes: CommonTableExpression[] = [];
  const common = { inputs: [], reason: 'an incremental funnel recomputed for the users whose answer may have changed' };
  for (let k = 1; k <= n; k += 1) {
    const step = (strategy: Extract<PhysicalCte, { kind: 'funnel_step' }>['strategy']) =>
      funnelStepCte(ctx, { kind: 'funnel_step', name: CTE.funnelStep(name, k), funnel: name, step: k, strategy, ...common });
    if (steps[k - 1].negated) ctes.push(step('not_performed'));
    else if (k === n) ctes.push(step('last_step_users'));
    else {
      const strategy = k === 1 ? 'first_step_rows' : 'follow_previous_step';
      ctes.push(funnelInstancesCte(ctx, { kind: 'funnel_instances', name: CTE.funnelInstances(name, k), funnel: name, step: k, strategy, ...common }), step('distinct_instances'));
    }
  }
  const answers = steps.map((_, i) =>
    select({ columns: [{ expr: col('id', 's'), alias: 'id' }, { expr: num(i + 1), alias: 'step' }], from: table(CTE.funnelStep(name, i + 1), 's') }),
  );
  return withCtes([...identity, ...ctes], union(answers));
}

/** A step CTE of the statement, read from the kept answers: same columns (id, reached) and rows. */
export function stepFromState(schema: string, f: IncrementalFunnel, step: number): Query {
  return select({
    columns: [{ expr: col('id', 'a'), alias: 'id' }, { expr: num(1), alias: 'reached' }],
    from: tableOf(answerRef(schema, f), 'a'),
    where: bin('=', col('step', 'a'), num(step)),
  });
}

/** What makes a row of one step table matter to a run (the rows are the table's, under alias `r`). */
export interface StepRowsOf {
  readonly table: string;
  /** Rows new to the run (arrival-sql.ts newness), or null: read every row (a rebuild). */
  readonly isNew: Expr | null;
  /** The same rows as disjoint ranges of one column each (Newness.branches); null: isNew as one condition. */
  readonly newBranches?: readonly Expr[] | null;
  /** The previous run's as_of (ms); null on a rebuild. */
  readonly previousAsOf: number | null;
}

/** The table's rows as the funnel sees them: each with its user, its own or (stitching) its anonymous id's owner's. */
function stitchedRows(plan: Plan, name: string): { from: FromItem; joins: ReturnType<typeof join>[]; user: Expr } {
  const { columns, schema } = plan.layout;
  const raw = (c: string) => col(c, 'r');
  if (!stitches({ plan, table: name, alias: 'r' })) return { from: table(name, 'r', schema), joins: [], user: raw(columns.userId) };
  const owner = join('LEFT', table(CTE.identityOwners, 'o'), bin('=', col('anonymous_id', 'o'), raw(columns.anonymousId)));
  return { from: table(name, 'r', schema), joins: [owner], user: coalesce(raw(columns.userId), col('user_id', 'o')) };
}

/**
 * Rows of a step table whose user's answer may differ from the previous run's, step by step: new
 * to the run, or crossed by the moving as_of: a first step's `within:` window leaving them behind,
 * or a `not_performed` step's window after them elapsing. Every other condition of a funnel is
 * fixed once its rows exist (later steps are measured from the previous step, not from as_of).
 */
function mattersNow(plan: Plan, f: IncrementalFunnel, rows: StepRowsOf, lower: LowerContext): Expr {
  return and(bin('<=', col(plan.layout.eventTime, 'r'), ts(plan.asOf)), or(...mattersNowRanges(plan, f, rows, lower)));
}

/** mattersNow's disjuncts, one per step and per range (a newness branch or a crossed window), none on a rebuild. */
function mattersNowRanges(plan: Plan, f: IncrementalFunnel, rows: StepRowsOf, lower: LowerContext): Expr[] {
  const time = col(plan.layout.eventTime, 'r');
  const asOf = Date.parse(plan.asOf);
  const crossed = (seconds: number): Expr[] =>
    rows.previousAsOf === null ? [] : [and(bin('>', time, ts(isoOf(rows.previousAsOf - seconds * 1000))), bin('<=', time, ts(isoOf(asOf - seconds * 1000))))];
  const { steps } = f.funnel;
  return steps.flatMap((step, i) => {
    if (step.match.table !== rows.table) return [];
    const match = lower.matchParts({ ...step, window: null, groupContext: false }, 'r');
    if (rows.isNew === null) return [and(...match)];
    const edges: Expr[] = [];
    if (i === 0 && step.window?.kind === 'within') edges.push(...crossed(step.window.seconds));
    const next = steps[i + 1];
    if (next?.negated && next.window?.kind === 'within') edges.push(...crossed(next.window.seconds));
    return [...(rows.newBranches ?? [rows.isNew]), ...edges].map((range) => and(...match, range));
  });
}

/**
 * INSERT source: this funnel's users with a row of the table that matters now (the scratch table's
 * columns), one read per range so that an engine skips the blocks outside it.
 */
export function touchedUsersQuery(plan: Plan, f: IncrementalFunnel, rows: StepRowsOf, identity: readonly CommonTableExpression[]): Query {
  const { from, joins, user } = stitchedRows(plan, rows.table);
  const upToAsOf = bin('<=', col(plan.layout.eventTime, 'r'), ts(plan.asOf));
  const ranges = mattersNowRanges(plan, f, rows, lowering(plan));
  const usersWhere = (range: Expr): Query =>
    select({
      distinct: true,
      columns: [{ expr: str(f.stateTable), alias: 'funnel_table' }, { expr: user, alias: 'touched_id' }],
      from,
      joins,
      where: and(isNull(user, true), upToAsOf, range),
    });
  const query = ranges.length === 1 ? usersWhere(ranges[0]) : union(ranges.map(usersWhere), false);
  return joins.length === 0 ? query : withCtes(identity, query);
}

/**
 * Rows of the table the run reads for the funnel (rows_read): those that matter now and those of
 * the recomputed users, as rows of counts to add up. Every user with a row that matters now is
 * touched by then (touchedUsersQuery), so they are counted as the touched users' rows plus the rows
 * that matter now without a user: written as one condition, `matters now OR touched` made DuckDB
 * probe the touched users for every row of the table (146 of the 50-definition bench run's 495 ms
 * of counting, for one funnel).
 */
export function rowsReadQuery(plan: Plan, f: IncrementalFunnel, rows: StepRowsOf, identity: readonly CommonTableExpression[], schema: string): Query {
  const { from, joins, user } = stitchedRows(plan, rows.table);
  const anyStep = mattersNow(plan, f, { ...rows, isNew: null }, lowering(plan));
  const count = (where: Expr) => select({ columns: [{ expr: countAll(), alias: 'n' }], from, joins, where });
  const query =
    rows.isNew === null
      ? count(anyStep)
      : union([count(and(anyStep, isTouched(schema, f, user))), count(and(anyStep, isNull(user), mattersNow(plan, f, rows, lowering(plan))))]);
  return joins.length === 0 ? query : withCtes(identity, query);
}
