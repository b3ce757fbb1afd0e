// The default printer: standard SQL with the aggregate FILTER clause. A dialect subclasses it and
// overrides only the visit methods where its warehouse differs (see dialects/<name>/).
import { assertNever } from '../diagnostics/assert-never.js';
import {
  bin,
  col,
  num,
  rowNumber,
  select,
  subquery,
  type AggregateFn,
  type BinaryOp,
  type CommonTableExpression,
  type Ddl,
  type Expr,
  type FirstPerGroup,
  type FromItem,
  type Join,
  type Literal,
  type OrderItem,
  type RankKey,
  type Query,
  type Select,
  type SqlType,
  type Statement,
  type TableRef,
} from './ast.js';
import { unsupported } from '../diagnostics/unsupported.js';
import { CONSERVATIVE_CAPABILITIES, type DialectCapabilities } from '../warehouse/capabilities.js';

const JOIN_KEYWORDS: Record<Join['type'], string> = { INNER: 'JOIN', LEFT: 'LEFT JOIN', FULL: 'FULL OUTER JOIN' };

const INDENT = '  ';

export class SqlPrinter {
  /** The warehouse's capabilities (src/warehouse/capabilities.ts); conservative by default. */
  constructor(readonly capabilities: DialectCapabilities = CONSERVATIVE_CAPABILITIES) {}

  /** Used in messages: `UNSUPPORTED on <dialectName>`. */
  readonly dialectName: string = 'ansi';

  print(query: Query): string {
    return this.visitQuery(query, 0);
  }

  /** `CREATE SCHEMA` / `CREATE TABLE` (both idempotent: IF NOT EXISTS), `ALTER TABLE ADD COLUMN`, `DROP TABLE IF EXISTS`. */
  printDdl(ddl: Ddl): string {
    switch (ddl.kind) {
      case 'create_schema':
        return `CREATE SCHEMA IF NOT EXISTS ${this.visitSchemaName(ddl.schema)}`;
      case 'create_table': {
        const columns = ddl.columns.map((c) => `  ${this.quoteIdentifier(c.name)} ${this.typeName(c.type)}${c.nullable ? '' : ' NOT NULL'}`);
        if (ddl.primaryKey.length > 0 && (this.declaresKeyOfBulkTables || ddl.bulk !== true)) columns.push(`  ${this.primaryKeyClause(ddl.primaryKey.map((c) => this.quoteIdentifier(c)))}`);
        return `CREATE ${ddl.scratch && this.scratchTablesInSession ? 'TEMPORARY TABLE' : 'TABLE'} IF NOT EXISTS ${this.visitTableName(ddl.schema, ddl.name, ddl.scratch)} (\n${columns.join(',\n')}\n)`;
      }
      case 'create_temporary_table_as':
        return `CREATE TEMPORARY TABLE ${this.quoteIdentifier(ddl.name)} AS\n${this.visitQuery(ddl.query, 0)}\nWITH NO DATA`;
      case 'add_column': {
        const c = ddl.column;
        return `ALTER TABLE ${this.visitTableName(ddl.schema, ddl.table)} ADD COLUMN ${this.quoteIdentifier(c.name)} ${this.typeName(c.type)}${c.nullable ? '' : ' NOT NULL'}`;
      }
      case 'drop_table':
        return `DROP TABLE IF EXISTS ${this.visitTableName(ddl.schema, ddl.name)}`;
      case 'drop_not_null':
        return `ALTER TABLE ${this.visitTableName(ddl.schema, ddl.table)} ALTER COLUMN ${this.quoteIdentifier(ddl.column)} DROP NOT NULL`;
      default:
        return assertNever(ddl, 'SQL node');
    }
  }

  /**
   * Whether a table written in bulk by every run (Ddl `bulk`) declares its primary key. Where a key
   * is an index that each inserted and deleted row updates inside the transaction, and joins do not
   * use it, it costs more than it gives, since the writer keeps the key unique anyway.
   */
  readonly declaresKeyOfBulkTables: boolean = true;

  visitSchemaName(schema: string): string {
    if (!this.capabilities.supportsQualifiedSchemaNames) return this.quoteIdentifier(schema);
    return schema.split('.').map((part) => this.quoteIdentifier(part)).join('.');
  }

