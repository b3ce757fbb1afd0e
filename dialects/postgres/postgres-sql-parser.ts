// SQL traits read by the real Postgres parser (libpg-query: the server's own grammar compiled to
// WebAssembly), so a statement the server would split, a comment it would end or a string it
// would close is split, ended and closed here exactly as there.
import { charOffsetOfByte, objectNodes, statementOfKind, type ParsedSql, type QueryShape, type SqlOffset, type SqlTraitParser } from '../../src/warehouse/sql-parser.js';
import { postgresDeniedFunction, postgresDeniedRelation } from './postgres-deny-list.js';

type Node = Record<string, unknown>;

const WRITES: Readonly<Record<string, string>> = {
  InsertStmt: 'a data-modifying WITH (INSERT)',
  UpdateStmt: 'a data-modifying WITH (UPDATE)',
  DeleteStmt: 'a data-modifying WITH (DELETE)',
  MergeStmt: 'a data-modifying WITH (MERGE)',
};

function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const s = (item as { String?: { sval?: unknown } }).String?.sval;
    return typeof s === 'string' ? [s.toLowerCase()] : [];
  });
}

/** The statement's kind as a user writes it: DeleteStmt -> "a DELETE statement". */
function statementName(key: string): string {
  const known: Record<string, string> = { VariableSetStmt: 'SET', VariableShowStmt: 'SHOW', CopyStmt: 'COPY', ExplainStmt: 'EXPLAIN', DoStmt: 'DO', CallStmt: 'CALL' };
  const word = known[key] ?? key.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return statementOfKind(word);
}

/** The outer SELECT's named columns; a set operation takes its names from its first branch. */
function outputColumns(sql: string, select: Node, columns: { name: string; offset: SqlOffset }[]): boolean {
  if (select.op !== undefined && select.op !== 'SETOP_NONE' && select.larg) {
    // The branches of a set operation are bare SelectStmt bodies, not wrapped nodes.
    return outputColumns(sql, select.larg as Node, columns);
  }
  let star = false;
  for (const item of (select.targetList as Node[] | undefined) ?? []) {
    const target = item.ResTarget as Node;
    const offset = charOffsetOfByte(sql, target.location);
    if (typeof target.name === 'string') {
      columns.push({ name: target.name, offset });
      continue;
    }
    const value = target.val as Node | undefined;
    const ref = value?.ColumnRef as { fields?: unknown[] } | undefined;
    if (ref?.fields) {
      const last = ref.fields.at(-1) as Node;
      if (last.A_Star) star = true;
      else columns.push(...names([last]).map((name) => ({ name, offset })));
    }
    const call = value?.FuncCall as { funcname?: unknown } | undefined;
    if (call) columns.push(...names(call.funcname).slice(-1).map((name) => ({ name, offset })));
  }
  return star;
}

async function parsePostgres(sql: string): Promise<ParsedSql> {
  let tree: { stmts?: { stmt: Node }[] };
  try {
    // Loaded on first use: the WebAssembly parser costs nothing to commands without SQL traits.
    const { parse } = await import('libpg-query');
    tree = (await parse(sql)) as unknown as typeof tree;
  } catch (cause) {
    const e = cause as { message?: string; sqlDetails?: { cursorPosition?: number } };
    return { ok: false, message: e.message ?? String(cause), offset: charOffsetOfByte(sql, e.sqlDetails?.cursorPosition) };
  }
  const statements = tree.stmts ?? [];
  const shape: { -readonly [K in keyof QueryShape]: QueryShape[K] } = {
    statements: statements.length, notAQuery: null, writes: [], functions: [], relations: [], columns: [], star: false,
  };
  if (statements.length !== 1) return { ok: true, shape };
  const [key] = Object.keys(statements[0].stmt);
  if (key !== 'SelectStmt') return { ok: true, shape: { ...shape, notAQuery: statementName(key) } };
  const writes: QueryShape['writes'][number][] = [];
  const functions: QueryShape['functions'][number][] = [];
  const relations: QueryShape['relations'][number][] = [];
  for (const node of objectNodes(statements[0].stmt)) {
    for (const [kind, what] of Object.entries(WRITES)) {
      if (node[kind]) writes.push({ what, offset: charOffsetOfByte(sql, ((node[kind] as Node).relation as Node | undefined)?.location) });
    }
    const select = node.SelectStmt as Node | undefined;
    if (select?.intoClause) writes.push({ what: 'SELECT ... INTO', offset: charOffsetOfByte(sql, ((select.intoClause as Node).rel as Node | undefined)?.location) });
    if (select?.lockingClause) writes.push({ what: 'a row lock (FOR UPDATE / FOR SHARE)', offset: null });
    const call = node.FuncCall as Node | undefined;
    if (call) functions.push({ name: names(call.funcname).join('.'), offset: charOffsetOfByte(sql, call.location) });
    const range = node.RangeVar as Node | undefined;
    if (range) {
      const path = [range.catalogname, range.schemaname, range.relname].filter((p): p is string => typeof p === 'string').map((p) => p.toLowerCase());
      relations.push({ path, offset: charOffsetOfByte(sql, range.location) });
    }
  }
  const columns: { name: string; offset: SqlOffset }[] = [];
  const star = outputColumns(sql, statements[0].stmt.SelectStmt as Node, columns);
  return { ok: true, shape: { ...shape, writes, functions, relations, columns, star } };
}

export const postgresSqlParser: SqlTraitParser = {
  parse: parsePostgres,
  deniedFunction: postgresDeniedFunction,
  deniedRelation: postgresDeniedRelation,
};
