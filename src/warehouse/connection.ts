import type { WarehouseConfig } from '../definitions/model.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Catalog, CatalogTable, LogicalType } from './catalog.js';
import type { SqlTraitParser } from './sql-parser.js';

export type ResultRow = Record<string, unknown>;

/** A live warehouse. Connectors run SQL they are given; they never build or rewrite it. */
export interface WarehouseConnection {
  readonly dialect: Dialect;
  query(sql: string): Promise<ResultRow[]>;
  /**
   * `query` for a statement that only reads, run where the warehouse itself refuses any write (a
   * READ ONLY transaction): what preview, members, test and the dry run use (SPEC §4). A
   * connector without such a mode leaves it out, and `readRows` falls back to `query`.
   */
  queryReadOnly?(sql: string): Promise<ResultRow[]>;
  /** Tables and column types of one schema. */
  readTables(schema: string): Promise<Map<string, CatalogTable>>;
  /** The result columns of a query, without running it to completion. */
  describe(sql: string): Promise<Map<string, LogicalType>>;
  /**
   * Runs one statement that returns no rows: DDL (CREATE SCHEMA / TABLE IF NOT EXISTS), INSERT
   * ... SELECT, UPDATE, DELETE, as printed by `SqlPrinter.printDdl` / `printStatement`. Outside a
   * transaction the statement commits on its own (autocommit). Errors reject, as `query` does.
   */
  execute(sql: string): Promise<void>;
  /**
   * Runs `work` in one transaction on one warehouse session: BEGIN before it, COMMIT when its
   * promise resolves, ROLLBACK (then rethrow) when it rejects. Every statement of the transaction
   * goes through the `Statements` handed to `work` (a pooled connector pins one client for it);
   * statements sent on the connection itself meanwhile are not part of it. A process killed
   * inside `work` must leave nothing of it behind: that is what quorum's at-least-once delivery
   * rests on (the snapshot and the outbox are replaced in one transaction). Transactions do not
   * nest. A warehouse without multi-statement transactions throws `unsupported(...)`.
   */
  transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rows of a statement that only reads, read-only where the warehouse can enforce it. */
export function readRows(connection: WarehouseConnection, sql: string): Promise<ResultRow[]> {
  return connection.queryReadOnly ? connection.queryReadOnly(sql) : connection.query(sql);
}

/** What a transaction can send: rows back (`query`) or nothing back (`execute`). */
export interface Statements {
  query(sql: string): Promise<ResultRow[]>;
  execute(sql: string): Promise<void>;
}

export interface Dialect {
  readonly name: string;
  readonly printer: SqlPrinter;
  /** Reads SQL traits for the sandbox check (SPEC §4); never runs them. */
  readonly sqlParser: SqlTraitParser;
  connect(config: WarehouseConfig): Promise<WarehouseConnection>;
}

export type { Catalog };
