// Replacing CTEs of a compiled statement by name, and dropping those nothing reads any more. The
// incremental engine works on the full lowering's output (the members statement or the sync
// staging statement alike), so everything downstream of the scans stays exactly as compiled.
import type { CommonTableExpression, Query, With } from '../sql/ast.js';
import { withCtes } from '../sql/ast.js';

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
