// Replacing CTEs of a compiled statement by name, and dropping those nothing reads any more. The
// incremental engine works on the full lowering's output (the members statement or the sync
// staging statement alike), so everything downstream of the scans stays exactly as compiled.
import type { Plan } from '../plan/plan.js';
import type { CommonTableExpression, Query, TableRef, With } from '../sql/ast.js';
import { and, col, withCtes } from '../sql/ast.js';
import { sourceType } from '../sql/source-text.js';
import { amongRead } from './merge-sql.js';

/** Names of the tables a node reads without a schema: the CTEs it refers to. */
export function cteReferences(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) cteReferences(item, out);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.kind === 'table' && record.schema === null && typeof record.name === 'string') out.add(record.name);
    for (const value of Object.values(record)) cteReferences(value, out);
  }
  return out;
}

/** Source tables (in `schema`) a node reads. */
export function sourceReferences(node: unknown, schema: string, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) sourceReferences(item, schema, out);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.kind === 'table' && record.schema === schema && typeof record.name === 'string') out.add(record.name);
    for (const value of Object.values(record)) sourceReferences(value, schema, out);
  }
  return out;
}

export function replaceCtes(statement: With, replacements: ReadonlyMap<string, { query: Query; comment: string }>): With {
  const ctes: CommonTableExpression[] = statement.ctes.map((c) => {
    const r = replacements.get(c.name);
    return r === undefined ? c : { name: c.name, comment: r.comment, query: r.query };
  });
  // Keep what the body reads, transitively (a CTE reads only the ones before it).
  const needed = cteReferences(statement.body);
  for (let i = ctes.length - 1; i >= 0; i -= 1) {
    if (needed.has(ctes[i].name)) cteReferences(ctes[i].query, needed);
  }
  return withCtes(
    ctes.filter((c) => needed.has(c.name)),
    statement.body,
  );
}

/**
 * A CTE whose rows are keyed by one column of one source table (a custom trait per user or
 * account, the first group call per account and user), narrowed to the keys in `ids`: every
 * SELECT of it that reads `table` directly keeps only those keys' rows. Each key's rows are what
 * they were, so the CTE's row of a kept key is unchanged; other keys' rows are never read.
 */
export interface Narrowing {
  readonly cte: string;
  readonly table: string;
  readonly column: string;
  /** Tables of the kept keys (column `id`, as text). */
  readonly ids: readonly TableRef[];
}

function narrowQuery(query: Query, plan: Plan, n: Narrowing): Query {
  const schema = plan.layout.schema;
  switch (query.kind) {
    case 'select':
    case 'first_per_group': {
      const from = query.from;
      const reads = from?.kind === 'table' && from.schema === schema && from.name === n.table;
      const inner = from?.kind === 'subquery' ? { ...from, query: narrowQuery(from.query, plan, n) } : from;
      const joins = query.joins.map((j) => (j.from.kind === 'subquery' ? { ...j, from: { ...j.from, query: narrowQuery(j.from.query, plan, n) } } : j));
      const where = reads ? and(...(query.where === null ? [] : [query.where]), ...amongRead(col(n.column, from.alias), n.ids, sourceType(plan, n.table, n.column))) : query.where;
      return { ...query, from: inner, joins, where } as Query;
    }
    case 'union':
      return { ...query, queries: query.queries.map((q) => narrowQuery(q, plan, n)) };
    case 'with':
      return { ...query, ctes: query.ctes.map((c) => ({ ...c, query: narrowQuery(c.query, plan, n) })), body: narrowQuery(query.body, plan, n) };
    case 'template':
      return query;
  }
}

/** The statement with each narrowed CTE's reads of its source table restricted to the kept keys. */
export function narrowCtes(statement: With, plan: Plan, narrowings: readonly Narrowing[]): With {
  const byCte = new Map(narrowings.map((n) => [n.cte, n]));
  return withCtes(
    statement.ctes.map((c) => {
      const n = byCte.get(c.name);
      return n === undefined ? c : { ...c, query: narrowQuery(c.query, plan, n) };
    }),
    statement.body,
  );
}
