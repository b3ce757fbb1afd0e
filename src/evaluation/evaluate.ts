// compile() needs no connection; evaluate() is compile + execute + read the rows back.
import type { Project, SourceLocation } from '../definitions/model.js';
import { reservedColumn } from '../definitions/checks/sql-traits-check.js';
import { duplicateKey } from '../definitions/duplicate-key.js';
import { missingSources } from '../definitions/parse-sql.js';
import { DiagnosticsError, failure } from '../diagnostics/diagnostic.js';
import { buildPlan, type PlanRequest } from '../plan/build-plan.js';
import type { Plan, PlanOutput } from '../plan/plan.js';
import type { DefinitionResult, TraitValue } from '../reference/dataset.js';
import { bin, col, countAll, num, select, subquery, type Query } from '../sql/ast.js';
import { lowerPlan, sqlTraitQuery, type Body } from '../sql/lower.js';
import type { SqlPrinter } from '../sql/printer.js';
import { OFFLINE_CATALOG, type Catalog, type LogicalType } from '../warehouse/catalog.js';
import { readRows, type WarehouseConnection } from '../warehouse/connection.js';

export interface CompileOptions {
  readonly project: Project;
  readonly catalog?: Catalog;
  readonly asOf: string;
  readonly targets: readonly string[];
  readonly extraTraits?: PlanRequest['extraTraits'];
}

export function planFor(options: CompileOptions): Plan {
  return buildPlan({ project: options.project, catalog: options.catalog ?? OFFLINE_CATALOG, asOf: options.asOf, targets: options.targets, extraTraits: options.extraTraits });
}

export function compileSql(options: CompileOptions, printer: SqlPrinter, body: Body = { kind: 'members' }): string {
  return `${printer.print(lowerPlan(planFor(options), body))}\n`;
}

/** The warehouse's tables plus the result columns of every SQL trait, described by the warehouse. */
export async function readCatalog(connection: WarehouseConnection, project: Project): Promise<Catalog> {
  const tables = await connection.readTables(project.config.source.schema);
  const sqlTraitColumns = new Map<string, ReadonlyMap<string, LogicalType>>();
  for (const d of project.definitions) {
    if (d.kind !== 'sql_trait') continue;
    // A source() table the schema lacks is known before the query is sent: checkProject, which
    // follows, reports it as missing_table at the source() on every warehouse. Sent, the query
    // failed in each warehouse's own words (on DuckDB a warehouse_error, "Catalog Error: ...").
    if (missingSources(d.template, project.config.source, tables).length > 0) continue;
    const sql = connection.dialect.printer.print(sqlTraitQuery(d.template, project.config.source, new Date().toISOString()));
    let described: Map<string, LogicalType>;
    try {
      described = await connection.describe(sql);
    } catch (cause) {
      if (cause instanceof DiagnosticsError) {
        // A connector's classified error (missing table, ...): keep its code, name the SQL trait.
        throw new DiagnosticsError(cause.diagnostics.map((x) => ({ ...x, loc: x.loc ?? d.loc, message: `SQL trait "${d.name}": ${x.message}` })));
      }
      throw failure('warehouse_error', { rule: 'sql_trait', trait: d.name, detail: firstLine(cause) }, d.loc);
    }
    // `SELECT *` names its columns only now: the reserved names are checked again here.
    const reserved = [...described.keys()].flatMap((column) => reservedColumn(column, `SQL trait "${d.name}"`, d.loc));
    if (reserved.length > 0) throw new DiagnosticsError(reserved);
    sqlTraitColumns.set(d.name, described);
  }
  return { known: true, tables, sqlTraitColumns };
}

export function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.split('\n')[0];
}

/**
 * A SQL trait must give one value per key; find a key that has two, before anything uses it.
 * `rows` reads a query where the caller's statements go: a connection, or a run's transaction
 * (whose plan reads the SQL traits' sandboxed rows).
 */
