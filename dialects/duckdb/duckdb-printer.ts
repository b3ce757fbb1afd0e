// DuckDB differs from the default printer only in its list syntax.
// https://duckdb.org/docs/sql/data_types/list ; https://duckdb.org/docs/sql/functions/list
import type { Expr, SqlType } from '../../src/sql/ast.js';
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

  override visitListContains(list: Expr, value: Expr): string {
    return `LIST_CONTAINS(${this.visitExpr(list)}, ${this.visitExpr(value)})`;
  }
}
