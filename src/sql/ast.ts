// STAGE 3: the SQL AST. Every statement quorum sends is built from these nodes and printed by a
// dialect's printer; nothing concatenates SQL text. Values live in `literal` nodes and are
// escaped in exactly one place (the printer's `visitLiteral`).

/**
 * `decimal` is fixed point with 38 digits, 9 of them after the point (BigQuery's NUMERIC, which
 * every other warehouse can hold): sums of decimal properties are added up in it, because a sum of
 * doubles depends on the order of its terms and an engine's parallel order is not fixed.
 */
export type SqlType = 'string' | 'number' | 'integer' | 'decimal' | 'boolean' | 'timestamp' | 'string_list' | 'json';

export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** ISO-8601 instant, printed as a zone-less UTC timestamp literal. */
  | { readonly type: 'timestamp'; readonly value: string }
  | { readonly type: 'null' };

/** `/` is only ever written between two `cast(..., 'number')` operands: integer division differs by dialect. */
export type BinaryOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | '+' | '-' | '*' | '/';

export interface OrderItem {
  readonly expr: Expr;
  readonly direction: 'ASC' | 'DESC';
}

export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct' | 'sorted_distinct_list';

export type Expr =
  | { readonly kind: 'column'; readonly table: string | null; readonly name: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'literal'; readonly literal: Literal }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly expr: Expr }
  | { readonly kind: 'is_null'; readonly expr: Expr; readonly negated: boolean }
  | { readonly kind: 'in_list'; readonly expr: Expr; readonly list: readonly Expr[] }
  | { readonly kind: 'in_query'; readonly expr: Expr; readonly query: Query }
  | { readonly kind: 'between'; readonly expr: Expr; readonly low: Expr; readonly high: Expr }
  | { readonly kind: 'coalesce'; readonly args: readonly Expr[] }
  | { readonly kind: 'case'; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[]; readonly otherwise: Expr | null }
  /** `from`: the input's type where the caller knows it, so that a printer may cast it more simply. */
  | { readonly kind: 'cast'; readonly expr: Expr; readonly type: SqlType; readonly from?: SqlType }
  | { readonly kind: 'lower'; readonly expr: Expr }
  /** A string value ordered (compared, sorted, min / max) by Unicode code point, whatever the warehouse's collation. */
  | { readonly kind: 'code_point_order'; readonly expr: Expr }
  /** Plain substring tests: no pattern characters, whatever the value holds. */
  | { readonly kind: 'string_match'; readonly match: 'contains' | 'starts_with' | 'ends_with'; readonly expr: Expr; readonly pattern: Expr }
  | { readonly kind: 'list_contains'; readonly list: Expr; readonly value: Expr }
  | { readonly kind: 'empty_list'; readonly elementType: SqlType }
  | {
      readonly kind: 'aggregate';
      readonly fn: AggregateFn;
      readonly arg: Expr | null; // null: count(*)
      readonly filter: Expr | null;
    }
  /** The last non-null `value` in `orderBy` order (a "latest trait" lookup), as an aggregate. */
  | { readonly kind: 'latest_non_null'; readonly value: Expr; readonly orderBy: readonly OrderItem[] }
  /** Aggregate: the value of the group's first row in `orderBy` order, nulls last (see FirstPerGroup). */
  | { readonly kind: 'first_value_by'; readonly value: Expr; readonly orderBy: readonly RankKey[] }
  | { readonly kind: 'row_number'; readonly partitionBy: readonly Expr[]; readonly orderBy: readonly OrderItem[] }
  /** SUM(arg) over the whole of the row's partition, on every row of it: a total kept beside rows that a filter then drops. */
  | { readonly kind: 'window_sum'; readonly arg: Expr; readonly partitionBy: readonly Expr[] }
  | { readonly kind: 'to_json_text'; readonly expr: Expr }
  /** An instant as ISO-8601 text in UTC to the millisecond, `2024-06-01T09:30:00.000Z` (JavaScript's toISOString). */
  | { readonly kind: 'instant_text'; readonly expr: Expr }
  | { readonly kind: 'json_object'; readonly entries: readonly { readonly key: string; readonly value: Expr }[] }
  /** String concatenation. Arguments must not be NULL (warehouses disagree on CONCAT(NULL, ...)). */
  | { readonly kind: 'concat'; readonly args: readonly Expr[] }
  /** Lower-case hex MD5 of a string's UTF-8 bytes: deterministic ids computed in the warehouse. */
  | { readonly kind: 'md5_hex'; readonly expr: Expr }
  /** Number of characters (code points) of a string. */
  | { readonly kind: 'char_length'; readonly expr: Expr }
  /**
   * A timestamp plus a whole number of seconds (a funnel's `e1.time + W`). Seconds, not days:
   * adding days to a zoned timestamp follows the session's daylight-saving rules on some engines.
   */
  | { readonly kind: 'add_seconds'; readonly expr: Expr; readonly seconds: number }
  /** The UTC midnight at or before a timestamp: the day bucket of incremental partials (src/incremental/). */
  | { readonly kind: 'day_start'; readonly expr: Expr }
  /** EXISTS (query): a semi-join, correlated through the outer query's aliases. */
  | { readonly kind: 'exists'; readonly query: Query };

