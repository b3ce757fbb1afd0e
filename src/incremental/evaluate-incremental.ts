// The incremental engine's entry point (SPEC §6.1, docs/incremental.md). Inside the run's
// transaction it refreshes every incremental scan's partials and then rewrites the compiled
// statement (members or sync staging, whichever the caller compiled) so that those scans' CTEs
// read partials and raw edge rows instead of the whole source. Everything else of the statement
// is the full lowering's, unchanged: the answer is the full statement's, by construction.
import { CTE } from '../plan/physical/cte-names.js';
import type { Plan } from '../plan/plan.js';
import type { Expr, Query, TableRef, With } from '../sql/ast.js';
import { aggregate, and, bin, col, countAll, deleteFrom, select, table, tableOf, ts } from '../sql/ast.js';
import { sourceType } from '../sql/source-text.js';
import { toNumber, type StateWriter } from '../sync/state-sql.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { featuresRead, incrementalPass, type IncrementalPlan, type IncrementalScan } from '../plan/physical/incremental-pass.js';
import { gateOpen } from '../plan/physical/read-gate.js';
import { factDdl, factRef, factRefreshKey, planFacts, refreshFact, type Fact } from './universe-facts.js';
import { factCtes } from './universe-sql.js';
import type { IncrementalSettings } from './incremental-settings.js';
import { amongRead, mergedScanQuery } from './merge-sql.js';
import { eventNarrowing, eventTimeOf, hasRawKey, rawDays, scanRowCondition } from './partial-columns.js';
import { readPreviousRefreshes, recordRefreshes, WatermarkReads, type RefreshRecord } from './arrival-sql.js';
import { refreshScan, type RefreshResult } from './partial-refresh.js';
import type { CompactionMutation } from './partial-compaction.js';
import { incrementalDdl, touchedRef } from './partial-tables.js';
import { pruneStaleTables } from './prune-partials.js';
import { funnelRefreshKey, refreshFunnel } from './funnel-refresh.js';
import { stepFromState } from './funnel-sql.js';
import { funnelDdl } from './funnel-tables.js';
import { cteReferences, narrowCtes, replaceCtes, sourceReferences, type Narrowing } from './rewrite-ctes.js';
import { entityScopeDdl, type EntityScopeMutation } from './entity-scope.js';

/**
 * Deliberate faults, for tests only (never reachable from the CLI or quorum.yml): each must make
 * the hand-built history of test/incremental/incremental-engine.test.ts fail.
 */
export type IncrementalMutation = 'ignore-arrival-lag' | 'skip-edge-bucket' | EntityScopeMutation | ReadScopeMutation | CompactionMutation;

/**
 * Deliberate faults, for tests only. `restrict-uncovered-reads`: every user-level scan read by a
 * definition is restricted to the dirty users, including those a definition covering all entities
 * reads. `read-dirty-users-for-accounts`: a scan an account-level definition reads is restricted to
 * the dirty users, without the dirty accounts' other members. `shared-parts-for-dirty-users`: the
 * user universe and the users' custom traits are read for the dirty users alone, without the dirty
 * accounts' members.
 */
export type ReadScopeMutation = 'restrict-uncovered-reads' | 'read-dirty-users-for-accounts' | 'shared-parts-for-dirty-users';

/** The run's covered entities (entity-scope.ts): the definitions staged for the dirty users or accounts only, and the users their scans read. */
export interface ReadScope {
  readonly definitions: readonly string[];
  /** The dirty users. */
  readonly keys: TableRef;
  readonly accountDefinitions: readonly string[];
  /** The dirty accounts' members at as_of. */
  readonly accountMembers: TableRef;
  /** The dirty accounts. */
  readonly accountKeys: TableRef;
  /** How many accounts are dirty. */
  readonly dirtyAccounts: number;
}

/**
 * Per scan whose merge reads only some users (every definition reading it is covered in this run,
 * and its gate open at this run's `accounts`: how many accounts there are, null when not counted),
 * the tables of those users.
 */
