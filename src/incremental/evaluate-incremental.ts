// The incremental engine's entry point (SPEC §6.1, docs/incremental.md). Inside the run's
// transaction it refreshes every incremental scan's partials and then rewrites the compiled
// statement (members or sync staging, whichever the caller compiled) so that those scans' CTEs
// read partials and raw edge rows instead of the whole source. Everything else of the statement
// is the full lowering's, unchanged: the answer is the full statement's, by construction.
import type { Plan } from '../plan/plan.js';
import type { Expr, With } from '../sql/ast.js';
import { and, bin, col, countAll, or, select, table, ts } from '../sql/ast.js';
import { toNumber, type StateWriter } from '../sync/state-sql.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { incrementalPass, type IncrementalPlan, type IncrementalScan } from './incremental-pass.js';
import { factDdl, factRefreshKey, planFacts, refreshFact, type Fact } from './universe-facts.js';
import { factCtes } from './universe-sql.js';
import type { IncrementalSettings } from './incremental-settings.js';
import { mergedScanQuery } from './merge-sql.js';
import { eventNarrowing, eventTimeOf, hasRawKey, rawRegion, scanRowCondition } from './partial-columns.js';
import { readPreviousRefreshes } from './arrival-sql.js';
import { refreshScan, type RefreshResult } from './partial-refresh.js';
import { incrementalDdl } from './partial-tables.js';
import { replaceCtes, sourceReferences } from './rewrite-ctes.js';

/**
 * Deliberate faults, for tests only (never reachable from the CLI or quorum.yml): each must make
 * the hand-built history of test/incremental/incremental-engine.test.ts fail.
 */
export type IncrementalMutation = 'ignore-arrival-lag' | 'skip-edge-bucket';

export interface IncrementalOptions {
  readonly plan: Plan;
  readonly stateSchema: string;
  readonly settings: IncrementalSettings;
  /** Rebuild every partial from the source (a full run keeps the partials for the next one). */
  readonly rebuild?: boolean;
  readonly mutation?: IncrementalMutation;
}

export interface ScanRefresh extends RefreshResult {
  readonly cte: string;
  readonly table: string;
  readonly partialTable: string;
}

export interface IncrementalRun {
  readonly pass: IncrementalPlan;
  readonly refreshes: readonly ScanRefresh[];
  /** The statement with every incremental scan read from partials; the rest as compiled. */
  rewrite(statement: With): With;
}

/** What a run keeps in state for a plan: the scans' partials and the universe facts. */
export function planIncremental(plan: Plan, settings: IncrementalSettings): { pass: IncrementalPlan; facts: Fact[] } {
  const facts = planFacts(plan, settings);
  const fromState = [...factCtes(plan, 'state', facts).keys()];
  return { pass: incrementalPass(plan, settings, fromState), facts };
}

/** CREATE ... IF NOT EXISTS of the incremental state tables: before the run's transaction, like the other state tables. */
export async function ensureIncrementalTables(connection: WarehouseConnection, options: Pick<IncrementalOptions, 'plan' | 'stateSchema' | 'settings'>): Promise<IncrementalPlan> {
  const { pass, facts } = planIncremental(options.plan, options.settings);
  const ddl = [...incrementalDdl(options.plan, options.stateSchema, pass.scans), ...factDdl(options.stateSchema, facts)];
  for (const d of ddl) await connection.execute(connection.dialect.printer.printDdl(d));
  return pass;
}

/** Refreshes the partials (inside the caller's transaction) and returns how to rewrite the statement. */
export async function refreshIncremental(w: StateWriter, options: IncrementalOptions): Promise<IncrementalRun> {
  const { plan, stateSchema: schema } = options;
  const { pass, facts } = planIncremental(plan, options.settings);
  const previous = options.rebuild ? new Map() : await readPreviousRefreshes(w, schema);
  const lagSeconds = options.mutation === 'ignore-arrival-lag' ? 0 : options.settings.arrivalLagSeconds;
  const refreshes: ScanRefresh[] = [];
  for (const s of pass.scans) {
    const result = await refreshScan(w, s, { plan, schema, lagSeconds, previous: previous.get(s.partialTable) ?? null });
    refreshes.push({ ...result, cte: s.scan.name, table: s.table, partialTable: s.partialTable });
  }
  for (const f of facts) {
    for (const source of f.sources) {
      const read = await refreshFact(w, plan, schema, f, source, previous.get(factRefreshKey(f, source)) ?? null, lagSeconds);
      refreshes.push({ cte: f.kind, table: source.table, partialTable: f.stateTable, rebuilt: !previous.has(factRefreshKey(f, source)), touchedPairs: 0, rowsRead: read });
    }
  }
  const mergeOptions = { skipEdgeBucket: options.mutation === 'skip-edge-bucket' };
  const replacements = new Map([
    ...factCtes(plan, schema, facts),
    ...pass.scans.map((s) => [s.scan.name, { query: mergedScanQuery(plan, schema, s, mergeOptions), comment: `${s.scan.name} from the partials in ${schema}.${s.partialTable} and the raw rows of the days they do not cover` }] as const),
  ]);
  return { pass, refreshes, rewrite: (statement) => replaceCtes(statement, replacements) };
}

/** Rows of a scan's table that its merge reads raw: the edge and open days inside its windows. */
function rawRowsCondition(plan: Plan, s: IncrementalScan): Expr {
  const ctx = { plan, table: s.table, alias: 'e' };
  const regions = [s.presence, ...s.measures].map((p) => rawRegion(p, ctx));
  return and(hasRawKey(ctx), ...eventNarrowing(s, ctx), ...scanRowCondition(s, ctx), bin('<=', eventTimeOf(ctx), ts(plan.asOf)), or(...regions));
}

/**
 * Rows a statement reads from source tables, as quorum counts them (`rows_read`): a CTE that reads
 * a source table reads its rows up to as_of (once per CTE); a scan read from partials reads only its
 * raw days, plus what its refresh read. Counted by separate COUNT(*) queries on the same snapshot.
 */
export async function rowsRead(w: StateWriter, plan: Plan, statement: With, run: IncrementalRun | null): Promise<number> {
  const incremental = new Map((run?.pass.scans ?? []).map((s) => [s.scan.name, s]));
  const count = async (name: string, where: Expr | null): Promise<number> => {
    const rows = await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: table(name, 'e', plan.layout.schema), where }));
    return toNumber(rows[0]?.n);
  };
  const upToAsOf = new Map<string, number>();
  let total = (run?.refreshes ?? []).reduce((sum, r) => sum + r.rowsRead, 0);
  for (const cte of statement.ctes) {
    const s = incremental.get(cte.name);
    if (s !== undefined) {
      total += await count(s.table, rawRowsCondition(plan, s));
      continue;
    }
    for (const name of sourceReferences(cte.query, plan.layout.schema)) {
      if (!upToAsOf.has(name)) upToAsOf.set(name, await count(name, bin('<=', col(plan.layout.eventTime, 'e'), ts(plan.asOf))));
      total += upToAsOf.get(name)!;
    }
  }
  return total;
}
