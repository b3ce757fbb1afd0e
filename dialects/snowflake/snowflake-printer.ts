// Snowflake differs from the default printer in identifier case, backslash escapes, having no
// aggregate FILTER clause, and in its semi-structured (ARRAY / VARIANT) functions.
// https://docs.snowflake.com/en/sql-reference
import type { AggregateFn, Expr, OrderItem, SqlType } from '../../src/sql/ast.js';
import { formatTimestamp, SqlPrinter, wholeSeconds } from '../../src/sql/printer.js';

/** A name Snowflake would store upper-cased if it were written unquoted. */
const FOLDABLE = /^[a-z_][a-z0-9_$]*$/;

/**
 * Snowflake stores an unquoted identifier upper-cased and matches a quoted one exactly
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax). Tables created the usual way
 * (Segment's and Fivetran's loaders, `create table identifies (user_id ...)`) are therefore named
 * IDENTIFIES / USER_ID. quorum quotes every identifier (keywords, odd characters), so it quotes
 * the name Snowflake would have stored: a lower-case name is folded to upper case exactly as the
 * unquoted name would be, and any other name (mixed case, spaces, ...) is kept as written.
 * The connector folds such names back to lower case in what it reads (catalog, result columns).
 */
export function snowflakeName(name: string): string {
  return FOLDABLE.test(name) ? name.toUpperCase() : name;
}

export class SnowflakePrinter extends SqlPrinter {
  override readonly dialectName: string = 'snowflake';

  override quoteIdentifier(name: string): string {
    return super.quoteIdentifier(snowflakeName(name));
  }

  // String literals: "in a single-quoted string, the backslash is an escape character", so a
  // backslash is doubled as well as the quote (https://docs.snowflake.com/en/sql-reference/data-types-text#escape-sequences-in-single-quoted-string-constants).
  override visitStringLiteral(value: string): string {
    if (value.includes('\u0000')) throw new Error('string literal holds a NUL character');
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  }

  // TIMESTAMP_NTZ holds a wall-clock time without zone, as quorum's UTC timestamps are. The
  // connector sets the session TIMEZONE to UTC, so a TIMESTAMP_TZ / _LTZ column compares with
  // it as the same instant. https://docs.snowflake.com/en/sql-reference/data-types-datetime
  override visitTimestampLiteral(iso: string): string {
    return `CAST(${this.visitStringLiteral(formatTimestamp(iso))} AS TIMESTAMP_NTZ)`;
  }

  // The day an event falls in, in UTC, for the incremental engine's daily buckets: a TIMESTAMP_TZ
  // keeps each value's own offset and its DATE is the local one ("all operations are performed
  // with the time zone offset specific to each record"), so 23:30Z stored as 01:30 +02:00 fell in
  // the next day, outside the buckets a run merges and the raw rows it reads.
  // https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz
  override visitDayStart(expr: Expr): string {
    return `CAST(CAST(CONVERT_TIMEZONE('UTC', CAST(${this.visitExpr(expr)} AS TIMESTAMP_TZ)) AS DATE) AS TIMESTAMP_NTZ)`;
  }

  override typeName(type: SqlType): string {
    switch (type) {
      case 'number':
        return 'DOUBLE';
      case 'timestamp':
        return 'TIMESTAMP_NTZ';
      case 'string_list':
        return 'ARRAY';
      case 'json':
        return 'VARIANT';
      default:
        return super.typeName(type);
    }
  }

  // Aggregate functions take no FILTER clause (index.ts); a filtered COUNT(*) is COUNT_IF(f).
  // https://docs.snowflake.com/en/sql-reference/functions/count_if
  override visitCountIf(condition: Expr): string {
    return `COUNT_IF(${this.visitExpr(condition)})`;
  }