export function restrictedScans(pass: IncrementalPlan, scope: ReadScope | null, mutation?: IncrementalMutation, accounts: number | null = null): Map<string, TableRef[]> {
  const out = new Map<string, TableRef[]>();
  if (scope === null) return out;
  const covered = new Set([...scope.definitions, ...scope.accountDefinitions]);
  const members = mutation === 'read-dirty-users-for-accounts' ? [] : [scope.accountMembers];
  for (const r of pass.scopes.reads) {
    if (r.readers.length === 0) continue;
    if (mutation === 'restrict-uncovered-reads') {
      if (pass.scans.some((s) => s.scan.name === r.scan && s.level === 'user')) out.set(r.scan, [scope.keys]);
      continue;
    }
    if (r.users === 'all' || !r.readers.every((d) => covered.has(d)) || !gateOpen(r.gate, scope.dirtyAccounts, accounts)) continue;
    const read = r.users === 'dirty users' ? [scope.keys] : r.users === 'members of dirty accounts' ? members : [scope.keys, ...members];
    out.set(r.scan, read.length === 0 ? [scope.keys] : read);
  }
  return out;
}

/**
 * Per shared part (entity-scope-pass.ts SharedRead) read for some entities only (every definition
 * of the run is covered in this run, and its gate open at `accounts`), the tables of those entities' keys.
 */
export function restrictedShared(pass: IncrementalPlan, scope: ReadScope | null, mutation?: IncrementalMutation, accounts: number | null = null): Map<string, TableRef[]> {
  const out = new Map<string, TableRef[]>();
  if (scope === null) return out;
  const covered = new Set([...scope.definitions, ...scope.accountDefinitions]);
  for (const r of pass.scopes.shared) {
    if (r.keys === 'all' || !r.readers.every((d) => covered.has(d)) || !gateOpen(r.gate, scope.dirtyAccounts, accounts)) continue;
    const keys =
      r.keys === 'dirty accounts' ? [scope.accountKeys] : r.keys === 'dirty users' || mutation === 'shared-parts-for-dirty-users' ? [scope.keys] : r.keys === 'members of dirty accounts' ? [scope.accountMembers] : [scope.keys, scope.accountMembers];
    out.set(r.part, keys);
  }
  return out;
}

/** Accounts in the groups fact (every account seen at or before as_of). */
async function countAccounts(w: StateWriter, schema: string, groups: Fact): Promise<number> {
  const rows = await w.rows(select({ columns: [{ expr: aggregate('count_distinct', col('group_id', 'g')), alias: 'n' }], from: tableOf(factRef(schema, groups), 'g') }));
  return toNumber(rows[0]?.n);
}

/** The source table and key column of a custom-trait part, which the full lowering reads from the source. */
function customTraitNarrowings(plan: Plan, shared: ReadonlyMap<string, readonly TableRef[]>): Narrowing[] {
  const { columns, tables } = plan.layout;
  return (['user', 'account'] as const).flatMap((level) => {
    const ids = shared.get(CTE.customTraits(level));
    return ids === undefined ? [] : [{ cte: CTE.customTraits(level), table: level === 'user' ? tables.identifies : tables.groups, column: level === 'user' ? columns.userId : columns.groupId, ids }];
  });
}

export interface IncrementalOptions {
  readonly plan: Plan;
  readonly stateSchema: string;
  readonly settings: IncrementalSettings;
  /** Rebuild every partial from the source (a full run keeps the partials for the next one). */
  readonly rebuild?: boolean;
  /** The bookkeeping keys every definition of the project keeps (liveStateKeys); the others are pruned. Absent: nothing is. */
  readonly liveKeys?: ReadonlySet<string>;
  readonly mutation?: IncrementalMutation;
  /** This run's covered entities, known before the statement is rewritten; null or absent: every scan reads all users. */
  readonly readScope?: ReadScope | null;
  /** The caller's own CTEs (the sync staging statement's) read for some keys only. */
  readonly narrowings?: readonly Narrowing[];
  /** The run's watermark reads, shared with its entity scope (default: this refresh's own). */
  readonly watermarks?: WatermarkReads;
  /**
   * Send the statements that only count rows for rows_read (default true). A run not asked for
   * rows_read skips them: on a warehouse that bills bytes scanned each is a scan of its own.
   */
  readonly countRowsRead?: boolean;
}

