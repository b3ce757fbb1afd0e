// Refreshing one incremental funnel's answers (funnel-pass.ts), inside the run's transaction.
// A user's answer can change between two runs only if
//   - a row of one of the funnel's step tables that matches a step is new to the run (SPEC §6.1:
//     arrived after the previous watermark minus the lag, no arrival value, or an event time after
//     the previous as_of), attributed to the user as of now;
//   - an anonymous id changed owner (with stitching): its old and its new owner;
//   - the moving as_of crosses one of the user's events: a first step's `within:` window has left
//     it behind, or a `not_performed` step's window after it has elapsed.
// Those users go to the scratch table; their answers are deleted and recomputed with the full
// lowering's funnel over their rows only. Every other user's answer is the previous run's, which is
// exact: their rows and the as_of conditions that apply to them are unchanged.
import { CTE } from '../plan/physical/cte-names.js';
import type { Plan } from '../plan/plan.js';
import type { CommonTableExpression, Expr, Query, TableRef } from '../sql/ast.js';
import { and, bin, col, countAll, deleteFrom, exists, insertInto, not, num, select, str, subquery, table, tableOf, union, withCtes } from '../sql/ast.js';
import { toNumber, type StateWriter } from '../sync/state-sql.js';
import { newness, type PreviousRefresh, type RefreshRecord, type WatermarkReads } from './arrival-sql.js';
import type { IncrementalFunnel } from '../plan/physical/funnel-pass.js';
import { identityCtes, isTouched, recomputeQuery, rowsReadQuery, touchedUsersQuery, type StepRowsOf } from './funnel-sql.js';
import { answerRef, funnelTouchedRef, ownersNowRef, ownersRef } from './funnel-tables.js';

export interface FunnelRefreshOptions {
  readonly plan: Plan;
  readonly schema: string;
  readonly lagSeconds: number;
  /** Every state table's previous refresh (arrival-sql.ts); a funnel's are keyed `<state table>:<source table>`. */
  readonly previous: ReadonlyMap<string, PreviousRefresh>;
  /** The run's watermark reads, shared by every state table it refreshes. */
  readonly watermarks: WatermarkReads;
  /** The run's identity:edges from the facts in state (universe-sql.ts); null without stitching. */
  readonly edges: Query | null;
  /** Count the rows read (rowsRead); false: a run not asked for rows_read, rowsRead 0. Default true. */
  readonly countRowsRead?: boolean;
}

export interface FunnelRefresh {
  readonly rebuilt: boolean;
  /** Users recomputed (all of them on a rebuild: null). */
  readonly recomputedUsers: number | null;
  readonly rowsRead: number;
  /** One per step table, for the run's bookkeeping (recordRefreshes), written with the others. */
  readonly records: readonly RefreshRecord[];
}

export const funnelRefreshKey = (f: IncrementalFunnel, source: string): string => `${f.stateTable}:${source}`;

interface Owners {
  readonly ref: TableRef;
  /** The column prefix: the scratch table's columns are n_-prefixed, so that both can be named unqualified. */
  readonly prefix: string;
}

/** Rows of `one` (under `alias`, or unqualified in a DELETE) whose pair the other owners table lacks. */
function ownersMissingFrom(one: Owners, other: Owners, alias: string | null): Expr {
  return not(exists(
    select({
      columns: [{ expr: num(1), alias: null }],
      from: tableOf(other.ref, 'x'),
      where: and(
        bin('=', col(`${other.prefix}anonymous_id`, 'x'), col(`${one.prefix}anonymous_id`, alias)),
        bin('=', col(`${other.prefix}user_id`, 'x'), col(`${one.prefix}user_id`, alias)),
      ),
    }),
  ));
}

/**
 * With stitching: the owners as of now go to a scratch table; every user who gained or lost an
 * anonymous id is touched; the stored owners become the current ones. On a rebuild only the last.
 */