export async function checkSqlTraitKeys(rows: (query: Query) => Promise<readonly Record<string, unknown>[]>, project: Project, plan: Plan): Promise<void> {
  for (const trait of plan.sqlTraits) {
    const key = trait.level === 'user' ? 'user_id' : 'group_id';
    const distinctRows: Query = select({
      distinct: true,
      columns: [key, ...trait.columns].map((c) => ({ expr: col(c, 't'), alias: c })),
      from: subquery(sqlTraitQuery(trait.template, plan.layout, plan.asOf), 't'),
    });
    const duplicates = select({
      columns: [{ expr: col(key, 'd'), alias: 'key' }],
      from: subquery(distinctRows, 'd'),
      groupBy: [col(key, 'd')],
      having: bin('>', countAll(), num(1)),
      limit: 1,
    });
    const found = await rows(duplicates);
    if (found.length > 0) throw duplicateKey(project, trait.trait, found[0].key);
  }
}

/**
 * A trait's value from the JSON text the warehouse wrote for `entity`. Every number the compiled
 * SQL emits is finite (src/sql/finite-values.ts), but a list or an object of a SQL or custom trait
 * comes as the warehouse holds it, and DuckDB writes a NaN inside one as a bare NaN: that is the
 * value_not_json error, naming the trait and the entity.
 */
export function parseValue(text: unknown, trait: ValueOwner, entity: string): TraitValue | Record<string, TraitValue> {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(String(text)) as TraitValue;
  } catch {
    throw notJson(trait, entity, String(text));
  }
}

/** The trait a value belongs to; its definition's location where the caller has it. */
export type ValueOwner = Pick<PlanOutput, 'name' | 'level'> & { readonly loc?: SourceLocation };

/** The value_not_json error of `trait`'s value `text` for `entity`. */
export function notJson(trait: ValueOwner, entity: string, text: string): DiagnosticsError {
  const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return failure('value_not_json', { trait: trait.name, key: trait.level === 'user' ? 'user_id' : 'group_id', entity, text: shown }, trait.loc ?? null);
}

/** The plan of `options` and its members statement (definition, id, value), its SQL traits' keys checked. */
export async function membersQuery(connection: WarehouseConnection, options: CompileOptions & { readonly catalog: Catalog }): Promise<{ plan: Plan; query: Query }> {
  const plan = planFor(options);
  await checkSqlTraitKeys((query) => readRows(connection, connection.dialect.printer.print(query)), options.project, plan);
  return { plan, query: lowerPlan(plan, { kind: 'members' }) };
}

export async function evaluate(
  connection: WarehouseConnection,
  options: CompileOptions & { readonly catalog: Catalog },
): Promise<Map<string, DefinitionResult>> {
  const { plan, query } = await membersQuery(connection, options);
  return resultsOf(plan, await runQuery(connection, connection.dialect.printer.print(query)));
}

/** The rows of a members statement (definition, id, value) as one result per output of the plan. */
export function resultsOf(plan: Plan, rows: readonly Record<string, unknown>[]): Map<string, DefinitionResult> {
  const results = new Map<string, DefinitionResult>();
  const members = new Map<string, Set<string>>();
  const values = new Map<string, Map<string, TraitValue | Record<string, TraitValue>>>();
  const traits = new Map<string, PlanOutput>();
  for (const output of plan.outputs) {
    if (output.kind === 'audience') members.set(output.name, new Set());
    else values.set(output.name, new Map());
    if (output.kind === 'trait') traits.set(output.name, output);
  }
  for (const row of rows) {
    const name = String(row.definition);
    const id = String(row.id);
    const set = members.get(name);
    const trait = traits.get(name);
    if (set) set.add(id);
    else if (trait) values.get(name)?.set(id, parseValue(row.value, trait, id));
  }
  for (const output of plan.outputs) {
    results.set(
      output.name,
      output.kind === 'audience'
        ? { kind: 'audience', level: output.level, members: members.get(output.name)! }
        : { kind: 'trait', level: output.level, values: values.get(output.name)! },
    );
  }
  return results;
}

export async function runQuery(connection: WarehouseConnection, sql: string) {
  try {
    return await readRows(connection, sql);
  } catch (cause) {
    throw rejected(connection, cause);
  }
}

/** What a warehouse's refusal of a read becomes: a connector that recognised the error (missing table, permission, ...) already said so. */
export function rejected(connection: WarehouseConnection, cause: unknown): unknown {
  if (cause instanceof DiagnosticsError) return cause;
  return failure('warehouse_error', { rule: 'rejected', warehouse: `the ${connection.dialect.name} warehouse`, detail: firstLine(cause) });
}

