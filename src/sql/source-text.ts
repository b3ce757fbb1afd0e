// A source column as text: ids and keys are compared as text everywhere. The column's type, where
// the catalog knows it, goes with the cast, so that a printer need not cover every type the column
// could hold (DuckDB spells a floating-point id as JavaScript does, in a CASE it binds in full).
import type { Plan } from '../plan/plan.js';
import { cast, col, type Expr, type SqlType } from './ast.js';

/** Catalog types whose text is the warehouse's plain cast ('number' may be floating-point). */
const PLAIN_TEXT: Readonly<Record<string, SqlType>> = { string: 'string', integer: 'integer', boolean: 'boolean', timestamp: 'timestamp' };

/** The type of a source column for a cast's `from`, where the catalog knows one whose text is plain. */
export function sourceType(plan: Plan, table: string, column: string): SqlType | undefined {
  const known = plan.columnTypes[table]?.[column];
  return known === undefined ? undefined : PLAIN_TEXT[known];
}

export function sourceText(plan: Plan, table: string, column: string, alias: string): Expr {
  return cast(col(column, alias), 'string', sourceType(plan, table, column));
}

/** Catalog types of an id whose text is the plain cast: nothing the DuckDB printer must spell as JavaScript would. */
const PLAIN_ID: ReadonlySet<string> = new Set(['string', 'integer']);

/**
 * The `from` of a cast of any entity or user id of `plan` to text, where every column an id can
 * come from is known to hold text or integers: each user, anonymous and group id column of every
 * table the plan reads. Undefined (a floating-point id is possible) when the catalog does not know
 * one of those tables, when one of those columns is another type, or when a SQL trait gives ids:
 * its result's types are its own.
 */
export function idTextType(plan: Plan): SqlType | undefined {
  if (plan.sqlTraits.length > 0) return undefined;
  const { userId, anonymousId, groupId, contextGroupId } = plan.layout.columns;
  const tables = new Set([
    ...plan.userUniverseTables,
    ...plan.scans.map((s) => s.table),
    ...plan.ranked.map((r) => r.match.table),
    ...plan.funnels.flatMap((f) => f.steps.map((s) => s.match.table)),
    ...(plan.identity?.edgeTables ?? []),
  ]);
  const seen = new Set<string>();
  for (const name of tables) {
    const types = plan.columnTypes[name];
    if (types === undefined) return undefined;
    for (const column of [userId, anonymousId, groupId, contextGroupId]) {
      const type = types[column];
      if (type === undefined) continue;
      if (!PLAIN_ID.has(type)) return undefined;
      seen.add(type);
    }
  }
  return seen.size === 1 && seen.has('integer') ? 'integer' : 'string';
}