  // ARRAY_AGG skips NULLs; its order is given WITHIN GROUP.
  // https://docs.snowflake.com/en/sql-reference/functions/array_agg
  override aggregateCall(fn: AggregateFn, arg: string): string {
    if (fn === 'sorted_distinct_list') return `ARRAY_AGG(DISTINCT ${arg}) WITHIN GROUP (ORDER BY ${arg})`;
    return super.aggregateCall(fn, arg);
  }

  // The latest non-null value: ARRAY_AGG drops NULLs, WITHIN GROUP orders what is left, and
  // GET(array, 0) is the first element (NULL when the array is empty). The element is a VARIANT;
  // comparisons with a literal coerce it, and TO_JSON renders it as the value it holds.
  // https://docs.snowflake.com/en/sql-reference/functions/get
  override visitLatestNonNull(value: Expr, orderBy: readonly OrderItem[]): string {
    return `GET(ARRAY_AGG(${this.visitExpr(value)}) WITHIN GROUP (ORDER BY ${this.visitOrder(orderBy)}), 0)`;
  }

  // https://docs.snowflake.com/en/sql-reference/functions/array_construct
  override visitEmptyList(_elementType: SqlType): string {
    return 'ARRAY_CONSTRUCT()';
  }

  // DATEADD(second, n, ts) keeps the type of ts (TIMESTAMP_NTZ stays NTZ, so the comparison with
  // the NTZ literals is unchanged). https://docs.snowflake.com/en/sql-reference/functions/dateadd
  override visitAddSeconds(expr: Expr, seconds: number): string {
    return `DATEADD(SECOND, ${wholeSeconds(seconds)}, ${this.visitExpr(expr)})`;
  }

  // https://docs.snowflake.com/en/sql-reference/functions/array_contains — the value is a
  // VARIANT; a NULL array gives NULL, which quorum's comparison turns into false.
  override visitListContains(list: Expr, value: Expr): string {
    return `ARRAY_CONTAINS(CAST(${this.visitExpr(value)} AS VARIANT), ${this.visitExpr(list)})`;
  }

  // CONTAINS is a plain substring test (no wildcards); Snowflake has no STRPOS. Prefixes and
  // suffixes keep the default LEFT / RIGHT form, which Snowflake counts in characters too.
  // https://docs.snowflake.com/en/sql-reference/functions/contains
  override visitStringMatch(match: 'contains' | 'starts_with' | 'ends_with', expr: Expr, pattern: Expr): string {
    if (match !== 'contains') return super.visitStringMatch(match, expr, pattern);
    return `CONTAINS(${this.visitExpr(expr)}, ${this.visitExpr(pattern)})`;
  }

  // TO_JSON takes a VARIANT and renders it as JSON text; NULL stays NULL.
  // https://docs.snowflake.com/en/sql-reference/functions/to_json
  override visitToJsonText(expr: Expr): string {
    return `TO_JSON(TO_VARIANT(${this.visitExpr(expr)}))`;
  }

  // A TIMESTAMP_TZ keeps its own offset, which TO_CHAR prints: CONVERT_TIMEZONE moves it to UTC (an
  // NTZ or LTZ value is cast in the session's time zone, UTC, first). FF3: milliseconds, truncated.
  // https://docs.snowflake.com/en/sql-reference/functions/convert_timezone
  // https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions
  override visitInstantText(expr: Expr): string {
    return `TO_CHAR(CONVERT_TIMEZONE('UTC', CAST(${this.visitExpr(expr)} AS TIMESTAMP_TZ)), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"')`;
  }

  // OBJECT_CONSTRUCT drops keys whose value is NULL; the _KEEP_NULL form keeps them as JSON null.
  // https://docs.snowflake.com/en/sql-reference/functions/object_construct_keep_null
  override visitJsonObject(entries: readonly { key: string; value: Expr }[]): string {
    return `OBJECT_CONSTRUCT_KEEP_NULL(${entries.map((en) => `${this.visitStringLiteral(en.key)}, ${this.visitExpr(en.value)}`).join(', ')})`;
  }
}
