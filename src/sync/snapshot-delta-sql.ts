// The snapshot writes of a run (SPEC §6), proportional to what changed. They read the run's change
// set (change-set-sql.ts): the snapshot rows of entities that exited or changed are deleted and the
// rows of entities that entered or changed are inserted; the same for an account audience's users
// who left, joined, or moved (a new position: the account's earliest user changed). Unchanged rows
// are not touched, so they keep the run_id of the run that last changed them.
//
// Rewriting every row of every definition (a full delete and insert) cost 20-50 s at SF 1 on DuckDB
// for a run that changed 2% of 200,000 rows (BENCHMARKS.md, "a whole quorum run"): a delete is a
// write per row, and with a primary key an index update per row too. Computing the rows to write
// from staging and the snapshots again cost another 2 s of joins; the change set has them.
//
// A key of several columns is one string so that `key IN (subquery)` works on every warehouse
// (row-value IN does not): each part is prefixed with its length, so two different keys never give
// the same string. A plain `entity_id IN (...)` first narrows the rows whose key is computed.
import { and, cast, charLength, col, concat, deleteFrom, inQuery, insertInto, isNull, select, str, ts, union, type Expr, type Statement, type TableRef } from '../sql/ast.js';
import { NOTHING_STAGED, type ChangeKind, type StagedEntries } from './change-set-sql.js';
import { from, inList, type StateRefs } from './state-sql.js';
import type { RunStamp, SyncDefinition } from './sync-definition.js';

export interface SnapshotStamp {
  readonly runId: string;
  readonly asOf: string;
}

/** `<length>:<part>` for each part, concatenated: one string per distinct tuple of non-null parts. */
export function keyExpr(parts: readonly Expr[]): Expr {
  const args: Expr[] = [];
  for (const part of parts) args.push(cast(charLength(part), 'string', 'integer'), str(':'), part);
  return concat(...args);
}

const KEYS = { entity: ['definition', 'entity_id'], user: ['definition', 'entity_id', 'user_id'] } as const;
const kinds = (list: readonly ChangeKind[]) => inList(col('transition', 'c'), list);

/** DELETE FROM table the rows of `names` whose key is that of a change of `of` kinds. */
function deleteChanged(table: TableRef, changes: TableRef, names: readonly string[], key: readonly string[], of: readonly ChangeKind[]): Statement {
  const changed = (expr: Expr) =>
    select({ columns: [{ expr, alias: 'k' }], from: from(changes, 'c'), where: and(inList(col('definition', 'c'), names), kinds(of)) });
  return deleteFrom(
    table,
    and(
      inList(col('definition'), names),
      inQuery(col('entity_id'), changed(col('entity_id', 'c'))),
      inQuery(keyExpr(key.map((c) => col(c))), changed(keyExpr(key.map((c) => col(c, 'c'))))),
    ),
  );
}

/** INSERT INTO table the rows of `source` (its alias `c`): `key` columns, then `rest`. */
function insertRows(table: TableRef, source: TableRef, where: Expr, key: readonly string[], rest: Record<string, Expr>): Statement {
  return insertInto(
    table,
    [...key, ...Object.keys(rest)],
    select({
      columns: [...key.map((c) => ({ expr: col(c, 'c'), alias: c })), ...Object.entries(rest).map(([alias, expr]) => ({ expr, alias }))],
      from: from(source, 'c'),
      where,
    }),
  );
}

/**
 * The statements that make the snapshot rows of `names` equal to their staging rows, in order,
 * from the change set; `withUsers` (account audiences) keep their users, every other definition of
 * `names` keeps none (a definition that is no longer an account audience loses them). A staged
 * definition (change-set-sql.ts's StagedEntries: its snapshot was empty) gets staging's rows as
 * they are.
 */
export function snapshotDeltaWrites(refs: StateRefs, changes: TableRef, names: readonly string[], withUsers: readonly string[], stamp: SnapshotStamp, staged: StagedEntries = NOTHING_STAGED): Statement[] {
  const withoutUsers = names.filter((n) => !withUsers.includes(n));
  const compared = names.filter((n) => !staged.names.has(n));
  const copied = names.filter((n) => staged.names.has(n));
  const comparedUsers = withUsers.filter((n) => !staged.names.has(n));
  const copiedUsers = withUsers.filter((n) => staged.names.has(n));
  const changesOf = (list: readonly string[], of: readonly ChangeKind[]) => and(inList(col('definition', 'c'), list), kinds(of));
  const stagedOf = (list: readonly string[], users: boolean) => and(inList(col('definition', 'c'), list), isNull(col('user_id', 'c'), users));
  const entity = { value: col('value', 'c'), run_id: str(stamp.runId), as_of: ts(stamp.asOf) };
  const user = { position: col('position', 'c'), run_id: str(stamp.runId) };
  const statements: Statement[] = [];
  if (compared.length > 0)
    statements.push(
      deleteChanged(refs.snapshots, changes, compared, KEYS.entity, ['exited', 'changed']),
      insertRows(refs.snapshots, changes, changesOf(compared, ['entered', 'changed']), KEYS.entity, entity),
    );
  if (copied.length > 0) statements.push(insertRows(refs.snapshots, staged.staging, stagedOf(copied, false), KEYS.entity, entity));
  statements.push(deleteFrom(refs.snapshotUsers, inList(col('definition'), withoutUsers)));
  if (comparedUsers.length > 0)
    statements.push(
      deleteChanged(refs.snapshotUsers, changes, comparedUsers, KEYS.user, ['user_exited', 'user_moved']),
      insertRows(refs.snapshotUsers, changes, changesOf(comparedUsers, ['user_entered', 'user_moved']), KEYS.user, user),
    );
  if (copiedUsers.length > 0) statements.push(insertRows(refs.snapshotUsers, staged.staging, stagedOf(copiedUsers, true), KEYS.user, user));
  return statements;
}

/** The snapshot writes of `definitions`, without their snapshot_runs rows (a run writes those with the records, snapshot-records.ts). */
export function definitionSnapshotWrites(refs: StateRefs, changes: TableRef, definitions: readonly SyncDefinition[], stamp: SnapshotStamp, staged: StagedEntries = NOTHING_STAGED): Statement[] {
  if (definitions.length === 0) return [];
  const withUsers = definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name);
  return snapshotDeltaWrites(refs, changes, definitions.map((d) => d.name), withUsers, stamp, staged);
}

/** The snapshot writes for the definitions that passed the guardrail, then their snapshot_runs rows. */
export function replaceSnapshots(refs: StateRefs, changes: TableRef, snapshotRuns: TableRef, definitions: readonly SyncDefinition[], stamp: RunStamp, staged: StagedEntries = NOTHING_STAGED): Statement[] {
  const names = definitions.map((d) => d.name);
  if (names.length === 0) return [];
  const byName = (alias: string | null, list: readonly string[]) => inList(col('definition', alias), list);
  return [
    ...definitionSnapshotWrites(refs, changes, definitions, stamp, staged),
    deleteFrom(snapshotRuns, byName(null, names)),
    insertInto(snapshotRuns, ['definition', 'run_id', 'as_of'], union(names.map((name) => select({ columns: [{ expr: str(name), alias: 'definition' }, { expr: str(stamp.runId), alias: 'run_id' }, { expr: ts(stamp.asOf), alias: 'as_of' }] })))),
  ];
}
