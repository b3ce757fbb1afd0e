import type { WarehouseConfig } from '../definitions/model.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Catalog, CatalogTable, LogicalType } from './catalog.js';

export type ResultRow = Record<string, unknown>;

/** A live warehouse. Connectors run SQL they are given; they never build or rewrite it. */
export interface WarehouseConnection {
  readonly dialect: Dialect;
  query(sql: string): Promise<ResultRow[]>;
  /** Tables and column types of one schema. */
  readTables(schema: string): Promise<Map<string, CatalogTable>>;
  /** The result columns of a query, without running it to completion. */
  describe(sql: string): Promise<Map<string, LogicalType>>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly name: string;
  readonly printer: SqlPrinter;
  connect(config: WarehouseConfig): Promise<WarehouseConnection>;
}

export type { Catalog };