  primaryKeyClause(quotedColumns: readonly string[]): string {
    return `PRIMARY KEY (${quotedColumns.join(', ')})`;
  }

  // --- identifiers and literals: the only places user text becomes SQL text -------------------

  quoteIdentifier(name: string): string {
    if (name.includes('\u0000')) throw new Error('identifier holds a NUL character');
    return `"${name.replaceAll('"', '""')}"`;
  }

  visitStringLiteral(value: string): string {
    if (value.includes('\u0000')) throw new Error('string literal holds a NUL character');
    return `'${value.replaceAll("'", "''")}'`;
  }

  visitNumberLiteral(value: number): string {
    if (!Number.isFinite(value)) throw new Error(`non-finite number ${value}`);
    return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? value.toFixed(0) : String(value);
  }

  visitTimestampLiteral(iso: string): string {
    return `TIMESTAMP ${this.visitStringLiteral(formatTimestamp(iso))}`;
  }

  visitLiteral(literal: Literal): string {
    switch (literal.type) {
      case 'string':
        return this.visitStringLiteral(literal.value);
      case 'number':
        return this.visitNumberLiteral(literal.value);
      case 'boolean':
        return literal.value ? 'TRUE' : 'FALSE';
      case 'timestamp':
        return this.visitTimestampLiteral(literal.value);
      case 'null':
        return 'NULL';
      default:
        return assertNever(literal, 'SQL node');
    }
  }

  visitCast(expr: Expr, type: SqlType, _from?: SqlType): string {
    return `CAST(${this.visitExpr(expr)} AS ${this.typeName(type)})`;
  }

  typeName(type: SqlType): string {
    switch (type) {
      case 'string':
        return 'VARCHAR';
      case 'number':
        return 'DOUBLE PRECISION';
      case 'integer':
        return 'BIGINT';
      case 'decimal':
        return 'DECIMAL(38, 9)';
      case 'boolean':
        return 'BOOLEAN';
      case 'timestamp':
        return 'TIMESTAMP';
      case 'string_list':
        return 'VARCHAR[]';
      case 'json':
        return 'JSON';
      default:
        return assertNever(type, 'SQL node');
    }
  }

  /** SQL comments cannot be escaped, so anything that could end one is dropped. */
  comment(text: string): string {
    return `-- ${text.replace(/[\r\n]+/g, ' ').replaceAll('*/', '* /')}`;
  }

  // --- queries ----------------------------------------------------------------------------

  visitQuery(query: Query, depth: number): string {
    switch (query.kind) {
      case 'select':
        return this.visitSelect(query, depth);
      case 'union':
        return query.queries
          .map((q) => this.visitQuery(q, depth))
          .join(`\n${INDENT.repeat(depth)}${query.all ? 'UNION ALL' : 'UNION'}\n${INDENT.repeat(depth)}`);
      case 'template':
        return query.parts
          .map((part) => {
            switch (part.kind) {
              case 'text':
                return part.text;
              case 'table':
                return this.visitTableName(part.schema, part.name);
              case 'literal':
                return this.visitLiteral(part.literal);
              default:
                return assertNever(part, 'SQL node');
            }
          })
          .join('')
          .trim();
      case 'with':
        return this.visitWith(query.ctes, query.body, depth);
      case 'first_per_group':
        return this.visitFirstPerGroup(query, depth);
      default:
        return assertNever(query, 'SQL node');
    }
  }

  /** The portable form: ROW_NUMBER() over the group in a subquery, then rank 1. */
  visitFirstPerGroup(q: FirstPerGroup, depth: number): string {
    const ranked = select({
      columns: [
        { expr: q.group, alias: 'id' },
        { expr: q.value, alias: 'value' },
        { expr: rowNumber([q.group], q.orderBy.map((o) => ({ expr: o.expr, direction: o.direction }))), alias: 'rank' },
      ],
      from: q.from,
      joins: q.joins,
      where: q.where,
    });
    return this.visitSelect(
      select({
        columns: [{ expr: col('id', 'r'), alias: 'id' }, { expr: col('value', 'r'), alias: 'value' }],
        from: subquery(ranked, 'r'),
        where: bin('=', col('rank', 'r'), num(1)),
      }),
      depth,
    );
  }

