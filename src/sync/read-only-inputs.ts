// SPEC §4 on warehouses with session temporary tables (Postgres): a SQL trait's rows are produced
// by a statement inside a READ ONLY transaction, into a temporary table made just before it; the
// run's write transaction then reads those tables instead of running the SQL traits itself. A
// SQL trait that got past the parser still cannot write anything: the server refuses it.
import type { Plan } from '../plan/plan.js';
import { col, insertInto, select, subquery, table, type Query } from '../sql/ast.js';
import { sqlTraitQuery } from '../sql/lower.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { ReadOnlyInput } from '../warehouse/connection.js';

export interface ReadOnlyPlan {
  readonly inputs: readonly ReadOnlyInput[];
  /** The plan whose SQL traits read their temporary tables. */
  readonly plan: Plan;
}

export function readOnlyInputs(plan: Plan, catalog: Catalog, printer: SqlPrinter): ReadOnlyPlan {
  const inputs: ReadOnlyInput[] = [];
  const sqlTraits: Plan['sqlTraits'][number][] = [];
  for (const [i, trait] of plan.sqlTraits.entries()) {
    const columns = [...(catalog.sqlTraitColumns.get(trait.trait)?.keys() ?? [])];
    // Without described columns there is nothing to create the table from: run the traits in place.
    if (columns.length === 0) return { inputs: [], plan };
    const name = `quorum_sql_trait_${i + 1}`;
    const rows = (from: Query | string) =>
      select({
        columns: columns.map((c) => ({ expr: col(c, 't'), alias: c })),
        from: typeof from === 'string' ? table(from, 't') : subquery(from, 't'),
      });
    const query = sqlTraitQuery(trait.template, plan.layout, plan.asOf);
    inputs.push({
      create: printer.printDdl({ kind: 'create_temporary_table_as', name, query: rows(query) }),
      fill: printer.printStatement(insertInto({ schema: null, name }, columns, rows(query))),
    });
    sqlTraits.push({ ...trait, template: [{ kind: 'text', text: printer.print(rows(name)), offset: 0 }] });
  }
  return { inputs, plan: { ...plan, sqlTraits } };
}
