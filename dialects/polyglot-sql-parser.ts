// SQL traits for the warehouses quorum cannot run locally (BigQuery, Snowflake), read by
// @polyglot-sql/sdk's parser for that dialect. Each dialect folder wraps this with its own deny
// lists (dialects/<name>/<name>-sql-parser.ts). DuckDB's parser asks it one question (pivotOfOneStatement).
import type { Dialect as PolyglotDialect } from '@polyglot-sql/sdk';
import { objectNodes, statementOfKind, type ParsedSql, type QueryShape, type SqlOffset, type SqlTraitParser } from '../src/warehouse/sql-parser.js';

type Node = Record<string, unknown>;

const QUERY_KINDS = new Set(['select', 'union', 'intersect', 'except', 'subquery']);
const WRITE_KINDS = new Set(['insert', 'update', 'delete', 'merge', 'copy', 'create', 'drop', 'alter', 'truncate', 'call', 'command']);

function spanStart(identifier: unknown): SqlOffset {
  const start = ((identifier as Node | null)?.span as Node | undefined)?.start;
  return typeof start === 'number' ? start : null;
}

function identifierName(identifier: unknown): string | null {
  const name = (identifier as Node | null)?.name;
  return typeof name === 'string' ? name : null;
}

function outputColumns(node: Node, columns: { name: string; offset: SqlOffset }[]): boolean {
  const [kind] = Object.keys(node);
  const body = node[kind] as Node;
  if (kind === 'subquery') return outputColumns(body.this as Node, columns);
  if (kind !== 'select') return body.left ? outputColumns(body.left as Node, columns) : false;
  let star = false;
  for (const item of (body.expressions as Node[] | undefined) ?? []) {
    const alias = (item.alias as Node | undefined)?.alias;
    const column = (item.column as Node | undefined)?.name;
    const named = identifierName(alias) ?? identifierName(column);
    if (named !== null) columns.push({ name: named, offset: spanStart(alias ?? column) });
    if (item.star) star = true;
  }
  return star;
}

async function parseWith(dialect: PolyglotDialect, sql: string, deniedCall?: DeniedCall): Promise<ParsedSql> {
  // Loaded on first use: `quorum compile` and the other warehouses never pay for the WebAssembly.
  const { parse } = await import('@polyglot-sql/sdk');
  const result = parse(sql, dialect) as { success: boolean; ast: Node[] | null; error: string | null; errorStart?: number };
  if (!result.success || !result.ast) return { ok: false, message: result.error ?? 'unreadable', offset: result.errorStart ?? null };
  const empty: QueryShape = { statements: result.ast.length, notAQuery: null, writes: [], functions: [], relations: [], columns: [], star: false };
  if (result.ast.length !== 1) return { ok: true, shape: empty };
  const root = result.ast[0];
  const [kind] = Object.keys(root);
  if (!QUERY_KINDS.has(kind)) return { ok: true, shape: { ...empty, notAQuery: statementOfKind(kind.toUpperCase()) } };
  const writes: QueryShape['writes'][number][] = [];
  const functions: QueryShape['functions'][number][] = [];
  const relations: QueryShape['relations'][number][] = [];
  for (const node of objectNodes(root)) {
    for (const key of Object.keys(node)) {
      if (WRITE_KINDS.has(key) && node[key] !== null && typeof node[key] === 'object') writes.push({ what: `a data-modifying ${key.toUpperCase()}`, offset: null });
    }
    const select = node.select as Node | undefined;
    if (select?.into) writes.push({ what: 'SELECT ... INTO', offset: null });
    if (Array.isArray(select?.locks) && select.locks.length > 0) writes.push({ what: 'a row lock (FOR UPDATE)', offset: null });
    const fn = node.function as Node | undefined;
    if (typeof fn?.name === 'string') {
      const name = fn.name.toLowerCase();
      const why = deniedCall?.(name, Array.isArray(fn.args) ? (fn.args as Node[]) : []) ?? null;
      functions.push({ name, offset: null, ...(why === null ? {} : { why }) });
    }
    // Snowflake's FROM @stage reads the stage's files
    const stage = node.stage_reference as Node | undefined;
    if (typeof stage?.name === 'string') relations.push({ path: [stage.name.toLowerCase()], offset: null });
    const method = node.method_call as Node | undefined;
    if (method) {
      const owner = identifierName(((method.this as Node | undefined)?.column as Node | undefined)?.name);
      const name = identifierName(method.method);
      if (name !== null) functions.push({ name: [owner, name].filter((p) => p !== null).join('.').toLowerCase(), offset: spanStart(method.method) });
    }
    const table = node.table as Node | undefined;
    if (table && 'schema' in table && 'catalog' in table) {
      const path = [table.catalog, table.schema, table.name].flatMap((part) => identifierName(part)?.toLowerCase().split('.') ?? []);
      relations.push({ path, offset: spanStart(table.name) });
    }
  }
  const columns: { name: string; offset: SqlOffset }[] = [];
  const star = outputColumns(root, columns);
  return { ok: true, shape: { ...empty, writes, functions, relations, columns, star } };
}

/**
 * Where a PIVOT (not an UNPIVOT) is when polyglot reads `sql`, in `dialect`, as one statement that
 * holds one; else null. DuckDB's own parser makes a PIVOT without an IN (...) list into two
 * statements, and its statement list cannot say which came from where: this tells a SQL trait that
 * is one query with such a PIVOT from one that really is several statements. It only picks the
 * message; DuckDB's parser still decides that the text is refused.
 */
export async function pivotOfOneStatement(dialect: PolyglotDialect, sql: string): Promise<{ offset: SqlOffset } | null> {
  const { parse } = await import('@polyglot-sql/sdk');
  const result = parse(sql, dialect) as { success: boolean; ast: Node[] | null };
  if (!result.success || result.ast?.length !== 1) return null;
  for (const node of objectNodes(result.ast[0])) {
    const pivot = node.pivot as Node | undefined;
    if (pivot === undefined || pivot === null || typeof pivot !== 'object' || pivot.unpivot === true) continue;
    const located = [...objectNodes(pivot)].find((inner) => typeof (inner.span as Node | undefined)?.start === 'number');
    return { offset: located ? spanStart(located) : null };
  }
  return null;
}

/** Why a call may not be made with these arguments (polyglot's nodes), where its name alone does not say. */
export type DeniedCall = (name: string, args: readonly Record<string, unknown>[]) => string | null;

export function polyglotSqlParser(
  dialect: PolyglotDialect,
  deniedFunction: (name: string) => string | null,
  deniedRelation: (path: readonly string[]) => string | null,
  deniedCall?: DeniedCall,
): SqlTraitParser {
  return { parse: (sql) => parseWith(dialect, sql, deniedCall), deniedFunction, deniedRelation };
}
