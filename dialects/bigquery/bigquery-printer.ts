// BigQuery (GoogleSQL) differs from the default printer in quoting and escaping, in having no
// aggregate FILTER clause, in its array functions and in NULL ordering.
// https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical
import { TRUE, type AggregateFn, type Expr, type OrderItem, type Query, type SqlType, type Statement } from '../../src/sql/ast.js';
import { SqlPrinter, wholeSeconds } from '../../src/sql/printer.js';

const INDENT = '  ';

/** Every character that must not appear raw in a quoted string or identifier, as its escape. */
function escapeBackslashed(value: string, quote: "'" | '`'): string {
  if (value.includes('\u0000')) throw new Error('string literal holds a NUL character');
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

export class BigQueryPrinter extends SqlPrinter {
  override readonly dialectName: string = 'bigquery';

  // Lexical structure, "Quoted identifiers": enclosed in backticks, "can contain any characters"
  // and "have the same escape sequences as string literals".
  override quoteIdentifier(name: string): string {
    if (name.includes('\u0000')) throw new Error('identifier holds a NUL character');
    return `\`${escapeBackslashed(name, '`')}\``;
  }

  // Lexical structure, "String and bytes literals": backslash starts an escape sequence in every
  // quoted (non-raw) string, so `\` itself must be doubled and `'` escaped as `\'`.
  override visitStringLiteral(value: string): string {
    return `'${escapeBackslashed(value, "'")}'`;
  }

  // Data types: TIMESTAMP is an absolute instant; a literal without a zone is read in UTC,
  // which is what quorum's zone-less literals mean. Segment's BigQuery tables use TIMESTAMP.
  override typeName(type: SqlType): string {
    switch (type) {
      case 'string':
        return 'STRING';
      case 'number':
        return 'FLOAT64';
      case 'integer':
        return 'INT64';
      // NUMERIC is DECIMAL(38, 9) itself; a parameterised NUMERIC(38, 9) would add nothing.
      case 'decimal':
        return 'NUMERIC';
      case 'boolean':
        return 'BOOL';
      case 'timestamp':
        return 'TIMESTAMP';
      case 'string_list':
        return 'ARRAY<STRING>';
      case 'json':
        return 'JSON';
      default:
        return super.typeName(type);
    }
  }

  // Primary keys exist only as unenforced metadata: "PRIMARY KEY (...) NOT ENFORCED".
  override primaryKeyClause(quotedColumns: readonly string[]): string {
    return `${super.primaryKeyClause(quotedColumns)} NOT ENFORCED`;
  }

  // Query syntax, "Set operators": a bare UNION is an error; it must say DISTINCT or ALL.
  override visitQuery(query: Query, depth: number): string {
    if (query.kind !== 'union') return super.visitQuery(query, depth);
    const pad = INDENT.repeat(depth);
    return query.queries.map((q) => this.visitQuery(q, depth)).join(`\n${pad}${query.all ? 'UNION ALL' : 'UNION DISTINCT'}\n${pad}`);
  }

  // "NULLs appear first in ASC sorts and last in DESC sorts", and window and aggregate ORDER BY
  // take no NULLS FIRST / LAST. quorum wants NULLs last, so an ASC key is preceded by `x IS NULL`
  // (false sorts before true) and a DESC key needs nothing.
  override visitOrder(items: readonly OrderItem[]): string {
    return items
      .map((o) => {
        const key = this.visitExpr(o.expr);
        return o.direction === 'ASC' && !isNeverNull(o.expr) ? `(${key} IS NULL) ASC, ${key} ASC` : `${key} ${o.direction}`;
      })
      .join(', ');
  }

  // Aggregate functions: no FILTER clause (index.ts); a filtered COUNT(*) is COUNTIF(f).
  override visitCountIf(condition: Expr): string {
    return `COUNTIF(${this.visitExpr(condition)})`;
  }

  // ARRAY_AGG: "An error is raised if an array in the final query result has a NULL element",
  // hence IGNORE NULLS; with DISTINCT the ORDER BY key must be the aggregated expression.
  override aggregateCall(fn: AggregateFn, arg: string): string {
    if (fn === 'sorted_distinct_list') return `ARRAY_AGG(DISTINCT ${arg} IGNORE NULLS ORDER BY ${arg})`;
    return super.aggregateCall(fn, arg);
  }

  // The latest non-null value: ARRAY_AGG with IGNORE NULLS and ORDER BY, then the element at
  // SAFE_OFFSET(0) (NULL, not an error, when there is none). No `LIMIT 1` inside: it would only
  // save memory on a per-entity array of trait values, and translators drop or choke on it.
  override visitLatestNonNull(value: Expr, orderBy: readonly OrderItem[]): string {
    return `ARRAY_AGG(${this.visitExpr(value)} IGNORE NULLS ORDER BY ${this.visitOrder(orderBy)})[SAFE_OFFSET(0)]`;
  }

  // Array literals: an untyped [] takes its type from context, so COALESCE(list, []) is an
  // empty list of the list's own element type (STRING, FLOAT64, ...).
  override visitEmptyList(_elementType: SqlType): string {
    return '[]';
  }

  // TIMESTAMP_ADD(timestamp, INTERVAL n SECOND): "Adds int64_expression units of date_part to the
  // timestamp, independent of any time zone."
  // https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#timestamp_add
  override visitAddSeconds(expr: Expr, seconds: number): string {
    return `TIMESTAMP_ADD(${this.visitExpr(expr)}, INTERVAL ${wholeSeconds(seconds)} SECOND)`;
  }

  // Array functions: `value IN UNNEST(array)`; UNNEST of NULL is empty, so a NULL list is false.
  override visitListContains(list: Expr, value: Expr): string {
    return `(${this.visitExpr(value)} IN UNNEST(${this.visitExpr(list)}))`;
  }

  // String functions: STARTS_WITH / ENDS_WITH are plain prefix / suffix tests; STRPOS returns
  // the 1-based position or 0. (CONTAINS_SUBSTR is not a plain test: it folds case.)
  override visitStringMatch(match: 'contains' | 'starts_with' | 'ends_with', expr: Expr, pattern: Expr): string {
    if (match === 'contains') return super.visitStringMatch(match, expr, pattern);
    return `${match === 'starts_with' ? 'STARTS_WITH' : 'ENDS_WITH'}(${this.visitExpr(expr)}, ${this.visitExpr(pattern)})`;
  }

  // Hash functions: MD5 returns BYTES; TO_HEX makes it the lower-case hex the others return.
  override visitMd5Hex(expr: Expr): string {
    return `TO_HEX(MD5(${this.visitExpr(expr)}))`;
  }

  // DML: "DELETE ... WHERE condition" and "UPDATE ... WHERE condition" — the WHERE clause is
  // required, so an unconditional one says WHERE TRUE.
  override printStatement(statement: Statement): string {
    if ((statement.kind === 'delete' || statement.kind === 'update') && statement.where === null) {
      return this.printStatement({ ...statement, where: TRUE });
    }
    return super.printStatement(statement);
  }

  // JSON functions: TO_JSON_STRING renders any value (arrays as JSON arrays, NULL as null);
  // JSON_OBJECT builds an object from key / value pairs.
  override visitToJsonText(expr: Expr): string {
    return `TO_JSON_STRING(${this.visitExpr(expr)})`;
  }

  // %E3S: seconds with three digits of fraction; without a time zone argument FORMAT_TIMESTAMP
  // prints in UTC. A DATETIME or DATE (quorum reads both as timestamps) is cast to a TIMESTAMP in
  // UTC, the default time zone of the cast.
  // https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#format_timestamp
  // https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements#format_elements_date_time
  override visitInstantText(expr: Expr): string {
    return `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', CAST(${this.visitExpr(expr)} AS TIMESTAMP))`;
  }
}

function isNeverNull(e: Expr): boolean {
  return e.kind === 'literal' && e.literal.type !== 'null';
}
