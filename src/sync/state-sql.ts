// Small helpers shared by the statements of src/sync: references to the state tables, the
// printing of statements and DDL, and the reading of values the warehouses return in their own
// types (DuckDB gives BIGINT as a string and TIMESTAMP as text, pg gives Date objects).
import type { Ddl, Expr, FromItem, Query, Statement, TableRef } from '../sql/ast.js';
import { col, FALSE, oneOf, str, tableOf } from '../sql/ast.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Statements, WarehouseConnection } from '../warehouse/connection.js';
import { stateDdl, STATE_TABLES } from './state-tables.js';

export type StateTableName = keyof typeof STATE_TABLES;

/** Where the diff reads its three inputs: the state tables, or CTEs of a dry run's statement. */
export interface StateRefs {
  readonly staging: TableRef;
  readonly snapshots: TableRef;
  readonly snapshotUsers: TableRef;
}

export function stateTable(schema: string, name: StateTableName): TableRef {
  const table = STATE_TABLES[name];
  return 'scratch' in table && table.scratch ? { schema, name: table.name, scratch: true } : { schema, name: table.name };
}

export function stateRefs(schema: string): StateRefs {
  return { staging: stateTable(schema, 'staging'), snapshots: stateTable(schema, 'snapshots'), snapshotUsers: stateTable(schema, 'snapshot_users') };
}

export function from(ref: TableRef, alias: string): FromItem {
  return tableOf(ref, alias);
}

/** `column IN ('a', 'b')`; never an empty IN list (FALSE instead). */
export function inList(expr: Expr, values: readonly string[]): Expr {
  if (values.length === 0) return FALSE;
  return oneOf(expr, values.map((v) => str(v)));
}

export const c = (name: string, alias: string | null = null): Expr => col(name, alias);

/** A connection or a transaction, with the dialect's printer beside it. */
export class StateWriter {
  constructor(
    readonly printer: SqlPrinter,
    private readonly target: Statements,
  ) {}

  async run(statement: Statement): Promise<void> {
    await this.target.execute(this.printer.printStatement(statement));
  }

  async rows(query: Query): Promise<Record<string, unknown>[]> {
    return this.target.query(this.printer.print(query));
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return this.target.query(sql);
  }

  async ddl(ddl: Ddl): Promise<void> {
    await this.target.execute(this.printer.printDdl(ddl));
  }

  /**
   * After filling a scratch table that the next statements join on, the statistics the planner
   * needs for it, where the printer has a statement for them (Postgres' ANALYZE; SqlPrinter.refreshStatistics).
   */
  async refreshStatistics(table: TableRef): Promise<void> {
    const sql = this.printer.refreshStatistics(table);
    if (sql !== null) await this.target.execute(sql);
  }
}

/**
 * The scratch tables of this session, where the printer keeps them in the session (DuckDB's
 * temporary tables, SqlPrinter.scratchTablesInSession): every session that stages makes its own.
 * Elsewhere they are tables of the state schema, which ensureStateTables makes.
 */
export async function ensureSessionScratchTables(w: StateWriter, schema: string): Promise<void> {
  if (!w.printer.scratchTablesInSession) return;
  for (const ddl of stateDdl(schema)) if (ddl.kind === 'create_table' && ddl.scratch) await w.ddl(ddl);
}

/**
 * CREATE SCHEMA / TABLE IF NOT EXISTS for every state table: cheap, so every run does it.
 *
 * Two first runs at once (the second is meant to stop at the lock with `state_locked`) create the
 * same objects at the same moment, and Postgres' IF NOT EXISTS is not safe against that: the loser
 * fails on a catalog unique index (pg_namespace / pg_type) once the winner commits. By then the
 * object exists, so the statement is tried again (at most 3 times); IF NOT EXISTS then passes.
 */
export async function ensureStateTables(connection: WarehouseConnection, schema: string): Promise<void> {
  // Postgres checks CREATE on the database before IF NOT EXISTS finds the schema, so a role that
  // was given the schema but not the right to make schemas (docs/warehouses.md's least-privilege
  // setup) fails on it. The schema's failure counts only if the tables cannot be made either.
  let schemaFailure: unknown = null;
  for (const ddl of stateDdl(schema)) {
    try {
      await executeRetried(connection, connection.dialect.printer.printDdl(ddl));
    } catch (cause) {
      if (ddl.kind === 'create_schema') schemaFailure = cause;
      else throw schemaFailure ?? cause;
    }
  }
}

async function executeRetried(connection: WarehouseConnection, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await connection.execute(sql);
      return;
    } catch (cause) {
      if (attempt >= 3) throw cause;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/**
 * Whether the state tables exist (a dry run must not create them). A scratch table is left out: a
 * state written before it was added is still a state; so are `meta`, which a state of format 1
 * lacks, and the tables of later formats.
 */
export async function stateTablesExist(connection: WarehouseConnection, schema: string): Promise<boolean> {
  const tables = await connection.readTables(schema);
  return Object.values(STATE_TABLES).every((t) => ('scratch' in t && t.scratch) || 'addedIn' in t || t.name === STATE_TABLES.meta.name || tables.has(t.name));
}

/** Whether the state has `outbox_generations` (format 6; an older state gets it at its next run): readers of an older one read the outbox alone. */
export async function generationsExist(connection: WarehouseConnection, schema: string): Promise<boolean> {
  return (await connection.readTables(schema)).has(STATE_TABLES.outbox_generations.name);
}

export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

/** A TIMESTAMP column as an ISO-8601 instant (the state tables hold UTC without a zone). */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}
