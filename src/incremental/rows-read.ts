// `rows_read` of a full run (SPEC §6.1, docs/operating.md "What rows_read counts"): for each
// source table a definition's statement reads, the rows that exist at as_of (event time at or
// before it). Tables: every event table it scans (computed traits, performed, funnels), identifies
// and groups for custom traits, the user universe's tables, groups for accounts and memberships,
// the tables of identity edges, and the tables a SQL trait names. One COUNT per table, in one
// statement, and only when asked (`run --json`, JSON logs): on a warehouse that bills by bytes
// scanned it reads the event-time column of every table once.
import type { Project } from '../definitions/model.js';
import { sourceTable } from '../definitions/parse-sql.js';
import { planFor } from '../evaluation/evaluate.js';
import type { Plan } from '../plan/plan.js';
import { bin, col, countAll, select, str, tableOf, ts, union } from '../sql/ast.js';
import type { Catalog } from '../warehouse/catalog.js';
import { readRows, type WarehouseConnection } from '../warehouse/connection.js';

/** The source tables a plan reads, as rows_read counts them. */
export function tablesRead(plan: Plan): string[] {
  const { tables } = plan.layout;
  const out = new Set<string>(plan.userUniverseTables);
  if (plan.outputs.some((o) => o.level === 'account') || plan.customTraits.account.length > 0) out.add(tables.groups);
  if (plan.customTraits.user.length > 0) out.add(tables.identifies);
  for (const scan of plan.scans) out.add(scan.table);
  for (const ranked of plan.ranked) out.add(ranked.match.table);
  for (const funnel of plan.funnels) for (const step of funnel.steps) out.add(step.match.table);
  for (const trait of plan.sqlTraits) for (const part of trait.template) if (part.kind === 'source') out.add(sourceTable(plan.layout, part.table));
  for (const table of plan.identity?.edgeTables ?? []) out.add(table);
  return [...out].sort();
}

/** rows_read per definition, for a full evaluation of each at as_of. */
export async function countRowsRead(
  connection: WarehouseConnection,
  project: Project,
  catalog: Catalog,
  asOf: string,
  names: readonly string[],
): Promise<Map<string, number>> {
  const perDefinition = new Map(names.map((name) => [name, tablesRead(planFor({ project, catalog, asOf, targets: [name] })).filter((t) => catalog.tables.has(t))]));
  const all = [...new Set([...perDefinition.values()].flat())].sort();
  const counts = new Map<string, number>();
  if (all.length > 0) {
    const { schema, eventTime } = project.config.source;
    const queries = all.map((table) =>
      select({
        columns: [
          { expr: str(table), alias: 'source_table' },
          { expr: countAll(), alias: 'n' },
        ],
        from: tableOf({ schema, name: table }),
        // a table without the event-time column is read whole
        where: catalog.tables.get(table)?.columns.has(eventTime) === false ? null : bin('<=', col(eventTime), ts(asOf)),
      }),
    );
    for (const row of await readRows(connection, connection.dialect.printer.print(queries.length === 1 ? queries[0] : union(queries)))) {
      counts.set(String(row.source_table), Number(row.n));
    }
  }
  return new Map([...perDefinition].map(([name, tables]) => [name, tables.reduce((n, t) => n + (counts.get(t) ?? 0), 0)]));
}
