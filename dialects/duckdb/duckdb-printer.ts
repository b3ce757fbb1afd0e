// DuckDB differs from the default printer in its list syntax and its one-pass aggregates.
// https://duckdb.org/docs/sql/data_types/list ; https://duckdb.org/docs/sql/functions/list
import { aggregate, and, bin, col, firstValueBy, join, select, subquery, type Expr, type FirstPerGroup, type OrderItem, type RankKey, type Select, type SqlType } from '../../src/sql/ast.js';
import { SqlPrinter, wholeSeconds } from '../../src/sql/printer.js';
import { exponentTextAsJavaScript } from '../float-text.js';

export class DuckDbPrinter extends SqlPrinter {
  override readonly dialectName = 'duckdb';

  // A DuckDB primary key is an ART index, maintained row by row by every insert and delete and
  // written out at each checkpoint, which hash joins never read: deleting 200,000 keyed snapshot
  // rows took 14 s and the commit after their re-insert 35 s, against 6 ms and 60 ms without it.
  // https://duckdb.org/docs/guides/performance/indexing
  override readonly declaresKeyOfBulkTables: boolean = false;

  // A run's scratch tables (staging, changes) are temporary tables of the session. An INSERT into
  // a table of the database file compresses and writes its row groups as it goes, for rows the
  // same transaction deletes; a temporary table keeps them in the buffer pool. The 50-definition
  // incremental run (1.5 M staged rows) took 0.5 s less of about 8 s, a run of 1 M changes staged in
  // 0.4 s instead of 0.6 s at the same peak RSS (BENCHMARKS.md, "Scratch tables in the session").
  // Fully qualified: "temp"."staging" would be ambiguous beside a schema the user named temp.
  // https://duckdb.org/docs/sql/statements/create_table#temporary-tables
  override readonly scratchTablesInSession: boolean = true;

  // DuckDB answers `IN (SELECT ...)` inside an OR with a MARK join over every row: reading the 50
  // bench definitions' covered snapshot rows took 148-171 ms as one condition, 33-67 ms as parts
  // (BENCHMARKS.md, "The change set's covered rows as parts", in "String compression of the state,
  // and a funnel's rows_read").
  override readonly coveredRowsAsParts: boolean = true;

  override visitSessionTableName(name: string): string {
    return `"temp"."main".${this.quoteIdentifier(name)}`;
  }

  override typeName(type: SqlType): string {
    return type === 'number' ? 'DOUBLE' : super.typeName(type);
  }

  // Ids and keys become text, and a floating id must read as JavaScript writes the number
  // (float-text.ts): "2" where DuckDB writes "2.0", "1000000000000000" where it writes
  // "1000000000000000.0", "1e+21" and "1.5e-7" where it writes "1e+21" and "1.5e-07".
  // typeof() is known when the statement binds, so for any other type the CASE folds away to the
  // plain cast; a literal's type is known here, and a caller may know the input's (`from`), so
  // those are cast plainly: DuckDB binds the whole CASE before it folds it, about 1.4 ms for each
  // (a statement of 23 took 39 ms to plan against 6 ms; BENCHMARKS.md, "Casts that bind"). A FLOAT
  // is read as the double JavaScript receives for it.
  // https://duckdb.org/docs/sql/functions/utility#typeofexpression
  override visitCast(expr: Expr, type: SqlType, from?: SqlType): string {
    if (type !== 'string' || expr.kind === 'literal' || (from !== undefined && from !== 'number')) return super.visitCast(expr, type);
    const e = this.visitExpr(expr);
    const text = `CAST(TRY_CAST(${e} AS DOUBLE) AS VARCHAR)`;
    const asJavaScript = [
      `CASE WHEN strpos(${text}, 'e') > 0 THEN ${exponentTextAsJavaScript(text)}`,
      `WHEN ${text} = 'nan' THEN 'NaN' WHEN ${text} = 'inf' THEN 'Infinity' WHEN ${text} = '-inf' THEN '-Infinity'`,
      `WHEN ${text} IN ('0.0', '-0.0') THEN '0'`,
      `WHEN right(${text}, 2) = '.0' THEN left(${text}, length(${text}) - 2) ELSE ${text} END`,
    ].join(' ');
    return `CASE WHEN typeof(${e}) IN ('DOUBLE', 'FLOAT') THEN ${asJavaScript} ELSE CAST(${e} AS VARCHAR) END`;
  }

  // An untyped [] takes the element type of the list it is coalesced with.
  override visitEmptyList(_elementType: SqlType): string {
    return '[]';
  }

