// DuckDB differs from the default printer only in its list syntax.
// https://duckdb.org/docs/sql/data_types/list ; https://duckdb.org/docs/sql/functions/list
import type { Expr, OrderItem, SqlType } from '../../src/sql/ast.js';
import { SqlPrinter } from '../../src/sql/printer.js';

export class DuckDbPrinter extends SqlPrinter {
  override readonly dialectName = 'duckdb';

  override typeName(type: SqlType): string {
    return type === 'number' ? 'DOUBLE' : super.typeName(type);
  }

  override visitExpr(e: Expr): string {
    // An untyped [] takes the element type of the list it is coalesced with.
    if (e.kind === 'empty_list') return '[]';
    return super.visitExpr(e);
  }

  // arg_max over a row value picks the latest row in one pass, where ARRAY_AGG(... ORDER BY) sorts
  // every group. https://duckdb.org/docs/sql/functions/aggregates#arg_maxarg-val
  override visitLatestNonNull(value: Expr, orderBy: readonly OrderItem[]): string {
    const direction = orderBy[0]?.direction;
    if (orderBy.length === 0 || orderBy.some((o) => o.direction !== direction)) return super.visitLatestNonNull(value, orderBy);
    const v = this.visitExpr(value);
    const key = `(${orderBy.map((o) => this.visitExpr(o.expr)).join(', ')})`;
    return `${direction === 'DESC' ? 'ARG_MAX' : 'ARG_MIN'}(${v}, ${key}) FILTER (WHERE ${v} IS NOT NULL)`;
  }

  override visitListContains(list: Expr, value: Expr): string {
    return `LIST_CONTAINS(${this.visitExpr(list)}, ${this.visitExpr(value)})`;
  }
}
