// The snapshot writes of a run (SPEC §6), proportional to what changed: rows whose key left the
// result or whose value (position, for an account's users) changed are deleted, then every staging
// row whose key is not in the table any more is inserted. Unchanged rows are not touched, so they
// keep the run_id of the run that last changed them.
//
// Rewriting every row of every definition (a full delete and insert) cost 20-50 s at SF 1 on DuckDB
// for a run that changed 2% of 200,000 rows (BENCHMARKS.md, "a whole quorum run"): a delete is a
// write per row, and with a primary key an index update per row too.
//
// A key of several columns is one string so that `key IN (subquery)` works on every warehouse
// (row-value IN does not): each part is prefixed with its length, so two different keys never give
// the same string.
import { and, bin, coalesce, col, isNull, or, select, str, ts, type Expr, type Query, type Statement, type TableRef } from '../sql/ast.js';
import { from, inList, type StateRefs } from './state-sql.js';

export interface SnapshotStamp {
  readonly runId: string;
  readonly asOf: string;
}

/** `<length>:<part>` for each part, concatenated: one string per distinct tuple of non-null parts. */
export function keyExpr(parts: readonly Expr[]): Expr {
  const args: Expr[] = [];
  for (const part of parts) args.push({ kind: 'cast', expr: { kind: 'char_length', expr: part }, type: 'string' }, str(':'), part);
  return { kind: 'concat', args };
}

const entityKey = (alias: string | null) => keyExpr([col('definition', alias), col('entity_id', alias)]);
const userKey = (alias: string | null) => keyExpr([col('definition', alias), col('entity_id', alias), col('user_id', alias)]);
const same = (a: string, b: string, columns: readonly string[]) => and(...columns.map((c) => bin('=', col(c, a), col(c, b))));
/** JSON text is never empty, so '' stands for null: a null-safe "differs". */
const differs = (a: Expr, b: Expr) => bin('<>', coalesce(a, str('')), coalesce(b, str('')));

function deleteWhereKeyIn(table: TableRef, names: readonly string[], key: Expr, keys: Query): Statement {
  return { kind: 'delete', table, where: and(inList(col('definition'), names), { kind: 'in_query', expr: key, query: keys }) };
}

/**
 * The statements that make the snapshot rows of `names` equal to their staging rows, in order:
 * delete the snapshot rows that changed or left, insert the staging rows now missing; the same for
 * the users of `withUsers` (account audiences; every other definition of `names` keeps no users).
 */
export function snapshotDeltaWrites(refs: StateRefs, names: readonly string[], withUsers: readonly string[], stamp: SnapshotStamp): Statement[] {
  const stale = select({
    columns: [{ expr: entityKey('p'), alias: 'k' }],
    from: from(refs.snapshots, 'p'),
    joins: [{ type: 'LEFT', from: from(refs.staging, 's'), on: and(same('s', 'p', ['definition', 'entity_id']), isNull(col('user_id', 's'))) }],
    where: and(inList(col('definition', 'p'), names), or(isNull(col('entity_id', 's')), differs(col('value', 's'), col('value', 'p')))),
  });
  const staleUsers = select({
    columns: [{ expr: userKey('p'), alias: 'k' }],
    from: from(refs.snapshotUsers, 'p'),
    joins: [
      {
        type: 'LEFT',
        from: from(refs.staging, 's'),
        on: and(same('s', 'p', ['definition', 'entity_id', 'user_id', 'position']), inList(col('definition', 's'), withUsers)),
      },
    ],
    where: and(inList(col('definition', 'p'), names), isNull(col('entity_id', 's'))),
  });
  const statements: Statement[] = [
    deleteWhereKeyIn(refs.snapshots, names, entityKey(null), stale),
    insertMissing(refs.staging, refs.snapshots, ['definition', 'entity_id'], { value: col('value', 's'), run_id: str(stamp.runId), as_of: ts(stamp.asOf) }, names),
    deleteWhereKeyIn(refs.snapshotUsers, names, userKey(null), staleUsers),
  ];
  if (withUsers.length === 0) return statements;
  statements.push(insertMissing(refs.staging, refs.snapshotUsers, ['definition', 'entity_id', 'user_id'], { position: col('position', 's'), run_id: str(stamp.runId) }, withUsers));
  return statements;
}

/**
 * INSERT INTO table the staging rows (s) of `names` whose key is not in it: `key` columns from
 * staging, then `rest`. An entity's own staging row has no user_id, an account's user rows have one.
 */
function insertMissing(staging: TableRef, table: TableRef, key: readonly string[], rest: Record<string, Expr>, names: readonly string[]): Statement {
  const users = key.includes('user_id');
  return {
    kind: 'insert',
    table,
    columns: [...key, ...Object.keys(rest)],
    query: select({
      columns: [...key.map((c) => ({ expr: col(c, 's'), alias: c })), ...Object.entries(rest).map(([alias, expr]) => ({ expr, alias }))],
      from: from(staging, 's'),
      joins: [{ type: 'LEFT', from: from(table, 'p'), on: same('p', 's', key) }],
      where: and(inList(col('definition', 's'), names), isNull(col('user_id', 's'), users), isNull(col(key[key.length - 1], 'p'))),
    }),
  };
}
