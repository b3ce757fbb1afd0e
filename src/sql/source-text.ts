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
