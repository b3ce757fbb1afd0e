import type { WarehouseConfig } from '../definitions/model.js';
import type { WarehouseConfigSpec } from '../definitions/parse-warehouse.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { DialectCapabilities } from './capabilities.js';
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
  /**
   * `queryReadOnly`'s rows a batch at a time, column by column, with the values `query` gives: a
   * caller that prints 100,000 rows then never holds them as 100,000 objects (the whole-process
   * cost of `quorum members`, BENCHMARKS.md). A connector without it leaves it out, and
   * `readBatches` falls back to one batch of `readRows`.
   */
  readBatches?(sql: string): AsyncIterable<ResultBatch>;
  /** Tables and column types of one schema. */
  readTables(schema: string): Promise<Map<string, CatalogTable>>;
  /**
   * Per table of one schema, the columns some index starts with. Only where an index decides
   * whether a statement reads a table whole (Postgres): the others leave it out, and a server of
   * the protocol without indexes (Redshift) answers null.
   */
  readIndexedColumns?(schema: string): Promise<Map<string, Set<string>> | null>;
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
  /**
   * `transaction`, after each input's rows were produced by its `fill` statement inside a READ ONLY
   * transaction into the temporary table its `create` statement made, on the same session that
   * then runs `work` (SPEC §4: on Postgres a SQL trait's rows come from a read-only statement).
   * The temporary tables are gone afterwards. Connectors without session temporary tables leave
   * it out, and quorum runs the SQL traits inside `transaction`'s statement instead.
   */
  transactionAfterReadOnly?<T>(inputs: readonly ReadOnlyInput[], work: (statements: Statements) => Promise<T>): Promise<T>;
  /**
   * Gives the system back the memory that finished statements freed and the engine kept for
   * itself: an embedded engine is part of quorum's process, and what its evaluation freed would
   * otherwise stay under the delivery that follows. Delivery asks for it before its first page.
   * Connectors to a server leave it out.
   */
  releaseFreedMemory?(): Promise<void>;
  close(): Promise<void>;
}

/** A temporary table and the read-only INSERT that fills it, as printed by the dialect's printer. */
export interface ReadOnlyInput {
  readonly create: string;
  readonly fill: string;
}

/** Rows of a statement that only reads, read-only where the warehouse can enforce it. */
export function readRows(connection: WarehouseConnection, sql: string): Promise<ResultRow[]> {
  return connection.queryReadOnly ? connection.queryReadOnly(sql) : connection.query(sql);
}

/** Rows of a result, column by column: `column(name)[i]` is what `query`'s row i holds under `name`. */
export interface ResultBatch {
  readonly rowCount: number;
  column(name: string): readonly unknown[];
}

/** `readRows` a batch at a time, where the connector can. */
export async function* readBatches(connection: WarehouseConnection, sql: string): AsyncIterable<ResultBatch> {
  if (connection.readBatches) {
    yield* connection.readBatches(sql);
    return;
  }
  const rows = await readRows(connection, sql);
  yield { rowCount: rows.length, column: (name) => rows.map((row) => row[name]) };
}

/** The dialects of this build (dialects/registry.ts), injected: nothing in src/ imports one. */
export interface DialectLookup {
  (name: string): Dialect | undefined;
  /** Every warehouse type, in the order messages list them. */
  readonly names: readonly string[];
  /** The warehouse type of a quorum.yml that names none. */
  readonly defaultName: string;
}

/** What a transaction can send: rows back (`query`) or nothing back (`execute`). */
export interface Statements {
  query(sql: string): Promise<ResultRow[]>;
  execute(sql: string): Promise<void>;
}

export interface ConnectOptions {
  /**
   * The command only reads (`members`, `preview`): a warehouse that can be opened read-only is,
   * so that nothing it does can write, and an embedded one skips what writing needs.
   */
  readonly readOnly?: boolean;
  /**
   * The state it writes holds large tables of ids (the incremental engine's partials), so an
   * embedded engine keeps their strings compact rather than fast to write (duckdb-connector.ts
   * STATE_WRITE_SETTINGS).
   */
  readonly largeState?: boolean;
}

/**
 * A warehouse: everything quorum knows of it lives in dialects/<name>/ and reaches src/ through
 * this (dialects/registry.ts). `C` is the config its own parser reads from quorum.yml.
 */
export interface Dialect<C extends WarehouseConfig = WarehouseConfig> {
  readonly name: string;
  /** What its SQL can do; the printer prints with these. */
  readonly capabilities: DialectCapabilities;
  readonly printer: SqlPrinter;
  /** Its keys of quorum.yml's `warehouse:`: their schema and their reader. */
  readonly config: WarehouseConfigSpec<C>;
  /** Reads SQL traits for the sandbox check (SPEC §4); never runs them. */
  readonly sqlParser: SqlTraitParser;
  /** Opens the warehouse that `config` (read by `config.parse`) describes. */
  connect(config: C, options?: ConnectOptions): Promise<WarehouseConnection>;
}

export type { Catalog };
