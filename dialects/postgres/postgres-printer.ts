// PostgreSQL (and PGlite) differ from the default printer in string order, a few function
// names and identifier length. https://www.postgresql.org/docs/current/
import { select, type BinaryOp, type Expr, type FirstPerGroup, type SqlType, type TableRef } from '../../src/sql/ast.js';
import { SqlPrinter, wholeSeconds } from '../../src/sql/printer.js';
import { unsupported } from '../../src/diagnostics/unsupported.js';

/** NAMEDATALEN - 1: longer names are silently truncated, so two could collide. */
const MAX_IDENTIFIER_BYTES = 63;
const ORDERING: ReadonlySet<BinaryOp> = new Set(['<', '<=', '>', '>=']);

export class PostgresPrinter extends SqlPrinter {
  override readonly dialectName: string = 'postgres';
  // A table without an index on the arrival or event time is read whole by every range's query:
  // the dirty users of the 50 bench definitions' incremental run at SF 0.1 read 38 tables in
  // 1.2-1.7 s, one OR per table 0.34-0.46 s (BENCHMARKS.md, "Postgres: one scan for the rows new
  // to a run, and distinct values per value first").
  override readonly prunesBlocksByRange: boolean = false;

  // https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
  // "The system uses no more than NAMEDATALEN-1 bytes of an identifier; longer names can be
  // written in commands, but they will be truncated." Truncation could merge two names, so refuse.
  override quoteIdentifier(name: string): string {
    if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
      throw unsupported(this.dialectName, `the name "${name}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`, 'shorten the definition or column name');
    }
    return super.quoteIdentifier(name);
  }

  // https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS-ESCAPE
  // A plain '...' treats backslash literally only while standard_conforming_strings is on (the
  // default since 9.1, but a server or role may turn it off). An E'...' string means the same
  // under either setting, so a value holding a backslash is printed as one.
  override visitStringLiteral(value: string): string {
    if (!value.includes('\\')) return super.visitStringLiteral(value);
    if (value.includes('\u0000')) throw new Error('string literal holds a NUL character');
    return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  }

  // https://www.postgresql.org/docs/current/datatype.html
  override typeName(type: SqlType): string {
    switch (type) {
      case 'string':
        return 'TEXT';
      case 'string_list':
        return 'TEXT[]';
      case 'json':
        return 'JSONB';
      default:
        return super.typeName(type);
    }
  }

  // https://www.postgresql.org/docs/current/arrays.html#ARRAYS-INPUT — '{}' is an empty array
  // of a type not yet known; COALESCE(list, '{}') resolves it to the list's own element type
  // (text[], double precision[], ...), as DuckDB's untyped [] does.
  override visitEmptyList(_elementType: SqlType): string {
    return "'{}'";
  }

  // https://www.postgresql.org/docs/current/collation.html — string order follows the
  // database's collation (en_US, ...), not code points. quorum orders strings by code point
  // (docs/semantics.md), which is what the "C" collation does on a UTF-8 database (byte order).
  // A string literal on one side of an ordering comparison carries COLLATE "C"; an explicit
  // collation wins over the column's implicit one, so the comparison is by code point.
  override visitBinary(op: BinaryOp, left: Expr, right: Expr): string {
    if (!ORDERING.has(op)) return super.visitBinary(op, left, right);
    return `(${this.ordered(left)} ${op} ${this.ordered(right)})`;
  }

  override visitBetween(expr: Expr, low: Expr, high: Expr): string {
    return `(${this.ordered(expr)} BETWEEN ${this.ordered(low)} AND ${this.ordered(high)})`;
  }

  // make_interval(secs => n) builds the interval from a number, no text to parse; a seconds-only
  // interval added to timestamptz is exact (days would follow the TimeZone setting's DST rules).
  // https://www.postgresql.org/docs/current/functions-datetime.html (make_interval, timestamp + interval)
  override visitAddSeconds(expr: Expr, seconds: number): string {
    return `(${this.visitExpr(expr)} + make_interval(secs => ${wholeSeconds(seconds)}))`;
  }

  // https://www.postgresql.org/docs/current/sql-analyze.html — autovacuum analyses a table only
  // some time after a bulk write; until then the planner expects a handful of rows. It then reads a
  // freshly written outbox with a bitmap scan and a sort instead of its primary key, and joins a run's
  // change set (emptied by every run, so analysed empty if at all) to the snapshots in a nested loop
  // that compares every pair: 22 s instead of milliseconds for 4,476 changes in an incremental run at
  // SF 0.1 (BENCHMARKS.md, "Postgres: the change set's statistics"). ANALYZE may run inside the run's
  // transaction and sees its rows.
  override refreshStatistics(table: TableRef): string | null {
    return `ANALYZE ${this.visitTableName(table.schema, table.name, table.scratch)}`;
  }

  // LOWER follows the collation of its input. An ICU collation (and PG 18's builtin
  // pg_unicode_fast) applies Unicode's full, context-sensitive mapping, a Turkish or Lithuanian
  // locale (ICU or libc) that language's rules; quorum lower-cases by the simple mapping. They differ
  // only on the capitals of LOWER_FIRST (SpecialCasing.txt: the final sigma, İ, and I, J, Į, Ì, Í,
  // Ĩ in tr / az / lt), so those are mapped to their simple lowercase first, which every collation
  // leaves as it is: under an ICU database "ΟΔΟΣ" was "οδος" and "İ" "i̇" (found by an audit on 5
  // December). TRANSLATE maps character by character, whatever the collation, on every version.
  // A collation of simple mappings is no portable alternative: pg_c_utf8 exists from PG 17,
  // "C.utf8" only where the server's C library had it at initdb.
  // https://www.postgresql.org/docs/current/functions-string.html ; https://www.unicode.org/Public/UCD/latest/ucd/SpecialCasing.txt
  override visitLowerCase(expr: Expr): string {
    const [from, to] = LOWER_FIRST;
    return `LOWER(TRANSLATE(${this.visitExpr(expr)}, ${this.visitStringLiteral(from)}, ${this.visitStringLiteral(to)}))`;
  }

  // The same "C" collation for values quorum sorts or takes the min / max of (unique_list, ties).
  override visitCodePointOrder(expr: Expr): string {
    return `(${this.visitExpr(expr)} COLLATE "C")`;
  }

  private ordered(e: Expr): string {
    const text = this.visitExpr(e);
    // Parenthesised: BETWEEN's bounds are b_expr in Postgres' grammar, which has no COLLATE.
    return isStringLiteral(e) ? `(${text} COLLATE "C")` : text;
  }

  // https://www.postgresql.org/docs/current/sql-select.html#SQL-DISTINCT — DISTINCT ON keeps the
  // first row of each group in ORDER BY order: one sort, no window and no outer filter.
  override visitFirstPerGroup(q: FirstPerGroup, depth: number): string {
    return this.visitSelect(
      select({
        distinctOn: [q.group],
        columns: [
          { expr: q.group, alias: 'id' },
          { expr: q.value, alias: 'value' },
        ],
        from: q.from,
        joins: q.joins,
        where: q.where,
        orderBy: [{ expr: q.group, direction: 'ASC' }, ...q.orderBy.map((o) => ({ expr: o.expr, direction: o.direction }))],
      }),
      depth,
    );
  }

  // https://www.postgresql.org/docs/current/functions-json.html — to_json renders every type
  // (arrays as JSON arrays); json_build_object exists on every supported version (JSON_OBJECT
  // only from 16).
  override visitToJsonText(expr: Expr): string {
    return `CAST(TO_JSON(${this.visitExpr(expr)}) AS TEXT)`;
  }

  // to_char of a timestamptz prints it in the session's time zone, UTC (the connector sets it); a
  // timestamp without a zone or a date is cast to one in that zone, so every kind prints its UTC time.
  // https://www.postgresql.org/docs/current/functions-formatting.html
  override visitInstantText(expr: Expr): string {
    return `TO_CHAR(CAST(${this.visitExpr(expr)} AS TIMESTAMPTZ), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }

  override visitJsonObject(entries: readonly { key: string; value: Expr }[]): string {
    return `JSON_BUILD_OBJECT(${entries.map((en) => `${this.visitStringLiteral(en.key)}, ${this.visitExpr(en.value)}`).join(', ')})`;
  }
}

/** The capitals whose lowercase some collation maps otherwise than Unicode's simple mapping, and that mapping. */
const LOWER_FIRST = ['\u03A3\u0130IJ\u012E\u00CC\u00CD\u0128', '\u03C3iij\u012F\u00EC\u00ED\u0129'] as const;

function isStringLiteral(e: Expr): boolean {
  if (e.kind === 'literal') return e.literal.type === 'string';
  return e.kind === 'lower' && isStringLiteral(e.expr);
}
