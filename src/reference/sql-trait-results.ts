// SQL traits in the reference evaluator: their query ran elsewhere, and its result rows (given in
// ReferenceOptions) are read here into keys, trait columns and values, as the compiled SQL reads
// them: a key that comes back twice with different values is an error, not a choice.
import type { SqlTraitDefinition } from '../definitions/model.js';
import { SQL_TRAIT_KEY_COLUMNS } from '../definitions/resolve.js';
import type { LogicalType } from '../warehouse/catalog.js';
import type { TraitValue } from './dataset.js';
import { entityKey } from './source-rows.js';
import { finiteOrNull, formatInstant } from './values.js';

export interface ReferenceOptions {
  /** Result rows of each SQL trait's query (run elsewhere), by trait name. Missing = no rows. */
  readonly sqlTraitRows?: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  /**
   * Types of SQL trait result columns, by trait name (as a connector would describe them).
   * Without it the types are inferred from the values (Date -> timestamp, number -> number, ...).
   */
  readonly sqlTraitColumnTypes?: ReadonlyMap<string, ReadonlyMap<string, LogicalType>>;
}

export interface SqlTraitData {
  readonly columns: readonly string[];
  readonly types: ReadonlyMap<string, LogicalType>;
  readonly values: ReadonlyMap<string, Readonly<Record<string, TraitValue>>>;
}

/** Normalizes a value that came out of a SQL engine to a TraitValue. */
function normalizeSqlValue(value: unknown): TraitValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return formatInstant(value.getTime());
  if (Array.isArray(value)) {
    return value.map((v) => normalizeSqlValue(v)).filter((v): v is string | number | boolean => v !== null && !Array.isArray(v));
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function inferType(values: readonly unknown[]): LogicalType {
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (value instanceof Date) return 'timestamp';
    if (typeof value === 'bigint') return 'integer';
    if (typeof value === 'number') return 'number';
    if (typeof value === 'boolean') return 'boolean';
    if (typeof value === 'string') return 'string';
    if (Array.isArray(value)) return 'list';
  }
  return 'unknown';
}

function sameValue(a: TraitValue, b: TraitValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function readSqlTrait(definition: SqlTraitDefinition, options: ReferenceOptions, associations: [string, string][]): SqlTraitData {
  const rows = options.sqlTraitRows?.get(definition.name) ?? [];
  const keyColumns: readonly string[] = SQL_TRAIT_KEY_COLUMNS;

  // Trait columns: every non-key column of the result; without rows, as declared, else the name.
  let columns: string[] = [];
  for (const row of rows) {
    for (const column of Object.keys(row)) {
      if (!keyColumns.includes(column) && !columns.includes(column)) columns.push(column);
    }
  }
  if (columns.length === 0) columns = definition.columns ? [...definition.columns] : [definition.name];

  const declaredTypes = options.sqlTraitColumnTypes?.get(definition.name);
  const types = new Map<string, LogicalType>();
  for (const column of columns) {
    types.set(column, declaredTypes?.get(column) ?? inferType(rows.map((row) => row[column])));
  }

  const key = definition.level === 'user' ? 'user_id' : 'group_id';
  const values = new Map<string, Record<string, TraitValue>>();
  for (const row of rows) {
    const entity = entityKey(row[key]);
    if (entity === null) continue;
    if (definition.level === 'account') {
      const user = entityKey(row.user_id);
      if (user !== null) associations.push([user, entity]);
    }
    const record: Record<string, TraitValue> = {};
    for (const column of columns) record[column] = finiteOrNull(normalizeSqlValue(row[column]));
    const previous = values.get(entity);
    if (previous) {
      for (const column of columns) {
        if (!sameValue(previous[column], record[column])) {
          throw new Error(
            `SQL trait ${definition.name} returned ${key} ${JSON.stringify(entity)} twice with different values of ${column}`,
          );
        }
      }
    } else {
      values.set(entity, record);
    }
  }
  return { columns, types, values };
}
