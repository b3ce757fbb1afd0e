// Which funnels (SPEC §5) an incremental run keeps in the state schema (docs/incremental.md). A
// funnel has no partial that merges: whether a user completed it depends on the order of all of
// that user's events. So the state keeps each user's answer (the steps completed), and a run
// recomputes the funnel from the source only for the users whose answer can have changed since
// the previous run: those with rows new to the run, those whose anonymous ids changed owner, and
// those with an event on an edge that the moving as_of crosses (funnel-refresh.ts says which).
// Warehouse-free and serialisable like the rest of the incremental pass.
import { createHash } from 'node:crypto';
import type { Plan, PlanFunnel } from '../plan.js';
import { CTE } from './cte-names.js';
import type { ArrivalColumns } from './arrival-columns.js';

export interface IncrementalFunnel {
  readonly funnel: PlanFunnel;
  /** Per user, every step count it completed: (id, step) for step = 1 .. the last step reached. */
  readonly stateTable: string;
  /** The step tables, each once, with their arrival columns. */
  readonly tables: readonly { readonly table: string; readonly arrivalColumn: string }[];
}

/** The funnels kept in state, and why each other funnel is read in full. */
export interface FunnelPass {
  readonly funnels: readonly IncrementalFunnel[];
  readonly fallbacks: ReadonlyMap<string, string>;
}

function fallbackReason(plan: Plan, funnel: PlanFunnel, settings: ArrivalColumns, edgesInState: boolean): string | null {
  const { userId } = plan.layout.columns;
  for (const step of funnel.steps) {
    const table = step.match.table;
    if (settings.arrivalColumn(table) === null) return `table ${table} has no arrival column (source.arrival_time)`;
    if (settings.offline) continue; // explain --plan: no catalog, so the columns are taken to fit
    if (plan.columnTypes[table] === undefined) return `the catalog does not know table ${table}`;
    if (plan.columnTypes[table][userId] !== 'string') return `${table}.${userId} is not a string column`;
  }
  // Re-attribution is found by comparing each anonymous id's owner with the one the stored answers used.
  if (plan.identity !== null && !edgesInState) return 'the identity edges are not kept in state (a table lacks an arrival column)';
  return null;
}

/** Every funnel's answer table starts so; pruning (src/incremental/prune-partials.ts) knows its companions by it. */
export const FUNNEL_TABLE_PREFIX = 'inc_funnel_';

function stateTableName(plan: Plan, funnel: PlanFunnel, tables: IncrementalFunnel['tables']): string {
  const signature = JSON.stringify({
    schema: plan.layout.schema,
    columns: plan.layout.columns,
    eventTime: plan.layout.eventTime,
    tables,
    identity: plan.identity === null ? null : { conflict: plan.identity.conflict, edgeTables: plan.identity.edgeTables },
    steps: funnel.steps,
    // NaN and the infinities were values to a step's filters before they were null (finite-values.ts): such tables are rebuilt.
    ...(funnel.steps.some((step) => step.filters.some((f) => f.type === 'number')) ? { nonFinite: 'null' } : {}),
  });
  return `${FUNNEL_TABLE_PREFIX}${createHash('sha256').update(signature).digest('hex').slice(0, 16)}`;
}

/** `edgesInState`: the run reads the identity edges from the facts in state (universe-facts.ts). */
export function funnelPass(plan: Plan, settings: ArrivalColumns, edgesInState: boolean): FunnelPass {
  const funnels: IncrementalFunnel[] = [];
  const fallbacks = new Map<string, string>();
  for (const funnel of plan.funnels) {
    const reason = fallbackReason(plan, funnel, settings, edgesInState);
    if (reason !== null) {
      fallbacks.set(funnel.name, reason);
      continue;
    }
    const names = [...new Set(funnel.steps.map((s) => s.match.table))];
    const tables = names.map((table) => ({ table, arrivalColumn: settings.arrivalColumn(table)! }));
    funnels.push({ funnel, stateTable: stateTableName(plan, funnel, tables), tables });
  }
  return { funnels, fallbacks };
}

/** The funnel whose step CTE (`<funnel>:step_<k>`) a feature reads, if it is kept in state. */
export function keptFunnelOf(pass: FunnelPass, stepCte: string): IncrementalFunnel | undefined {
  return pass.funnels.find((f) => f.funnel.steps.some((_, i) => CTE.funnelStep(f.funnel.name, i + 1) === stepCte));
}

/** The reason a funnel step CTE is read from the source, or null when its funnel is kept in state. */
export function funnelFallbackOf(plan: Plan, pass: FunnelPass, stepCte: string): string | null {
  if (keptFunnelOf(pass, stepCte) !== undefined) return null;
  const funnel = plan.funnels.find((f) => f.steps.some((_, i) => CTE.funnelStep(f.name, i + 1) === stepCte));
  return funnel === undefined ? 'not kept in state' : (pass.fallbacks.get(funnel.name) ?? 'not kept in state');
}
