// What the plan needs to know about the warehouse: which tables and columns exist and their
// logical types. It is read from the live warehouse (information_schema) by a connector, or
// built by hand in tests; `compile` without a warehouse uses an empty, permissive catalog.

export type LogicalType = 'string' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'list' | 'unknown';

export interface CatalogTable {
  readonly name: string;
  readonly columns: ReadonlyMap<string, LogicalType>;
}

export interface Catalog {
  /** false for the offline catalog: nothing is known, every name is accepted. */
  readonly known: boolean;
  /** Tables of the source schema by name. */
  readonly tables: ReadonlyMap<string, CatalogTable>;
  /** SQL trait result columns (learnt by describing the query), by SQL trait name. */
  readonly sqlTraitColumns: ReadonlyMap<string, ReadonlyMap<string, LogicalType>>;
}

export const OFFLINE_CATALOG: Catalog = {
  known: false,
  tables: new Map(),
  sqlTraitColumns: new Map(),
};
