// NaN and the infinities are read as null wherever quorum reads a number column (docs/semantics.md,
// "Numbers that are not finite"): none has a JSON form, so no call could carry one (DuckDB's
// to_json writes a bare NaN, Postgres's the string "NaN"), and the warehouses do not agree on
// how NaN compares: DuckDB, Postgres and Snowflake order it above every number, BigQuery compares
// it false with everything. Both bounds below fail NaN and the infinities on all four, so the test
// needs no function that some warehouse lacks (Postgres has no isfinite of a double).
// https://duckdb.org/docs/sql/data_types/numeric#floating-point-types
// https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-FLOAT
// https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#floating_point_semantics
// https://docs.snowflake.com/en/sql-reference/data-types-numeric#special-values
import type { Plan, ValueType } from '../plan/plan.js';
import { and, bin, caseWhen, col, num, type Expr } from './ast.js';

/** True for a finite number, false for NaN and the infinities, null for null. */
export const isFiniteNumber = (value: Expr): Expr => and(bin('>=', value, num(-Number.MAX_VALUE)), bin('<=', value, num(Number.MAX_VALUE)));

/** A value of `type` as quorum reads it: a number that is not finite is null. */
export function finiteValue(value: Expr, type: ValueType | undefined): Expr {
  return type === 'number' ? caseWhen([{ when: isFiniteNumber(value), then: value }]) : value;
}

/** A source column's value as a property or custom trait reads it (finiteValue by the catalog's type). */
export function columnValue(plan: Pick<Plan, 'columnTypes'>, table: string, column: string, alias: string): Expr {
  return finiteValue(col(column, alias), plan.columnTypes[table]?.[column]);
}
