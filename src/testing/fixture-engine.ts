// Where `quorum test` runs its cases: a fresh in-memory warehouse per case, with typed tables
// and rows loaded without SQL text. The engine is a dialect's (dialects/registry.ts), injected as
// the connectors are, so that src/ never imports a warehouse client.
import type { SourceValue } from '../reference/dataset.js';
import type { LogicalType } from '../warehouse/catalog.js';
import type { Dialect, WarehouseConnection } from '../warehouse/connection.js';

/** A cell as it is loaded: lists are arrays (or JSON text of one). */
export type LoadValue = SourceValue | readonly (string | number | boolean)[] | undefined;

export type LoadRow = Readonly<Record<string, LoadValue>>;

export type TableColumns = Readonly<Record<string, LogicalType>>;

export interface FixtureWarehouse extends WarehouseConnection {
  /** Creates the schema (if needed) and each table, replacing a table of the same name. */
  createTables(schema: string, tables: Readonly<Record<string, TableColumns>>): Promise<void>;
  /** Appends rows to a table made by createTables; columns a row leaves out are null. */
  appendRows(schema: string, table: string, columns: TableColumns, rows: readonly LoadRow[]): Promise<void>;
}

export interface FixtureEngine {
  /** The dialect the cases compile to. */
  readonly dialect: Dialect;
  /** A new, empty in-memory warehouse. */
  open(): Promise<FixtureWarehouse>;
}