  // "INTERVAL 86400 SECOND": an interval of one part; adding seconds to a TIMESTAMP WITH TIME ZONE
  // is exact, where adding days would follow the session zone's daylight saving.
  // https://duckdb.org/docs/sql/data_types/interval ; https://duckdb.org/docs/sql/functions/timestamptz
  override visitAddSeconds(expr: Expr, seconds: number): string {
    return `(${this.visitExpr(expr)} + INTERVAL ${wholeSeconds(seconds)} SECOND)`;
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

  // ARG_MIN_NULL keeps the row with the smallest key, its value null or not, in one hash aggregate
  // (no sort of every row as ROW_NUMBER() needs). A struct key compares field by field with NULL
  // last, as ORDER BY ... NULLS LAST does; a DESC timestamp or number becomes an ASC negation.
  // https://duckdb.org/docs/sql/functions/aggregates#arg_min_nullarg-val

  override visitFirstPerGroup(q: FirstPerGroup, depth: number): string {
    if (q.orderBy.length === 0) return super.visitFirstPerGroup(q, depth);
    const [first, ...rest] = q.orderBy;
    if (q.manyRowsPerGroup && first.type === 'timestamp' && rest.length > 0) return this.visitSelect(this.firstAtExtremeTime(q, first, rest), depth);
    return this.visitSelect(
      select({
        columns: [
          { expr: q.group, alias: 'id' },
          { expr: firstValueBy(q.value, q.orderBy), alias: 'value' },
        ],
        from: q.from,
        joins: q.joins,
        where: q.where,
        groupBy: [q.group],
      }),
      depth,
    );
  }

  // first / last / latest by time: a plain MAX (MIN) of the time per group is a cheap aggregate,
  // and only the rows at that time (one per group, but for ties) are ranked by the tie keys. The
  // time is never null here: every ranked row exists at as_of.
  // The struct key costs its comparisons on every row otherwise: 0.53-0.64x the time at SF 1
  // (BENCHMARKS.md). The second read of the source gets the join's filters pushed into its scan.
  private firstAtExtremeTime(q: FirstPerGroup, first: RankKey, rest: readonly RankKey[]): Select {
    const extreme = select({
      columns: [
        { expr: q.group, alias: 'group_key' },
        { expr: aggregate(first.direction === 'DESC' ? 'max' : 'min', first.expr), alias: 'at' },
      ],
      from: q.from,
      joins: q.joins,
      where: q.where,
      groupBy: [q.group],
    });
    const on = and(bin('=', col('group_key', 'extreme'), q.group), bin('=', col('at', 'extreme'), first.expr));
    return select({
      columns: [
        { expr: q.group, alias: 'id' },
        { expr: firstValueBy(q.value, rest), alias: 'value' },
      ],
      from: q.from,
      joins: [...q.joins, join('INNER', subquery(extreme, 'extreme'), on)],
      where: q.where,
      groupBy: [q.group],
    });
  }

  override visitFirstValueBy(value: Expr, orderBy: readonly RankKey[]): string {
    if (orderBy.every((o) => o.direction === 'DESC')) {
      // Every key descending (a latest trait: time, then id): the largest key, nulls last, as the
      // pair (k IS NOT NULL, k) orders them.
      const keys = orderBy.flatMap((o) => {
        const e = this.visitExpr(o.expr);
        return [`(${e} IS NOT NULL)`, e];
      });
      return `ARG_MAX_NULL(${this.visitExpr(value)}, (${keys.join(', ')}))`;
    }
    // A descending string cannot be negated into an ascending key: sort the group instead.
    if (orderBy.some((o) => o.direction === 'DESC' && o.type === 'other')) return super.visitFirstValueBy(value, orderBy);
    const keys = orderBy.map((o) => {
      const e = this.visitExpr(o.expr);
      if (o.direction === 'ASC') return e;
      return o.type === 'timestamp' ? `(-EPOCH_US(${e}))` : `(-(${e}))`;
    });
    // Always a struct: a bare key that is NULL would be skipped, a struct field that is NULL sorts last.
    return `ARG_MIN_NULL(${this.visitExpr(value)}, ${keys.length === 1 ? `ROW(${keys[0]})` : `(${keys.join(', ')})`})`;
  }

  override visitListContains(list: Expr, value: Expr): string {
    return `LIST_CONTAINS(${this.visitExpr(list)}, ${this.visitExpr(value)})`;
  }
}