export interface ScanRefresh extends RefreshResult {
  readonly cte: string;
  readonly table: string;
  readonly partialTable: string;
}

export interface IncrementalRun {
  readonly pass: IncrementalPlan;
  readonly refreshes: readonly ScanRefresh[];
  /** Scans whose merge reads only the dirty users in `keys` (rows_read counts those reads). */
  readonly restricted: ReadonlyMap<string, readonly TableRef[]> | null;
  /** CTEs of the compiled statement whose source reads the rewrite restricts to some keys (rows_read counts those reads). */
  readonly narrowed: readonly Narrowing[];
  /** Shared parts (universes, memberships, custom traits) read for the covered entities only. */
  readonly sharedRestricted: readonly string[];
  /** The statement with every incremental scan read from partials; the rest as compiled. */
  rewrite(statement: With): With;
}

/** The CTE a fact's refresh is counted against in rows_read. */
const FACT_CTE = { users: CTE.userUniverse, edges: CTE.identityEdges, groups: CTE.memberships } as const;

/** What a run keeps in state for a plan: the scans' partials and the universe facts. */
export function planIncremental(plan: Plan, settings: IncrementalSettings): { pass: IncrementalPlan; facts: Fact[] } {
  const facts = planFacts(plan, settings);
  const fromState = [...factCtes(plan, 'state', facts).keys()];
  return { pass: incrementalPass(plan, settings, fromState), facts };
}

/** The bookkeeping keys of what a plan keeps in state: its partial tables and each (fact, source table). */
export function liveStateKeys(plan: Plan, settings: IncrementalSettings): Set<string> {
  const { pass, facts } = planIncremental(plan, settings);
  return new Set([
    ...pass.scans.map((s) => s.partialTable),
    ...facts.flatMap((f) => f.sources.map((source) => factRefreshKey(f, source))),
    ...pass.funnels.flatMap((f) => f.tables.map((t) => funnelRefreshKey(f, t.table))),
  ]);
}

/** CREATE ... IF NOT EXISTS of the incremental state tables: before the run's transaction, like the other state tables. */
export async function ensureIncrementalTables(connection: WarehouseConnection, options: Pick<IncrementalOptions, 'plan' | 'stateSchema' | 'settings'>): Promise<IncrementalPlan> {
  const { pass, facts } = planIncremental(options.plan, options.settings);
  const ddl = [...incrementalDdl(options.plan, options.stateSchema, pass.scans), ...factDdl(options.stateSchema, facts), ...funnelDdl(options.stateSchema, pass.funnels, options.plan.identity !== null), ...entityScopeDdl(options.stateSchema)];
  for (const d of ddl) await connection.execute(connection.dialect.printer.printDdl(d));
  return pass;
}

