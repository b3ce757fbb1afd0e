// Carrying out the entity scopes of the physical plan (entity-scope-pass.ts) inside the run's
// transaction: the users whose answers can have changed since the previous run go to a scratch
// table; the definitions whose scope is `changed entities` then stage and diff only those users.
//
// The argument holds only against the snapshot the dirty users are counted from. So each run
// records, per source table, its own run id with the watermark and as_of it read up to; a
// definition is restricted only when its committed snapshot is that run's (snapshot_runs.run_id).
// A snapshot kept by the guardrail, written by a repair, or older than a run of other definitions
// that moved the table's watermark covers all entities once, and the next run restricts again.
import type { ColumnDefinition, Ddl, Expr, TableRef } from '../sql/ast.js';
import { and, bin, cast, col, countAll, deleteFrom, insertInto, isNull, NULL, oneOf, select, str, subquery, table, tableOf, ts, union, type Select } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import type { DirtySource, EntityScopePlan } from '../plan/physical/entity-scope-pass.js';
import { stateTable, toIso, toNumber, type StateWriter } from '../sync/state-sql.js';
import { isoOf, newness, readWatermark, type PreviousRefresh } from './arrival-sql.js';

/** Deliberate fault, for tests only: the users a window edge left behind are not dirty. */
export type EntityScopeMutation = 'forget-window-edges';

const column = (name: string, type: ColumnDefinition['type'], nullable = false): ColumnDefinition => ({ name, type, nullable });

const BASIS = {
  name: 'entity_scope_basis',
  columns: [column('source_table', 'string'), column('arrival_column', 'string'), column('run_id', 'string'), column('as_of', 'timestamp'), column('watermark', 'timestamp', true)],
} as const;
const DIRTY = { name: 'entity_scope_dirty', columns: [column('id', 'string')] } as const;

export const dirtyRef = (schema: string): TableRef => ({ schema, name: DIRTY.name });
const basisRef = (schema: string): TableRef => ({ schema, name: BASIS.name });

/** CREATE ... IF NOT EXISTS of the two tables, before the run's transaction like the other state tables. */
export function entityScopeDdl(schema: string): Ddl[] {
  return [
    { kind: 'create_table', schema, name: BASIS.name, columns: BASIS.columns, primaryKey: ['source_table'] },
    { kind: 'create_table', schema, name: DIRTY.name, columns: DIRTY.columns, primaryKey: [], bulk: true },
  ];
}

export interface ScopeRequest {
  readonly plan: Plan;
  readonly schema: string;
  readonly scopes: EntityScopePlan;
  readonly runId: string;
  readonly lagSeconds: number;
  /** A full run: every entity is covered, and the basis is written for the next run. */
  readonly rebuild: boolean;
  readonly mutation?: EntityScopeMutation;
}

export interface CoveredEntities {
  /** Definitions staged and diffed for the dirty users only. */
  readonly definitions: readonly string[];
  /** Their keys: column `id`. */
  readonly keys: TableRef;
  /** How many users are dirty, for the run's log. */
  readonly dirtyUsers: number;
}

interface Basis extends PreviousRefresh {
  readonly arrivalColumn: string;
  readonly runId: string;
}

async function readBasis(w: StateWriter, schema: string): Promise<Map<string, Basis>> {
  const rows = await w.rows(select({ columns: BASIS.columns.map((c) => ({ expr: col(c.name, 'b'), alias: c.name })), from: tableOf(basisRef(schema), 'b') }));
  return new Map(rows.map((r) => [String(r.source_table), { arrivalColumn: String(r.arrival_column), runId: String(r.run_id), asOf: toIso(r.as_of)!, watermark: toIso(r.watermark) }]));
}

async function snapshotRunIds(w: StateWriter, schema: string): Promise<Map<string, string>> {
  const rows = await w.rows(select({ columns: [{ expr: col('definition', 's'), alias: 'definition' }, { expr: col('run_id', 's'), alias: 'run_id' }], from: tableOf(stateTable(schema, 'snapshot_runs'), 's') }));
  return new Map(rows.map((r) => [String(r.definition), String(r.run_id)]));
}

/**
 * Users of `source` whose rows are new to the run or on a window edge the as_of crossed since
 * `basis`: one query per range of one column (the newness branches, each window's edge), which an
 * engine answers from the blocks whose statistics meet the range, where one OR of them reads every
 * block of the table.
 */