export type FromItem =
  | { readonly kind: 'table'; readonly schema: string | null; readonly name: string; readonly alias: string | null; readonly scratch?: true }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias: string };

export interface Join {
  /** FULL: FULL OUTER JOIN, every row of both sides (the change set compares staging and a snapshot by key with one). */
  readonly type: 'INNER' | 'LEFT' | 'FULL';
  readonly from: FromItem;
  readonly on: Expr;
}

export interface SelectColumn {
  readonly expr: Expr;
  readonly alias: string | null;
}

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  /** `DISTINCT ON (...)`: the first row of each group in ORDER BY order (only printers whose warehouse has it build one). */
  readonly distinctOn: readonly Expr[];
  readonly columns: readonly SelectColumn[];
  readonly from: FromItem | null;
  readonly joins: readonly Join[];
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | null;
}

export interface SetOperation {
  readonly kind: 'union';
  readonly all: boolean;
  readonly queries: readonly Query[];
}

/** A user's SQL trait, already a validated single SELECT; only its template holes are ours. */
export interface TemplateQuery {
  readonly kind: 'template';
  readonly parts: readonly ({ readonly kind: 'text'; readonly text: string } | { readonly kind: 'table'; readonly schema: string; readonly name: string } | { readonly kind: 'literal'; readonly literal: Literal })[];
}

export interface CommonTableExpression {
  readonly name: string;
  /** Why this CTE exists, e.g. "audience: at_risk_accounts (audiences/at_risk.yml)". */
  readonly comment: string | null;
  readonly query: Query;
}

export interface With {
  readonly kind: 'with';
  readonly ctes: readonly CommonTableExpression[];
  readonly body: Query;
}

/**
 * For each group, the value of its first row in `orderBy` order (nulls last; the value itself may
 * be null): the `first` / `last` / `most_frequent` rankings. Output columns `id` and `value`. The
 * default printer writes ROW_NUMBER() in a subquery; a printer whose warehouse has a cheaper form
 * (an arg-min aggregate, DISTINCT ON) overrides `visitFirstPerGroup`. `type` says how a DESC key can
 * be negated into an ASC one.
 */
export interface FirstPerGroup {
  readonly kind: 'first_per_group';
  readonly from: FromItem;
  readonly joins: readonly Join[];
  readonly where: Expr | null;
  readonly group: Expr;
  readonly value: Expr;
  readonly orderBy: readonly RankKey[];
  /**
   * Groups hold many rows (events per user), not a few (identify calls per user): a printer may
   * then first find each group's extreme leading key and rank only the rows that have it.
   */
  readonly manyRowsPerGroup: boolean;
}

export interface RankKey extends OrderItem {
  readonly type: 'timestamp' | 'number' | 'other';
}

export type Query = Select | SetOperation | TemplateQuery | With | FirstPerGroup;

// ---------------------------------------------------------------------------------------------
// Constructors, one per node kind: code builds nodes through them rather than writing the
// objects out, so a field added to a node is added in one place.

export const col = (name: string, table: string | null = null): Expr => ({ kind: 'column', table, name });
export const str = (value: string): Expr => ({ kind: 'literal', literal: { type: 'string', value } });
export const num = (value: number): Expr => ({ kind: 'literal', literal: { type: 'number', value } });
export const bool = (value: boolean): Expr => ({ kind: 'literal', literal: { type: 'boolean', value } });
export const ts = (value: string): Expr => ({ kind: 'literal', literal: { type: 'timestamp', value } });
export const NULL: Expr = { kind: 'literal', literal: { type: 'null' } };
export const TRUE: Expr = bool(true);
export const FALSE: Expr = bool(false);

export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right });
export const not = (expr: Expr): Expr => ({ kind: 'not', expr });
export const coalesce = (...args: Expr[]): Expr => ({ kind: 'coalesce', args });
export const isNull = (expr: Expr, negated = false): Expr => ({ kind: 'is_null', expr, negated });

export function and(...parts: Expr[]): Expr {
  if (parts.length === 0) return TRUE;
  return parts.reduce((left, right) => bin('AND', left, right));
}

export function or(...parts: Expr[]): Expr {
  if (parts.length === 0) return FALSE;
  return parts.reduce((left, right) => bin('OR', left, right));
}