/** Refreshes the partials (inside the caller's transaction) and returns how to rewrite the statement. */
export async function refreshIncremental(w: StateWriter, options: IncrementalOptions): Promise<IncrementalRun> {
  const { plan, stateSchema: schema } = options;
  const { pass, facts } = planIncremental(plan, options.settings);
  // What this run keeps is live too: a run of some definitions may plan its scans differently.
  if (options.liveKeys !== undefined) await pruneStaleTables(w, schema, new Set([...options.liveKeys, ...liveStateKeys(plan, options.settings)]));
  const previous = options.rebuild ? new Map() : await readPreviousRefreshes(w, schema);
  const lagSeconds = options.mutation === 'ignore-arrival-lag' ? 0 : options.settings.arrivalLagSeconds;
  const countRowsRead = options.countRowsRead ?? true;
  const watermarks = options.watermarks ?? new WatermarkReads(w);
  const refreshes: ScanRefresh[] = [];
  // Scans sharing a partial table refresh it once: a refresh appends rows, so a second would count them twice.
  const done = new Map<string, RefreshResult>();
  for (const s of pass.scans) {
    const result = done.get(s.partialTable) ?? (await refreshScan(w, s, { plan, schema, lagSeconds, previous: previous.get(s.partialTable) ?? null, watermarks, mutation: options.mutation === 'keep-losing-row' ? options.mutation : undefined, countRowsRead }));
    done.set(s.partialTable, result);
    refreshes.push({ ...result, cte: s.scan.name, table: s.table, partialTable: s.partialTable });
  }
  // The scratch pairs are the run's own: none is left for the next one.
  if (pass.scans.length > 0) await w.run(deleteFrom(touchedRef(schema)));
  for (const f of facts) {
    for (const source of f.sources) {
      const { rowsRead, record } = await refreshFact(w, plan, schema, f, source, previous.get(factRefreshKey(f, source)) ?? null, lagSeconds, watermarks, countRowsRead);
      refreshes.push({ cte: FACT_CTE[f.kind], table: source.table, partialTable: f.stateTable, rebuilt: !previous.has(factRefreshKey(f, source)), touchedPairs: 0, rowsRead, record });
    }
  }
  const scope = options.readScope ?? null;
  const groups = facts.find((f) => f.kind === 'groups');
  const accounts = scope === null || scope.accountDefinitions.length === 0 || groups === undefined ? null : await countAccounts(w, schema, groups);
  const shared = restrictedShared(pass, scope, options.mutation, accounts);
  const fromFacts = factCtes(plan, schema, facts, shared);
  const funnelRecords: RefreshRecord[] = [];
  const funnelSteps: [string, { query: Query; comment: string }][] = [];
  for (const f of pass.funnels) {
    const result = await refreshFunnel(w, f, { plan, schema, lagSeconds, previous, watermarks, edges: fromFacts.get(CTE.identityEdges)?.query ?? null, countRowsRead });
    const last = CTE.funnelStep(f.funnel.name, f.funnel.steps.length);
    const table = f.funnel.steps[0].match.table;
    refreshes.push({ cte: last, table, partialTable: f.stateTable, rebuilt: result.rebuilt, touchedPairs: result.recomputedUsers ?? 0, rowsRead: result.rowsRead, record: result.records[0] });
    funnelRecords.push(...result.records.slice(1));
    f.funnel.steps.forEach((_, i) => funnelSteps.push([CTE.funnelStep(f.funnel.name, i + 1), { query: stepFromState(schema, f, i + 1), comment: `${f.funnel.name} step ${i + 1}: the users' answers kept in ${schema}.${f.stateTable}` }]));
  }
  await recordRefreshes(w, schema, [...refreshes.map((r) => r.record), ...funnelRecords]);
  const skipEdgeBucket = options.mutation === 'skip-edge-bucket';
  const restricted = restrictedScans(pass, scope, options.mutation, accounts);
  const merged = (s: IncrementalScan) => {
    const readUsers = restricted.get(s.scan.name);
    const query = mergedScanQuery(plan, schema, s, { skipEdgeBucket, readUsers, earliestBound: w.printer.prunesBlocksByRange });
    const only = readUsers === undefined ? '' : `, of the users in ${readUsers.map((r) => `${r.schema}.${r.name}`).join(' and ')} only`;
    return { query, comment: `${s.scan.name} from the partials in ${schema}.${s.partialTable} and the raw rows of the days they do not cover${only}` };
  };
  const replacements = new Map([...fromFacts, ...funnelSteps, ...pass.scans.map((s) => [s.scan.name, merged(s)] as const)]);
  const narrowed = [...customTraitNarrowings(plan, shared), ...(options.narrowings ?? [])];
  return { pass, refreshes, restricted: scope === null ? null : restricted, narrowed, sharedRestricted: [...shared.keys()], rewrite: (statement) => replaceCtes(narrowCtes(statement, plan, narrowed), replacements) };
}

/** Rows of a scan's table that its merge reads raw: the edge and open days inside its windows (of the dirty users, when restricted). */
function rawRowsCondition(plan: Plan, s: IncrementalScan, readUsers: readonly TableRef[] | undefined, earliestBound: boolean): Expr {
  const ctx = { plan, table: s.table, alias: 'e' };
  const days = rawDays([s.presence, ...s.measures], ctx, { earliestBound });
  return and(hasRawKey(ctx), ...eventNarrowing(s, ctx), ...scanRowCondition(s, ctx), bin('<=', eventTimeOf(ctx), ts(plan.asOf)), ...days, ...amongRead(col(plan.layout.columns.userId, 'e'), readUsers, sourceType(plan, s.table, plan.layout.columns.userId)));
}