async function compareOwners(w: StateWriter, schema: string, f: IncrementalFunnel, identity: readonly CommonTableExpression[], rebuild: boolean): Promise<void> {
  const stored = { ref: ownersRef(schema, f), prefix: '' };
  const now = { ref: ownersNowRef(schema, f), prefix: 'n_' };
  await w.run(deleteFrom(now.ref));
  const owners = select({ columns: [{ expr: col('anonymous_id', 'o'), alias: 'anonymous_id' }, { expr: col('user_id', 'o'), alias: 'user_id' }], from: table(CTE.identityOwners, 'o') });
  await w.run(insertInto(now.ref, ['n_anonymous_id', 'n_user_id'], withCtes(identity, owners)));
  if (rebuild) {
    await w.run(deleteFrom(stored.ref));
  } else {
    const gained = select({ columns: [{ expr: str(f.stateTable), alias: 'funnel_table' }, { expr: col('n_user_id', 'n'), alias: 'touched_id' }], from: tableOf(now.ref, 'n'), where: ownersMissingFrom(now, stored, 'n') });
    const lost = select({ columns: [{ expr: str(f.stateTable), alias: 'funnel_table' }, { expr: col('user_id', 's'), alias: 'touched_id' }], from: tableOf(stored.ref, 's'), where: ownersMissingFrom(stored, now, 's') });
    await w.run(insertInto(funnelTouchedRef(schema), ['funnel_table', 'touched_id'], union([gained, lost])));
    await w.run(deleteFrom(stored.ref, ownersMissingFrom(stored, now, null)));
  }
  const added = select({ columns: [{ expr: col('n_anonymous_id', 'n'), alias: 'anonymous_id' }, { expr: col('n_user_id', 'n'), alias: 'user_id' }], from: tableOf(now.ref, 'n'), where: rebuild ? null : ownersMissingFrom(now, stored, 'n') });
  await w.run(insertInto(stored.ref, ['anonymous_id', 'user_id'], added));
  await w.run(deleteFrom(now.ref));
}

export async function refreshFunnel(w: StateWriter, f: IncrementalFunnel, options: FunnelRefreshOptions): Promise<FunnelRefresh> {
  const { plan, schema } = options;
  const identity = identityCtes(plan, options.edges);
  const time = col(plan.layout.eventTime, 'r');
  const tables = f.tables.map((t) => {
    const n = newness(options.previous.get(funnelRefreshKey(f, t.table)) ?? null, plan.asOf, options.lagSeconds, col(t.arrivalColumn, 'r'), time, (p) => p);
    return { ...t, n };
  });
  // One table without a usable previous refresh (new funnel, earlier as_of) rebuilds the funnel.
  const previousAsOf = tables.every((t) => t.n.previous !== null) ? new Set(tables.map((t) => t.n.previous!.asOf)) : null;
  const rebuild = previousAsOf === null || previousAsOf.size !== 1;
  const watermarks = new Map<string, string | null>();
  for (const t of tables) watermarks.set(t.table, await options.watermarks.read(plan.layout.schema, t.table, t.arrivalColumn, t.n));

  const touched = funnelTouchedRef(schema);
  const mine = bin('=', col('funnel_table'), str(f.stateTable));
  const answers = answerRef(schema, f);
  await w.run(deleteFrom(touched, mine));
  const rowsOf = (t: (typeof tables)[number]): StepRowsOf =>
    rebuild ? { table: t.table, isNew: null, previousAsOf: null } : { table: t.table, isNew: t.n.isNew, newBranches: w.printer.prunesBlocksByRange ? t.n.branches : null, previousAsOf: Date.parse([...previousAsOf!][0]) };
  if (!rebuild) for (const t of tables) await w.run(insertInto(touched, ['funnel_table', 'touched_id'], touchedUsersQuery(plan, f, rowsOf(t), identity)));
  if (plan.identity !== null) await compareOwners(w, schema, f, identity, rebuild);

  let recomputedUsers: number | null = null;
  if (rebuild) {
    await w.run(deleteFrom(answers));
    await w.run(insertInto(answers, ['id', 'step'], recomputeQuery(plan, f, identity, null)));
    await w.refreshStatistics(answers); // written whole: partial-refresh.ts says why
  } else {
    const only = (user: Expr) => isTouched(schema, f, user);
    await w.run(deleteFrom(answers, only(col('id'))));
    await w.run(insertInto(answers, ['id', 'step'], recomputeQuery(plan, f, identity, only)));
    const users = select({ distinct: true, columns: [{ expr: col('touched_id', 't'), alias: 'id' }], from: tableOf(touched, 't'), where: bin('=', col('funnel_table', 't'), str(f.stateTable)) });
    const count = await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: subquery(users, 'u') }));
    recomputedUsers = toNumber(count[0]?.n);
  }
  let rowsRead = 0;
  for (const t of options.countRowsRead === false ? [] : tables) {
    for (const part of await w.rows(rowsReadQuery(plan, f, rowsOf(t), identity, schema))) rowsRead += toNumber(part.n);
  }
  await w.run(deleteFrom(touched, mine));
  const records = tables.map((t) => ({ key: funnelRefreshKey(f, t.table), sourceTable: t.table, asOf: plan.asOf, watermark: watermarks.get(t.table) ?? null }));
  return { rebuilt: rebuild, recomputedUsers, rowsRead, records };
}
