// The one thing quorum asks of a dialect's SQL parser: what a SQL trait's text IS, read from the
// parser's own tree (never from the text). Each dialect answers with its real parser
// (dialects/<name>/<name>-sql-parser.ts) and keeps its deny lists next to it; the rules that
// turn the answer into diagnostics are the same for every warehouse (definitions/checks/sql-traits-check.ts).

/** An offset in the text given to `parse`, or null when the parser does not say where. */
export type SqlOffset = number | null;

export interface QueryShape {
  /** Statements in the text (a trailing ";" makes no second one). */
  readonly statements: number;
  /** What the single statement is when it is not a query (e.g. "DELETE"); null for a query. */
  readonly notAQuery: string | null;
  /** Anything inside the query that writes or locks: a data-modifying CTE, INTO, FOR UPDATE. */
  readonly writes: readonly { readonly what: string; readonly offset: SqlOffset }[];
  /**
   * Every function called, scalar or table function, lower case, qualified as written; `why` where
   * the parser itself refuses it (DuckDB's table functions outside its short allow list).
   */
  readonly functions: readonly { readonly name: string; readonly offset: SqlOffset; readonly why?: string }[];
  /**
   * Every table or view read, its name parts lower case as written ("pg_catalog", "pg_class"); `why`
   * where the parser itself refuses it (DuckDB's SHOW or DESCRIBE inside a query).
   */
  readonly relations: readonly { readonly path: readonly string[]; readonly offset: SqlOffset; readonly why?: string }[];
  /** The names of the outer query's columns that the text names (an alias or a column). */
  readonly columns: readonly { readonly name: string; readonly offset: SqlOffset }[];
  /** The outer query selects `*` or `t.*`: its names are known only when the query is described. */
  readonly star: boolean;
  /**
   * DuckDB only: the text is one query, and `statements` counts more only because a PIVOT in it has
   * no IN (...) list, which DuckDB's parser turns into a statement of its own (reading the values to
   * pivot on) before the query; where that PIVOT is.
   */
  readonly pivotWithoutIn?: { readonly offset: SqlOffset };
}

/** "a SELECT statement", "an EXPLAIN statement": a statement's kind, as a message names it. */
export function statementOfKind(keyword: string): string {
  // by the sound: an UPDATE, an UNLISTEN, but a USE
  const vowelSound = /^[AEIO]/i.test(keyword) || (/^U/i.test(keyword) && !/^U(S|NI)/i.test(keyword));
  return `${vowelSound ? 'an' : 'a'} ${keyword} statement`;
}

export type ParsedSql =
  | { readonly ok: true; readonly shape: QueryShape }
  | { readonly ok: false; readonly message: string; readonly offset: SqlOffset };

export interface SqlTraitParser {
  /** Reads `sql`, a SQL trait with its template filled by placeholders; never runs it. */
  parse(sql: string): Promise<ParsedSql>;
  /** Why a SQL trait may not call this function (lower case, maybe qualified), or null. */
  deniedFunction(name: string): string | null;
  /** Why a SQL trait may not read this table (system catalogs), or null. */
  deniedRelation(path: readonly string[]): string | null;
}

/** Parsers that count UTF-8 bytes (Postgres, DuckDB): their offset as quorum's character offset. */
export function charOffsetOfByte(sql: string, bytes: unknown): SqlOffset {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) return null;
  return Buffer.from(sql, 'utf8').subarray(0, bytes).toString('utf8').length;
}

/** Tree walking shared by the parsers: every object node of a JSON tree, depth first. */
export function* objectNodes(node: unknown): Generator<Record<string, unknown>> {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const next = stack.pop();
    if (Array.isArray(next)) {
      for (let i = next.length - 1; i >= 0; i -= 1) stack.push(next[i]);
    } else if (next !== null && typeof next === 'object') {
      const record = next as Record<string, unknown>;
      yield record;
      for (const value of Object.values(record)) if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
}

/**
 * A deny list's lookup: a function is denied by its exact unqualified name (pg_catalog.x is x),
 * or by the prefix of its family (lo_*, read_*); the answer says what it reaches.
 */
export function denyList(
  functions: Readonly<Record<string, string>>,
  prefixes: readonly (readonly [string, string])[],
): (name: string) => string | null {
  return (name) => {
    const bare = name.split('.').at(-1) ?? name;
    if (Object.hasOwn(functions, bare)) return functions[bare];
    return prefixes.find(([prefix]) => bare.startsWith(prefix))?.[1] ?? null;
  };
}