/**
 * A condition as a WHERE clause needs it. A WHERE keeps the rows where its predicate is true, so
 * there a NULL is as good as FALSE, and `COALESCE(p, FALSE)` (which a condition needs under a NOT)
 * can be `p`, through AND and OR: each keeps a row exactly when the other does. Bare comparisons are
 * null-rejecting, so Postgres turns the LEFT JOINs they read into inner joins and filters before
 * joining (BENCHMARKS.md, "PGlite: conditions as WHERE clauses").
 */
export function whereHolds(predicate: Expr): Expr {
  if (predicate.kind === 'coalesce' && predicate.args.length === 2) {
    const fallback = predicate.args[1];
    if (fallback.kind === 'literal' && fallback.literal.type === 'boolean' && !fallback.literal.value) return whereHolds(predicate.args[0]);
  }
  if (predicate.kind === 'binary' && (predicate.op === 'AND' || predicate.op === 'OR')) return bin(predicate.op, whereHolds(predicate.left), whereHolds(predicate.right));
  return predicate;
}

export function select(partial: Partial<Select> & Pick<Select, 'columns'>): Select {
  return {
    kind: 'select',
    distinct: false,
    distinctOn: [],
    from: null,
    joins: [],
    where: null,
    groupBy: [],
    having: null,
    orderBy: [],
    limit: null,
    ...partial,
  };
}

export const table = (name: string, alias: string | null = null, schema: string | null = null): FromItem => ({
  kind: 'table',
  schema,
  name,
  alias,
});

/** A state table (or any schema-qualified reference) in FROM. */
export const tableOf = (ref: TableRef, alias: string | null = null): FromItem =>
  ref.scratch ? { kind: 'table', schema: ref.schema, name: ref.name, alias, scratch: true } : { kind: 'table', schema: ref.schema, name: ref.name, alias };
export const subquery = (query: Query, alias: string): FromItem => ({ kind: 'subquery', query, alias });
export const join = (type: Join['type'], from: FromItem, on: Expr): Join => ({ type, from, on });

export const union = (queries: readonly Query[], all = true): SetOperation => ({ kind: 'union', all, queries });
export const withCtes = (ctes: readonly CommonTableExpression[], body: Query): With => ({ kind: 'with', ctes, body });
export const firstPerGroup = (partial: Omit<FirstPerGroup, 'kind'>): FirstPerGroup => ({ kind: 'first_per_group', ...partial });
export type TemplatePart = TemplateQuery['parts'][number];
export const templateQuery = (parts: readonly TemplatePart[]): TemplateQuery => ({ kind: 'template', parts });
export const templateText = (text: string): TemplatePart => ({ kind: 'text', text });
export const templateTable = (schema: string, name: string): TemplatePart => ({ kind: 'table', schema, name });
export const templateLiteral = (value: Literal): TemplatePart => ({ kind: 'literal', literal: value });

export const STAR: Expr = { kind: 'star' };
export const literal = (value: Literal): Expr => ({ kind: 'literal', literal: value });
export const oneOf = (expr: Expr, list: readonly Expr[]): Expr => ({ kind: 'in_list', expr, list });
export const inQuery = (expr: Expr, query: Query): Expr => ({ kind: 'in_query', expr, query });
export const between = (expr: Expr, low: Expr, high: Expr): Expr => ({ kind: 'between', expr, low, high });
export const caseWhen = (whens: readonly { readonly when: Expr; readonly then: Expr }[], otherwise: Expr | null = null): Expr => ({ kind: 'case', whens, otherwise });
export const cast = (expr: Expr, type: SqlType, from?: SqlType): Expr => (from === undefined ? { kind: 'cast', expr, type } : { kind: 'cast', expr, type, from });
export const lowerCase = (expr: Expr): Expr => ({ kind: 'lower', expr });
export const codePointOrder = (expr: Expr): Expr => ({ kind: 'code_point_order', expr });
export const stringMatch = (match: 'contains' | 'starts_with' | 'ends_with', expr: Expr, pattern: Expr): Expr => ({ kind: 'string_match', match, expr, pattern });
export const listContains = (list: Expr, value: Expr): Expr => ({ kind: 'list_contains', list, value });
export const emptyList = (elementType: SqlType): Expr => ({ kind: 'empty_list', elementType });
export const aggregate = (fn: AggregateFn, arg: Expr | null, filter: Expr | null = null): Expr => ({ kind: 'aggregate', fn, arg, filter });
/** COUNT(*), optionally FILTER (WHERE filter). */
export const countAll = (filter: Expr | null = null): Expr => aggregate('count', null, filter);
export const COUNT: Expr = countAll();
export const latestNonNull = (value: Expr, orderBy: readonly OrderItem[]): Expr => ({ kind: 'latest_non_null', value, orderBy });
export const firstValueBy = (value: Expr, orderBy: readonly RankKey[]): Expr => ({ kind: 'first_value_by', value, orderBy });
export const rowNumber = (partitionBy: readonly Expr[], orderBy: readonly OrderItem[]): Expr => ({ kind: 'row_number', partitionBy, orderBy });
export const windowSum = (arg: Expr, partitionBy: readonly Expr[]): Expr => ({ kind: 'window_sum', arg, partitionBy });
export const toJsonText = (expr: Expr): Expr => ({ kind: 'to_json_text', expr });
export const instantText = (expr: Expr): Expr => ({ kind: 'instant_text', expr });
export const jsonObject = (entries: readonly { readonly key: string; readonly value: Expr }[]): Expr => ({ kind: 'json_object', entries });
export const concat = (...args: Expr[]): Expr => ({ kind: 'concat', args });
export const md5Hex = (expr: Expr): Expr => ({ kind: 'md5_hex', expr });
export const charLength = (expr: Expr): Expr => ({ kind: 'char_length', expr });
export const addSeconds = (expr: Expr, seconds: number): Expr => ({ kind: 'add_seconds', expr, seconds });
export const dayStart = (expr: Expr): Expr => ({ kind: 'day_start', expr });
export const exists = (query: Query): Expr => ({ kind: 'exists', query });
/** A condition no row meets: a query of the right shape that returns nothing. */
export const NO_ROWS: Expr = bin('=', num(1), num(0));