function dirtyUsersOf(plan: Plan, source: DirtySource, basis: Basis, lagSeconds: number, mutation: EntityScopeMutation | undefined): { queries: Select[]; isNew: ReturnType<typeof newness> } {
  const user = col(plan.layout.columns.userId, 'e');
  const time = col(plan.layout.eventTime, 'e');
  const n = newness(basis, plan.asOf, lagSeconds, col(source.arrivalColumn, 'e'), time, (p) => p);
  const previous = Date.parse(basis.asOf);
  const now = Date.parse(plan.asOf);
  // (previous - W, as_of - W] is where events left a window; both ends taken closed, which only adds users.
  const edges: Expr[] = mutation === 'forget-window-edges' ? [] : source.windows.map((seconds) => and(bin('>=', time, ts(isoOf(previous - seconds * 1000))), bin('<=', time, ts(isoOf(now - seconds * 1000)))));
  const ranges: (Expr | null)[] = n.branches === null ? [null] : [...n.branches, ...edges];
  const usersWhere = (range: Expr | null) => select({ distinct: true, columns: [{ expr: cast(user, 'string'), alias: 'id' }], from: table(source.table, 'e', plan.layout.schema), where: range === null ? isNull(user, true) : and(isNull(user, true), range) });
  return { queries: ranges.map(usersWhere), isNew: n };
}

/**
 * Fills the scratch table with the dirty users and returns the definitions restricted to them
 * (null: none is), then records this run's basis for the next one. Inside the run's transaction,
 * before the staging statement.
 */
export async function coverEntities(w: StateWriter, request: ScopeRequest): Promise<CoveredEntities | null> {
  const { plan, schema, scopes } = request;
  const dirty = dirtyRef(schema);
  await w.run(deleteFrom(dirty));
  if (scopes.sources.length === 0) return null;
  const basis = request.rebuild ? new Map<string, Basis>() : await readBasis(w, schema);
  const usable = scopes.sources.every((s) => {
    const b = basis.get(s.table);
    return b !== undefined && b.arrivalColumn === s.arrivalColumn && Date.parse(b.asOf) <= Date.parse(plan.asOf);
  });
  const runIds = usable ? new Set(scopes.sources.map((s) => basis.get(s.table)!.runId)) : new Set<string>();
  const snapshots = usable && runIds.size === 1 ? await snapshotRunIds(w, schema) : new Map<string, string>();
  const restricted = scopes.definitions.filter((d) => d.covers === 'changed entities' && d.level === 'user' && runIds.size === 1 && snapshots.get(d.name) === [...runIds][0]).map((d) => d.name);

  const marks = new Map<string, string | null>();
  const found = scopes.sources.map((s) => dirtyUsersOf(plan, s, basis.get(s.table) ?? { arrivalColumn: s.arrivalColumn, runId: '', asOf: plan.asOf, watermark: null }, request.lagSeconds, request.mutation));
  for (const [i, s] of scopes.sources.entries()) {
    marks.set(s.table, await readWatermark(w, table(s.table, 'e', plan.layout.schema), col(s.arrivalColumn, 'e'), found[i].isNew));
  }
  let dirtyUsers = 0;
  if (restricted.length > 0) {
    const queries = found.flatMap((f) => f.queries);
    await w.run(insertInto(dirty, ['id'], select({ distinct: true, columns: [{ expr: col('id', 'd'), alias: 'id' }], from: subquery(queries.length === 1 ? queries[0] : union(queries), 'd') })));
    const count = await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: tableOf(dirty, 'x') }));
    dirtyUsers = toNumber(count[0]?.n);
  }
  const ref = basisRef(schema);
  await w.run(deleteFrom(ref, oneOf(col('source_table'), scopes.sources.map((s) => str(s.table)))));
  const rows = scopes.sources.map((s) =>
    select({
      columns: [
        { expr: str(s.table), alias: 'source_table' },
        { expr: str(s.arrivalColumn), alias: 'arrival_column' },
        { expr: str(request.runId), alias: 'run_id' },
        { expr: ts(plan.asOf), alias: 'as_of' },
        { expr: marks.get(s.table) == null ? cast(NULL, 'timestamp') : ts(marks.get(s.table)!), alias: 'watermark' },
      ],
    }),
  );
  await w.run(insertInto(ref, BASIS.columns.map((c) => c.name), rows.length === 1 ? rows[0] : union(rows)));
  return restricted.length === 0 ? null : { definitions: restricted, keys: dirty, dirtyUsers };
}