export interface RowsRead {
  readonly total: number;
  /** Per output: the rows of the CTEs it depends on (an entity universe and memberships count for every output). */
  readonly byDefinition: ReadonlyMap<string, number>;
}

/** The CTEs an output depends on: those of the features it reads and the universes, then what they read. */
function cteClosure(plan: Plan, statement: With, name: string): Set<string> {
  const byName = new Map(statement.ctes.map((c) => [c.name, c]));
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const start = new Set<string>([CTE.userUniverse, CTE.accountUniverse, CTE.memberships]);
  for (const column of featuresRead(plan, name)) {
    const s = features.get(column)?.source;
    if (s === undefined) continue;
    start.add(s.kind === 'custom_trait' ? CTE.customTraits(features.get(column)!.level) : s.kind === 'measure' ? s.scan : s.cte);
  }
  const out = new Set<string>();
  const visit = (cte: string): void => {
    if (out.has(cte) || !byName.has(cte)) return;
    out.add(cte);
    for (const next of cteReferences(byName.get(cte)!.query)) visit(next);
  };
  start.forEach(visit);
  return out;
}

/**
 * Rows a statement reads from source tables, as quorum counts them (`rows_read`): a CTE that reads
 * a source table reads its rows up to as_of; a scan read from partials reads only its raw days,
 * plus what its refresh read; facts in state read only what their refresh read. Counted by
 * separate COUNT(*) queries on the same snapshot.
 */
export async function rowsReadOf(w: StateWriter, plan: Plan, statement: With, run: IncrementalRun | null): Promise<RowsRead> {
  const incremental = new Map((run?.pass.scans ?? []).map((s) => [s.scan.name, s]));
  const count = async (name: string, where: Expr | null): Promise<number> => {
    const rows = await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: table(name, 'e', plan.layout.schema), where }));
    return toNumber(rows[0]?.n);
  };
  const upToAsOf = new Map<string, number>();
  const perCte = new Map<string, number>();
  const add = (cte: string, n: number) => perCte.set(cte, (perCte.get(cte) ?? 0) + n);
  for (const r of run?.refreshes ?? []) add(r.cte, r.rowsRead);
  const narrowed = new Map((run?.narrowed ?? []).map((n) => [n.cte, n]));
  const upToAsOfCondition = bin('<=', col(plan.layout.eventTime, 'e'), ts(plan.asOf));
  for (const cte of statement.ctes) {
    const s = incremental.get(cte.name);
    if (s !== undefined) {
      add(cte.name, await count(s.table, rawRowsCondition(plan, s, run?.restricted?.get(s.scan.name), w.printer.prunesBlocksByRange)));
      continue;
    }
    const n = narrowed.get(cte.name);
    for (const name of sourceReferences(cte.query, plan.layout.schema)) {
      if (n !== undefined && n.table === name) {
        add(cte.name, await count(name, and(upToAsOfCondition, ...amongRead(col(n.column, 'e'), n.ids, sourceType(plan, name, n.column)))));
        continue;
      }
      if (!upToAsOf.has(name)) upToAsOf.set(name, await count(name, upToAsOfCondition));
      add(cte.name, upToAsOf.get(name)!);
    }
  }
  const total = [...perCte.values()].reduce((a, b) => a + b, 0);
  const byDefinition = new Map(
    plan.outputs.map((o) => [o.name, [...cteClosure(plan, statement, o.name)].reduce((sum, cte) => sum + (perCte.get(cte) ?? 0), 0)] as const),
  );
  return { total, byDefinition };
}

/** rowsReadOf's total. */
export async function rowsRead(w: StateWriter, plan: Plan, statement: With, run: IncrementalRun | null): Promise<number> {
  return (await rowsReadOf(w, plan, statement, run)).total;
}
