// Carrying out the entity scopes of the physical plan (entity-scope-pass.ts) inside the run's
// transaction: the users whose answers can have changed since the previous run go to a scratch
// table, and the accounts that can have changed to another (those named by a group call new to the
// run, and every account of a dirty user at as_of); the definitions whose scope is `changed
// entities` then stage and diff only the dirty entities of their level.
//
// The argument holds only against the snapshot the dirty users are counted from. So each run
// records, per source table, its own run id with the watermark and as_of it read up to; a
// definition is restricted only when its committed snapshot is that run's (snapshot_runs.run_id).
// A snapshot kept by the guardrail, written by a repair, or older than a run of other definitions
// that moved the table's watermark covers all entities once, and the next run restricts again.
import type { ColumnDefinition, Ddl, Expr, TableRef } from '../sql/ast.js';
import { and, bin, cast, col, countAll, deleteFrom, inQuery, insertInto, isNull, NULL, oneOf, or, select, str, subquery, table, tableOf, TRUE, ts, union, type Select } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import type { DirtySource, EntityScopePlan } from '../plan/physical/entity-scope-pass.js';
import { sourceText } from '../sql/source-text.js';
import { stateTable, toIso, toNumber, type StateWriter } from '../sync/state-sql.js';
import { isoOf, newness, WatermarkReads, type PreviousRefresh } from './arrival-sql.js';

/**
 * Deliberate faults, for tests only. `forget-window-edges`: the users a window edge left behind
 * are not dirty. `forget-previous-memberships`: a dirty user makes dirty only the accounts it
 * joined by a group call new to the run, not those it was already a member of.
 */
export type EntityScopeMutation = 'forget-window-edges' | 'forget-previous-memberships';

const column = (name: string, type: ColumnDefinition['type'], nullable = false): ColumnDefinition => ({ name, type, nullable });

const BASIS = {
  name: 'entity_scope_basis',
  columns: [column('source_table', 'string'), column('arrival_column', 'string'), column('run_id', 'string'), column('as_of', 'timestamp'), column('watermark', 'timestamp', true)],
} as const;
const DIRTY = { name: 'entity_scope_dirty', columns: [column('id', 'string')] } as const;
const DIRTY_ACCOUNTS = { name: 'entity_scope_dirty_accounts', columns: [column('id', 'string')] } as const;
const ACCOUNT_MEMBERS = { name: 'entity_scope_account_members', columns: [column('id', 'string')] } as const;

export const dirtyRef = (schema: string): TableRef => ({ schema, name: DIRTY.name });
export const dirtyAccountsRef = (schema: string): TableRef => ({ schema, name: DIRTY_ACCOUNTS.name });
export const accountMembersRef = (schema: string): TableRef => ({ schema, name: ACCOUNT_MEMBERS.name });
const basisRef = (schema: string): TableRef => ({ schema, name: BASIS.name });