  visitWith(ctes: readonly CommonTableExpression[], body: Query, depth: number): string {
    const pad = INDENT.repeat(depth);
    const parts = ctes.map((cte, i) => {
      const head = cte.comment ? `${pad}${this.comment(cte.comment)}\n${pad}` : pad;
      const lead = i === 0 ? '' : ',\n';
      return `${lead}${head}${this.quoteIdentifier(cte.name)} AS (\n${pad}${INDENT}${this.visitQuery(cte.query, depth + 1)}\n${pad})`;
    });
    return `WITH\n${parts.join('')}\n${pad}${this.visitQuery(body, depth)}`;
  }

  visitSelect(s: Select, depth: number): string {
    const pad = INDENT.repeat(depth);
    const columns = s.columns
      .map((c) => (c.alias === null ? this.visitExpr(c.expr) : `${this.visitExpr(c.expr)} AS ${this.quoteIdentifier(c.alias)}`))
      .join(`,\n${pad}${INDENT}`);
    const distinct = s.distinctOn.length > 0 ? ` DISTINCT ON (${s.distinctOn.map((e) => this.visitExpr(e)).join(', ')})` : s.distinct ? ' DISTINCT' : '';
    const lines = [`SELECT${distinct}\n${pad}${INDENT}${columns}`];
    if (s.from) lines.push(`FROM ${this.visitFrom(s.from, depth)}`);
    for (const join of s.joins) {
      lines.push(`${JOIN_KEYWORDS[join.type]} ${this.visitFrom(join.from, depth)} ON ${this.visitExpr(join.on)}`);
    }
    if (s.where) lines.push(`WHERE ${this.visitExpr(s.where)}`);
    if (s.groupBy.length > 0) lines.push(`GROUP BY ${s.groupBy.map((e) => this.visitExpr(e)).join(', ')}`);
    if (s.having) lines.push(`HAVING ${this.visitExpr(s.having)}`);
    if (s.orderBy.length > 0) lines.push(`ORDER BY ${this.visitOrder(s.orderBy)}`);
    if (s.limit !== null) lines.push(`LIMIT ${this.visitNumberLiteral(s.limit)}`);
    return lines.join(`\n${pad}`);
  }

  /**
   * Whether scratch tables (TableRef.scratch) are temporary tables of the session rather than tables
   * of the state schema. Their rows are written and deleted inside one transaction, so a warehouse
   * that writes a table's rows to its file as they are inserted (DuckDB) does that work for nothing.
   */
  readonly scratchTablesInSession: boolean = false;

  /**
   * Whether the change set reads a covered definition's snapshot rows (covered-sql.ts) as disjoint
   * parts stacked with UNION ALL, one key test each, rather than as one condition whose OR holds
   * the key tests: an engine that answers a subquery inside an OR by testing every row pays for all
   * of them, while each part's test is a semi join of its own rows.
   */
  readonly coveredRowsAsParts: boolean = false;

  /**
   * Whether a scan restricted to one range of one column reads only the blocks whose statistics meet
   * it (DuckDB's row groups, BigQuery's partitions and clusters, Snowflake's micro-partitions). Then
   * the rows new to a run are read as one query per range, stacked, which skips the blocks an OR
   * of the ranges would read. Postgres reads the whole table per query unless an index serves the
   * range: there one OR of them is one scan (a BitmapOr where indexes exist).
   */
  readonly prunesBlocksByRange: boolean = true;

  /** Where the session's temporary tables are named; used only when scratchTablesInSession. */
  visitSessionTableName(name: string): string {
    return this.quoteIdentifier(name);
  }

  visitTableName(schema: string | null, name: string, scratch?: true): string {
    if (scratch && this.scratchTablesInSession) return this.visitSessionTableName(name);
    return schema === null ? this.quoteIdentifier(name) : `${this.visitSchemaName(schema)}.${this.quoteIdentifier(name)}`;
  }

  visitFrom(from: FromItem, depth: number): string {
    switch (from.kind) {
      case 'table': {
        const name = this.visitTableName(from.schema, from.name, from.scratch);
        return from.alias ? `${name} AS ${this.quoteIdentifier(from.alias)}` : name;
      }
      case 'subquery':
        return `(\n${INDENT.repeat(depth + 1)}${this.visitQuery(from.query, depth + 1)}\n${INDENT.repeat(depth)}) AS ${this.quoteIdentifier(from.alias)}`;
      default:
        return assertNever(from, 'SQL node');
    }
  }

