// SQL traits read by DuckDB's own parser: `json_serialize_sql` on a private in-memory instance
// (external access off, configuration locked) returns the parse tree of SELECT statements and
// refuses every other kind; `extractStatements` counts statements. Nothing is ever executed.
// A PIVOT without an IN (...) list is two statements to DuckDB; polyglot's DuckDB grammar only
// tells that apart from two written statements, for the message.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Dialect as Polyglot } from '@polyglot-sql/sdk';
import { charOffsetOfByte, objectNodes, type ParsedSql, type QueryShape, type SqlOffset, type SqlTraitParser } from '../../src/warehouse/sql-parser.js';
import { pivotOfOneStatement } from '../polyglot-sql-parser.js';
import { DUCKDB_SANDBOX } from './duckdb-connector.js';
import { duckDbDeniedFunction, duckDbDeniedRelation, duckDbDeniedTableFunction } from './duckdb-deny-list.js';

type Node = Record<string, unknown>;

let parserConnection: Promise<DuckDBConnection> | null = null;

function connection(): Promise<DuckDBConnection> {
  // a static import: duckdb-connector.ts (DUCKDB_SANDBOX) loads the client anyway, and the
  // bundled CLI (scripts/bundle-cli.ts) gives a dynamic import of a CommonJS package no named exports
  parserConnection ??= DuckDBInstance.create(':memory:', DUCKDB_SANDBOX).then((instance) => instance.connect());
  return parserConnection;
}

/** Only for text DuckDB will not serialize: how many statements it holds (a parse error counts as one). */
async function countStatements(db: DuckDBConnection, sql: string): Promise<number> {
  try {
    return (await db.extractStatements(sql)).count;
  } catch {
    return 1;
  }
}

function outputColumns(sql: string, node: Node, columns: { name: string; offset: SqlOffset }[]): boolean {
  if (node.type === 'SET_OPERATION_NODE') return outputColumns(sql, node.left as Node, columns);
  let star = false;
  for (const item of (node.select_list as Node[] | undefined) ?? []) {
    const offset = charOffsetOfByte(sql, item.query_location);
    if (typeof item.alias === 'string' && item.alias !== '') columns.push({ name: item.alias, offset });
    else if (item.class === 'STAR') star = true;
    else if (item.class === 'COLUMN_REF') {
      const parts = item.column_names as string[];
      columns.push({ name: parts[parts.length - 1], offset });
    }
  }
  return star;
}

async function parseDuckDb(sql: string): Promise<ParsedSql> {
  const db = await connection();
  const prepared = await db.prepare('SELECT json_serialize_sql($1::VARCHAR) AS tree');
  prepared.bindVarchar(1, sql);
  const [{ tree }] = (await prepared.runAndReadAll()).getRowObjectsJson() as { tree: string }[];
  const json = JSON.parse(tree) as { error: boolean; error_type?: string; error_message?: string; position?: string; statements?: { node: Node }[] };
  const empty: QueryShape = { statements: json.statements?.length ?? 1, notAQuery: null, writes: [], functions: [], relations: [], columns: [], star: false };
  if (json.error && json.error_type === 'not implemented') {
    const statements = await countStatements(db, sql);
    const pivot = statements > 1 ? await pivotOfOneStatement('duckdb' as Polyglot, sql) : null;
    return {
      ok: true,
      shape: { ...empty, statements, notAQuery: statements === 1 ? 'a statement other than a query' : null, ...(pivot ? { pivotWithoutIn: pivot } : {}) },
    };
  }
  if (json.error) return { ok: false, message: json.error_message ?? 'unreadable', offset: charOffsetOfByte(sql, Number(json.position ?? NaN)) };
  if (empty.statements !== 1) return { ok: true, shape: empty };
  const root = json.statements![0].node;
  const functions: QueryShape['functions'][number][] = [];
  const relations: QueryShape['relations'][number][] = [];
  const tableFunctions = new Set<unknown>();
  for (const node of objectNodes(root)) {
    // a TABLE_FUNCTION comes before its function node in this depth-first walk
    if (node.type === 'TABLE_FUNCTION') tableFunctions.add(node.function);
    // a function called as a window function is a WINDOW node: `getenv('HOME') OVER ()` parses
    if ((node.class === 'FUNCTION' || node.class === 'WINDOW') && typeof node.function_name === 'string') {
      const name = [node.catalog, node.schema, node.function_name].filter((p) => typeof p === 'string' && p !== '').join('.').toLowerCase();
      const why = tableFunctions.has(node) ? (duckDbDeniedTableFunction(name) ?? undefined) : undefined;
      functions.push({ name, offset: charOffsetOfByte(sql, node.query_location), ...(why === undefined ? {} : { why }) });
    }
    if (node.type === 'SHOW_REF') {
      // SHOW, DESCRIBE and SUMMARIZE inside a query list the catalog (SHOW TABLES names the state's tables)
      const what = node.show_type === 'DESCRIBE' ? 'DESCRIBE' : node.show_type === 'SUMMARY' ? 'SUMMARIZE' : 'SHOW';
      relations.push({ path: [typeof node.table_name === 'string' && node.table_name !== '' ? `${what} ${node.table_name}` : what], offset: null, why: 'describes the database' });
    }
    if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') {
      const path = [node.catalog_name, node.schema_name, node.table_name].filter((p): p is string => typeof p === 'string' && p !== '');
      relations.push({ path: path.map((p) => p.toLowerCase()), offset: charOffsetOfByte(sql, node.query_location) });
    }
  }
  const columns: { name: string; offset: SqlOffset }[] = [];
  const star = outputColumns(sql, root, columns);
  return { ok: true, shape: { ...empty, functions, relations, columns, star } };
}

export const duckDbSqlParser: SqlTraitParser = {
  parse: parseDuckDb,
  deniedFunction: duckDbDeniedFunction,
  deniedRelation: duckDbDeniedRelation,
};