// ---------------------------------------------------------------------------------------------
// State DDL (SPEC §6): the only statements quorum sends that are not queries. The tables are
// described warehouse-free in src/sync/state-tables.ts and printed by each dialect's printer.

export interface ColumnDefinition {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

export type Ddl =
  | { readonly kind: 'create_schema'; readonly schema: string }
  | {
      readonly kind: 'create_table';
      readonly schema: string;
      readonly name: string;
      readonly columns: readonly ColumnDefinition[];
      readonly primaryKey: readonly string[];
      /**
       * Every run writes and deletes rows of it in bulk, and its writer keeps the key unique
       * (SqlPrinter.declaresKeyOfBulkTables: whether the key is declared all the same).
       */
      readonly bulk?: boolean;
      /** A scratch table (TableRef.scratch): created where the printer keeps scratch tables. */
      readonly scratch?: true;
    }
  /** `quorum state` upgrades and repairs: a column added to a state table, a damaged table dropped. */
  | { readonly kind: 'add_column'; readonly schema: string; readonly table: string; readonly column: ColumnDefinition }
  | { readonly kind: 'drop_table'; readonly schema: string; readonly name: string }
  /** A state upgrade: a column that becomes nullable (the same statement on every warehouse quorum targets). */
  | { readonly kind: 'drop_not_null'; readonly schema: string; readonly table: string; readonly column: string }
  /**
   * An empty temporary table of the session with the columns and types of `query`, which is
   * planned but not run (WITH NO DATA): where a SQL trait's rows land when a READ ONLY
   * transaction produces them (SPEC §4, WarehouseConnection.transactionAfterReadOnly).
   */
  | { readonly kind: 'create_temporary_table_as'; readonly name: string; readonly query: Query };

// ---------------------------------------------------------------------------------------------
// Data-changing statements (SPEC §6: snapshots, outbox, runs, lock in the state schema). Used by
// src/sync only; every value still reaches SQL as a `literal` node.

export interface TableRef {
  readonly schema: string | null;
  readonly name: string;
  /**
   * A scratch table: a run fills and empties it inside its transaction, so its rows never need to
   * outlive the session. A printer may place it in the session (SqlPrinter.scratchTablesInSession).
   */
  readonly scratch?: true;
}

export type Statement =
  /** INSERT INTO t (columns) <query>: the query's columns in the same order. */
  | { readonly kind: 'insert'; readonly table: TableRef; readonly columns: readonly string[]; readonly query: Query }
  /** DELETE FROM t [WHERE ...]: column references in `where` are unqualified. */
  | { readonly kind: 'delete'; readonly table: TableRef; readonly where: Expr | null }
  /** UPDATE t SET c = e, ... [WHERE ...]: column references are unqualified. */
  | {
      readonly kind: 'update';
      readonly table: TableRef;
      readonly set: readonly { readonly column: string; readonly value: Expr }[];
      readonly where: Expr | null;
    };

export const insertInto = (table: TableRef, columns: readonly string[], query: Query): Statement => ({ kind: 'insert', table, columns, query });
export const deleteFrom = (table: TableRef, where: Expr | null = null): Statement => ({ kind: 'delete', table, where });
export const update = (table: TableRef, set: readonly { readonly column: string; readonly value: Expr }[], where: Expr | null): Statement => ({ kind: 'update', table, set, where });