/** CREATE ... IF NOT EXISTS of the scratch and basis tables, before the run's transaction like the other state tables. */
export function entityScopeDdl(schema: string): Ddl[] {
  return [
    { kind: 'create_table', schema, name: BASIS.name, columns: BASIS.columns, primaryKey: ['source_table'] },
    { kind: 'create_table', schema, name: DIRTY.name, columns: DIRTY.columns, primaryKey: [], bulk: true },
    { kind: 'create_table', schema, name: DIRTY_ACCOUNTS.name, columns: DIRTY_ACCOUNTS.columns, primaryKey: [], bulk: true },
    { kind: 'create_table', schema, name: ACCOUNT_MEMBERS.name, columns: ACCOUNT_MEMBERS.columns, primaryKey: [], bulk: true },
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
  /** The run's watermark reads, which its refreshes share (default: this call's own). */
  readonly watermarks?: WatermarkReads;
}

export interface CoveredEntities {
  /** User-level definitions staged and diffed for the dirty users only. */
  readonly definitions: readonly string[];
  /** Their keys: column `id`. */
  readonly keys: TableRef;
  /** How many users are dirty, for the run's log. */
  readonly dirtyUsers: number;
  /** Account-level definitions staged and diffed for the dirty accounts only (empty: none is). */
  readonly accountDefinitions: readonly string[];
  /** Their keys: column `id`. */
  readonly accountKeys: TableRef;
  readonly dirtyAccounts: number;
  /** The dirty accounts' members at as_of (column `id`): the users an account-level definition's scans read. */
  readonly accountMembers: TableRef;
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
 * block of the table; one query of their OR where the engine prunes no block by range (`perRange`
 * false, SqlPrinter.prunesBlocksByRange) and would read the whole table once per range.
 */
function dirtyUsersOf(plan: Plan, source: DirtySource, basis: Basis, lagSeconds: number, mutation: EntityScopeMutation | undefined, perRange: boolean): { queries: Select[]; isNew: ReturnType<typeof newness> } {
  const user = col(plan.layout.columns.userId, 'e');
  const time = col(plan.layout.eventTime, 'e');
  const n = newness(basis, plan.asOf, lagSeconds, col(source.arrivalColumn, 'e'), time, (p) => p);
  const previous = Date.parse(basis.asOf);
  const now = Date.parse(plan.asOf);
  // (previous - W, as_of - W] is where events left a window; both ends taken closed, which only adds users.
  const edges: Expr[] = mutation === 'forget-window-edges' ? [] : source.windows.map((seconds) => and(bin('>=', time, ts(isoOf(previous - seconds * 1000))), bin('<=', time, ts(isoOf(now - seconds * 1000)))));
  // No DISTINCT per range, only around their union: DuckDB gave each range's DISTINCT a hash table
  // sized for hundreds of thousands of rows where it found hundreds, about 15 ms of a run at SF 1.
  const usersWhere = (range: Expr | null) => select({ columns: [{ expr: sourceText(plan, source.table, plan.layout.columns.userId, 'e'), alias: 'id' }], from: table(source.table, 'e', plan.layout.schema), where: range === null ? isNull(user, true) : and(isNull(user, true), range) });
  if (n.branches === null) return { queries: [usersWhere(null)], isNew: n };
  const ranges = [...n.branches, ...edges];
  return { queries: perRange ? ranges.map(usersWhere) : [usersWhere(or(...ranges))], isNew: n };
}

/**
 * Accounts whose answers can have changed: those a group call new to the run names (a new account,
 * custom trait or membership, with or without a user), and every account a dirty user is a member
 * of at as_of. Memberships only grow while rows are appended, so the members an account had at the
 * previous run are among those; the mutation keeps only the memberships new to the run.
 */
function dirtyAccountsQuery(plan: Plan, isNew: ReturnType<typeof newness>, users: TableRef, mutation: EntityScopeMutation | undefined, perRange: boolean): Select {
  const { groupId, userId } = plan.layout.columns;
  // alias `e`, which the newness branches name
  const account = col(groupId, 'e');
  const accountsWhere = (where: Expr) => select({ distinct: true, columns: [{ expr: sourceText(plan, plan.layout.tables.groups, groupId, 'e'), alias: 'id' }], from: table(plan.layout.tables.groups, 'e', plan.layout.schema), where: and(isNull(account, true), where) });
  const named: readonly Expr[] = isNew.branches === null ? [TRUE] : isNew.branches;
  const dirtyUsers = select({ columns: [{ expr: col('id', 'u'), alias: 'id' }], from: tableOf(users, 'u') });
  const member = and(isNull(col(userId, 'e'), true), inQuery(sourceText(plan, plan.layout.tables.groups, userId, 'e'), dirtyUsers));
  const memberships = mutation === 'forget-previous-memberships' ? named.map((n) => and(member, n)) : [and(member, bin('<=', col(plan.layout.eventTime, 'e'), ts(plan.asOf)))];
  const queries = perRange ? [...named, ...memberships].map(accountsWhere) : [accountsWhere(or(...named, ...memberships))];
  return select({ distinct: true, columns: [{ expr: col('id', 'd'), alias: 'id' }], from: subquery(union(queries), 'd') });
}

/**
 * The users who are members of a dirty account at as_of, as the memberships CTE pairs them (a group
 * call with both ids at or before as_of; stitching is off wherever accounts are covered). Their rows
 * are all that a dirty account's answer is made of.
 */
function accountMembersQuery(plan: Plan, accounts: TableRef): Select {
  const { groupId, userId } = plan.layout.columns;
  const dirtyAccounts = select({ columns: [{ expr: col('id', 'a'), alias: 'id' }], from: tableOf(accounts, 'a') });
  const user = col(userId, 'g');
  return select({
    distinct: true,
    columns: [{ expr: sourceText(plan, plan.layout.tables.groups, userId, 'g'), alias: 'id' }],
    from: table(plan.layout.tables.groups, 'g', plan.layout.schema),
    where: and(isNull(user, true), isNull(col(groupId, 'g'), true), bin('<=', col(plan.layout.eventTime, 'g'), ts(plan.asOf)), inQuery(sourceText(plan, plan.layout.tables.groups, groupId, 'g'), dirtyAccounts)),
  });
}

/**
 * Empties the run's dirty keys before COMMIT. They are the run's own (the next run empties and
 * fills them again); committed, DuckDB's checkpoint would write them, 320,000 ids in an
 * incremental run at SF 1 (BENCHMARKS.md, "First-run diff: no statement that writes nothing").
 */
export async function clearCoveredEntities(w: StateWriter, covered: CoveredEntities): Promise<void> {
  for (const ref of [covered.keys, covered.accountKeys, covered.accountMembers]) await w.run(deleteFrom(ref));
}

/**
 * Fills the scratch table with the dirty users and returns the definitions restricted to them
 * (null: none is), then records this run's basis for the next one. Inside the run's transaction,
 * before the staging statement.
 */
export async function coverEntities(w: StateWriter, request: ScopeRequest): Promise<CoveredEntities | null> {
  const { plan, schema, scopes } = request;
  const dirty = dirtyRef(schema);
  const dirtyAccounts = dirtyAccountsRef(schema);
  const members = accountMembersRef(schema);
  await w.run(deleteFrom(dirty));
  await w.run(deleteFrom(dirtyAccounts));
  await w.run(deleteFrom(members));
  if (scopes.sources.length === 0) return null;
  const basis = request.rebuild ? new Map<string, Basis>() : await readBasis(w, schema);
  const usable = scopes.sources.every((s) => {
    const b = basis.get(s.table);
    return b !== undefined && b.arrivalColumn === s.arrivalColumn && Date.parse(b.asOf) <= Date.parse(plan.asOf);
  });
  const runIds = usable ? new Set(scopes.sources.map((s) => basis.get(s.table)!.runId)) : new Set<string>();
  const snapshots = usable && runIds.size === 1 ? await snapshotRunIds(w, schema) : new Map<string, string>();
  const restrictedOf = (level: 'user' | 'account') => scopes.definitions.filter((d) => d.covers === 'changed entities' && d.level === level && runIds.size === 1 && snapshots.get(d.name) === [...runIds][0]).map((d) => d.name);
  const restricted = restrictedOf('user');
  const accountDefinitions = scopes.accounts === null ? [] : restrictedOf('account');

  const marks = new Map<string, string | null>();
  const watermarks = request.watermarks ?? new WatermarkReads(w);
  const perRange = w.printer.prunesBlocksByRange;
  const found = scopes.sources.map((s) => dirtyUsersOf(plan, s, basis.get(s.table) ?? { arrivalColumn: s.arrivalColumn, runId: '', asOf: plan.asOf, watermark: null }, request.lagSeconds, request.mutation, perRange));
  for (const [i, s] of scopes.sources.entries()) {
    marks.set(s.table, await watermarks.read(plan.layout.schema, s.table, s.arrivalColumn, found[i].isNew));
  }
  const countOf = async (ref: TableRef) => toNumber((await w.rows(select({ columns: [{ expr: countAll(), alias: 'n' }], from: tableOf(ref, 'x') })))[0]?.n);
  let dirtyUsers = 0;
  let accounts = 0;
  // Dirty accounts are found through dirty users, so those are filled for either level.
  if (restricted.length > 0 || accountDefinitions.length > 0) {
    const queries = found.flatMap((f) => f.queries);
    await w.run(insertInto(dirty, ['id'], select({ distinct: true, columns: [{ expr: col('id', 'd'), alias: 'id' }], from: subquery(queries.length === 1 ? queries[0] : union(queries), 'd') })));
    dirtyUsers = await countOf(dirty);
  }
  if (accountDefinitions.length > 0 && scopes.accounts !== null) {
    // The group calls' newness against their own basis: the plan puts the groups table among the sources.
    const groups = scopes.sources.findIndex((s) => s.table === scopes.accounts!.table);
    await w.run(insertInto(dirtyAccounts, ['id'], dirtyAccountsQuery(plan, found[groups].isNew, dirty, request.mutation, perRange)));
    accounts = await countOf(dirtyAccounts);
    await w.run(insertInto(members, ['id'], accountMembersQuery(plan, dirtyAccounts)));
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
  return restricted.length === 0 && accountDefinitions.length === 0 ? null : { definitions: restricted, keys: dirty, dirtyUsers, accountDefinitions, accountKeys: dirtyAccounts, dirtyAccounts: accounts, accountMembers: members };
}