  visitOrder(items: readonly OrderItem[]): string {
    return items.map((o) => `${this.visitExpr(o.expr)} ${o.direction}${this.nullsOrdering(o.direction)}`).join(', ');
  }

  /** quorum always sorts nulls last, whatever the warehouse's default. */
  nullsOrdering(_direction: 'ASC' | 'DESC'): string {
    return ' NULLS LAST';
  }

  // --- expressions ------------------------------------------------------------------------

  visitExpr(e: Expr): string {
    switch (e.kind) {
      case 'column':
        return e.table === null ? this.quoteIdentifier(e.name) : `${this.quoteIdentifier(e.table)}.${this.quoteIdentifier(e.name)}`;
      case 'star':
        return '*';
      case 'literal':
        return this.visitLiteral(e.literal);
      case 'binary':
        return this.visitBinary(e.op, e.left, e.right);
      case 'not':
        return `(NOT ${this.visitExpr(e.expr)})`;
      case 'is_null':
        return `(${this.visitExpr(e.expr)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
      case 'in_list':
        return `(${this.visitExpr(e.expr)} IN (${e.list.map((x) => this.visitExpr(x)).join(', ')}))`;
      case 'in_query':
        return `(${this.visitExpr(e.expr)} IN (${this.visitQuery(e.query, 2)}))`;
      case 'between':
        return this.visitBetween(e.expr, e.low, e.high);
      case 'coalesce':
        return `COALESCE(${e.args.map((x) => this.visitExpr(x)).join(', ')})`;
      case 'case': {
        const whens = e.whens.map((w) => `WHEN ${this.visitExpr(w.when)} THEN ${this.visitExpr(w.then)}`).join(' ');
        return `CASE ${whens}${e.otherwise ? ` ELSE ${this.visitExpr(e.otherwise)}` : ''} END`;
      }
      case 'cast':
        return this.visitCast(e.expr, e.type, e.from);
      case 'lower':
        return this.visitLowerCase(e.expr);
      case 'code_point_order':
        return this.visitCodePointOrder(e.expr);
      case 'string_match':
        return this.visitStringMatch(e.match, e.expr, e.pattern);
      case 'list_contains':
        return this.visitListContains(e.list, e.value);
      case 'empty_list':
        return this.visitEmptyList(e.elementType);
      case 'aggregate':
        return this.visitAggregate(e.fn, e.arg, e.filter);
      case 'latest_non_null':
        return this.visitLatestNonNull(e.value, e.orderBy);
      case 'first_value_by':
        return this.visitFirstValueBy(e.value, e.orderBy);
      case 'row_number':
        return this.visitRowNumber(e.partitionBy, e.orderBy);
      case 'window_sum':
        return `${this.aggregateCall('sum', this.visitExpr(e.arg))} OVER (${this.partitionClause(e.partitionBy)})`;
      case 'to_json_text':
        return this.visitToJsonText(e.expr);
      case 'instant_text':
        return this.visitInstantText(e.expr);
      case 'json_object':
        return this.visitJsonObject(e.entries);
      case 'concat':
        return this.visitConcat(e.args);
      case 'md5_hex':
        return this.visitMd5Hex(e.expr);
      case 'char_length':
        return `LENGTH(${this.visitExpr(e.expr)})`;
      case 'add_seconds':
        return this.visitAddSeconds(e.expr, e.seconds);
      case 'day_start':
        return this.visitDayStart(e.expr);
      case 'exists':
        return `EXISTS (${this.visitQuery(e.query, 2)})`;
      default:
        return assertNever(e, 'SQL node');
    }
  }

  visitBinary(op: BinaryOp, left: Expr, right: Expr): string {
    return `(${this.visitExpr(left)} ${op} ${this.visitExpr(right)})`;
  }

  visitBetween(expr: Expr, low: Expr, high: Expr): string {
    return `(${this.visitExpr(expr)} BETWEEN ${this.visitExpr(low)} AND ${this.visitExpr(high)})`;
  }

  /** Only ever printed as the fallback of a COALESCE, whose other argument gives the list's type. */
  visitEmptyList(elementType: SqlType): string {
    return `CAST(ARRAY[] AS ${this.typeName(elementType === 'string' ? 'string_list' : elementType)})`;
  }

  visitConcat(args: readonly Expr[]): string {
    const printed = args.map((x) => (this.capabilities.concatSkipsNulls || isStringLiteral(x) ? this.visitExpr(x) : `COALESCE(${this.visitExpr(x)}, '')`));
    return `CONCAT(${printed.join(', ')})`;
  }

  /** SQL:2016 interval literal with a single field: `TIMESTAMP + INTERVAL '<n>' SECOND`. */
  visitAddSeconds(expr: Expr, seconds: number): string {
    return `(${this.visitExpr(expr)} + INTERVAL '${wholeSeconds(seconds)}' SECOND)`;
  }

  /** Timestamps are zone-less UTC (see visitTimestampLiteral): the date of one is its UTC day. */
  visitDayStart(expr: Expr): string {
    return `CAST(CAST(${this.visitExpr(expr)} AS DATE) AS ${this.typeName('timestamp')})`;
  }

  /** Unicode simple lowercase (docs/semantics.md, `ignore_case`): a warehouse's LOWER where it maps so. */
  visitLowerCase(expr: Expr): string {
    return `LOWER(${this.visitExpr(expr)})`;
  }

  /** Warehouses whose default string order is binary (UTF-8 bytes = code points) need nothing. */
  visitCodePointOrder(expr: Expr): string {
    return this.visitExpr(expr);
  }

  visitStringMatch(match: 'contains' | 'starts_with' | 'ends_with', expr: Expr, pattern: Expr): string {
    const value = this.visitExpr(expr);
    const p = this.visitExpr(pattern);
    switch (match) {
      case 'contains':
        return `(STRPOS(${value}, ${p}) > 0)`;
      case 'starts_with':
        return `(LEFT(${value}, LENGTH(${p})) = ${p})`;
      case 'ends_with':
        return `(RIGHT(${value}, LENGTH(${p})) = ${p})`;
      default:
        return assertNever(match, 'SQL node');
    }
  }

  visitListContains(list: Expr, value: Expr): string {
    return `(${this.visitExpr(value)} = ANY(${this.visitExpr(list)}))`;
  }

  aggregateCall(fn: AggregateFn, arg: string): string {
    switch (fn) {
      case 'count':
        return `COUNT(${arg})`;
      case 'sum':
        return `SUM(${arg})`;
      case 'avg':
        return `AVG(${arg})`;
      case 'min':
        return `MIN(${arg})`;
      case 'max':
        return `MAX(${arg})`;
      case 'count_distinct':
        return `COUNT(DISTINCT ${arg})`;
      case 'sorted_distinct_list':
        return `ARRAY_AGG(DISTINCT ${arg} ORDER BY ${arg})`;
      default:
        return assertNever(fn, 'SQL node');
    }
  }

  visitAggregate(fn: AggregateFn, arg: Expr | null, filter: Expr | null): string {
    if (filter !== null && !this.capabilities.supportsAggregateFilter) {
      if (arg === null) return this.visitCountIf(filter);
      if (fn === 'sorted_distinct_list' && !this.capabilities.listAggregateSkipsNulls) {
        throw unsupported(
          this.dialectName,
          'a unique_list trait needs an aggregate FILTER clause or a list aggregate that skips NULL, and this dialect declares neither',
          'compute the list with a SQL trait, or declare the capability the warehouse has in its dialect (dialects/<name>/index.ts)',
        );
      }
      return this.aggregateCall(fn, `CASE WHEN ${this.visitExpr(filter)} THEN ${this.visitExpr(arg)} END`);
    }
    const call = this.aggregateCall(fn, arg === null ? '*' : this.visitExpr(arg));
    return filter === null ? call : `${call} FILTER (WHERE ${this.visitExpr(filter)})`;
  }

  /** A count of the rows where `condition` holds, for warehouses without aggregate FILTER. */
  visitCountIf(condition: Expr): string {
    return `COUNT(CASE WHEN ${this.visitExpr(condition)} THEN 1 END)`;
  }

  visitLatestNonNull(value: Expr, orderBy: readonly OrderItem[]): string {
    const v = this.visitExpr(value);
    return `(ARRAY_AGG(${v} ORDER BY ${this.visitOrder(orderBy)}) FILTER (WHERE ${v} IS NOT NULL))[1]`;
  }

  /** Only printed by printers whose visitFirstPerGroup builds it (Postgres' and DuckDB's syntax). */
  visitFirstValueBy(value: Expr, orderBy: readonly RankKey[]): string {
    return `(ARRAY_AGG(${this.visitExpr(value)} ORDER BY ${this.visitOrder(orderBy)}))[1]`;
  }

  visitRowNumber(partitionBy: readonly Expr[], orderBy: readonly OrderItem[]): string {
    const partition = this.partitionClause(partitionBy);
    return `ROW_NUMBER() OVER (${partition === '' ? '' : `${partition} `}ORDER BY ${this.visitOrder(orderBy)})`;
  }

  /** A window's `PARTITION BY a, b`, or nothing for one window over every row. */
  partitionClause(partitionBy: readonly Expr[]): string {
    return partitionBy.length === 0 ? '' : `PARTITION BY ${partitionBy.map((e) => this.visitExpr(e)).join(', ')}`;
  }

  visitToJsonText(expr: Expr): string {
    return `CAST(TO_JSON(${this.visitExpr(expr)}) AS VARCHAR)`;
  }

  /**
   * A trait's instant as the text every warehouse gives the same: each renders a timestamp in JSON
   * its own way (DuckDB "2024-06-01 09:30:00", without a zone; Postgres with a "T"; Snowflake and
   * BigQuery otherwise), so a `last` of a date property reached destinations in a different form per
   * warehouse, and none in Segment's ISO-8601. Truncated to the millisecond, as DuckDB's `%g` and
   * Postgres' `MS` do. The sessions run in UTC (the connectors set it), so a TIMESTAMPTZ prints its UTC time.
   * https://duckdb.org/docs/sql/functions/dateformat
   */
  visitInstantText(expr: Expr): string {
    return `STRFTIME(${this.visitExpr(expr)}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  }

  visitJsonObject(entries: readonly { key: string; value: Expr }[]): string {
    return `JSON_OBJECT(${entries.map((en) => `${this.visitStringLiteral(en.key)}, ${this.visitExpr(en.value)}`).join(', ')})`;
  }

  /** MD5(text) gives lower-case hex on DuckDB, Postgres and Snowflake. */
  visitMd5Hex(expr: Expr): string {
    return `MD5(${this.visitExpr(expr)})`;
  }

  // --- data-changing statements (src/sync) --------------------------------------------------

  /**
   * A statement that refreshes the planner's statistics of a table just written in bulk, or null
   * where the warehouse keeps them current itself (the conservative default: nothing to run).
   */
  refreshStatistics(_table: TableRef): string | null {
    return null;
  }

  printStatement(statement: Statement): string {
    switch (statement.kind) {
      case 'insert':
        return `INSERT INTO ${this.visitTableName(statement.table.schema, statement.table.name, statement.table.scratch)} (${statement.columns.map((c) => this.quoteIdentifier(c)).join(', ')})\n${this.visitQuery(statement.query, 0)}`;
      case 'delete':
        return `DELETE FROM ${this.visitTableName(statement.table.schema, statement.table.name, statement.table.scratch)}${statement.where ? ` WHERE ${this.visitExpr(statement.where)}` : ''}`;
      case 'update': {
        const set = statement.set.map((s) => `${this.quoteIdentifier(s.column)} = ${this.visitExpr(s.value)}`).join(', ');
        return `UPDATE ${this.visitTableName(statement.table.schema, statement.table.name, statement.table.scratch)} SET ${set}${statement.where ? ` WHERE ${this.visitExpr(statement.where)}` : ''}`;
      }
      default:
        return assertNever(statement, 'SQL node');
    }
  }
}

function isStringLiteral(e: Expr): boolean {
  return e.kind === 'literal' && e.literal.type === 'string';
}

/** ISO-8601 instant -> 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, as every warehouse reads it. */
/** A window length as SQL digits; only whole seconds reach the printers (durations are parsed so). */
export function wholeSeconds(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`not a whole number of seconds: ${seconds}`);
  return seconds.toFixed(0);
}

export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not an ISO-8601 timestamp: ${iso}`);
  const micros = /\.(\d{1,6})/.exec(iso)?.[1]?.padEnd(6, '0') ?? '000000';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}.${micros}`;
}
