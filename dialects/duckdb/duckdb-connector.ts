import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, JsonDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { failure, type DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import { processAlive } from '../../src/warehouse/process-alive.js';
import type { ConnectOptions, Dialect, ResultBatch, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import { IN_MEMORY, type DuckDbWarehouse } from './duckdb-config.js';
import { AllocatorRelease } from './duckdb-allocator.js';

/** DuckDB type names -> quorum's logical types. https://duckdb.org/docs/sql/data_types/overview */
export function duckDbLogicalType(typeName: string): LogicalType {
  const t = typeName.toUpperCase();
  if (t.endsWith('[]') || t.startsWith('LIST') || t.startsWith('STRUCT') || t.startsWith('MAP')) return 'list';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|INT\d*)$/.test(t)) return 'integer';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC)/.test(t)) return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'timestamp';
  if (t === 'VARCHAR' || t.startsWith('VARCHAR') || t === 'UUID' || t === 'JSON') return 'string';
  return 'unknown';
}

/**
 * DuckDB's "Out of Memory Error" as the setting that bounds it: the statement failed, its
 * transaction rolls back, and the user's remedy is in quorum.yml, not in DuckDB's SET advice.
 */
const OUT_OF_MEMORY_AT_COMMIT = ['could not allocate', 'failed to allocate', 'failed to pin'];

export function duckDbOutOfMemory(cause: unknown, config: DuckDbWarehouse): DiagnosticsError | null {
  const text = cause instanceof Error ? cause.message : String(cause);
  const first = text.split('\n')[0];
  // A COMMIT that cannot get the memory to write reports it as a failed commit, not as OOM.
  const commit = first.startsWith('TransactionContext Error: Failed to commit:') && OUT_OF_MEMORY_AT_COMMIT.some((words) => first.includes(words));
  if (!first.startsWith('Out of Memory Error') && !commit) return null;
  const detail = first.replace(/^Out of Memory Error:\s*/, '').replace(/^TransactionContext Error:\s*/, '');
  const raise = config.memoryLimit === undefined
    ? 'set warehouse.memory_limit in quorum.yml below the machine\'s free memory (DuckDB then spills to disk)'
    : `raise warehouse.memory_limit in quorum.yml (now ${config.memoryLimit})`;
  const threads = config.threads === undefined ? 'set warehouse.threads to 1 or 2' : 'lower warehouse.threads';
  return failure('warehouse_error', { rule: 'out_of_memory', warehouse: 'DuckDB', detail, fix: `${raise}, or ${threads}: each thread holds its own buffers` });
}

/**
 * Errors DuckDB raises while evaluating a statement that parsed and bound: a value that does not
 * fit its type, a function refusing its input, a file the sandbox keeps closed. The statement's
 * SQL traits and the warehouse's data cause them, not quorum, so they are the warehouse's refusal,
 * with DuckDB's excerpt of the line ("LINE 8: select user_id, cast(...") that shows which part;
 * without this they read as a bug in quorum. The Postgres connector does the same by SQLSTATE.
 */
const EVALUATION_ERRORS = ['Conversion Error', 'Out of Range Error', 'Invalid Input Error', 'Permission Error'];

export function duckDbEvaluationError(cause: unknown): DiagnosticsError | null {
  const text = cause instanceof Error ? cause.message : String(cause);
  const [first, ...rest] = text.split('\n');
  if (!EVALUATION_ERRORS.some((kind) => first.startsWith(`${kind}:`))) return null;
  const excerpt = rest.find((line) => line.startsWith('LINE '))?.replace(/\s+/g, ' ').trim();
  return failure('warehouse_error', { rule: 'evaluation', warehouse: 'DuckDB', detail: excerpt === undefined ? first : `${first} (${excerpt})` });
}

export class DuckDbConnection implements WarehouseConnection {
  private readonly allocator = new AllocatorRelease();

  constructor(
    readonly dialect: Dialect,
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly config: DuckDbWarehouse = { type: 'duckdb', path: ':memory:' },
    /** A spill folder quorum made for an in-memory database, removed on close. */
    private readonly spillDirectory?: string,
  ) {}

  private classify(cause: unknown): unknown {
    return duckDbOutOfMemory(cause, this.config) ?? duckDbEvaluationError(cause) ?? cause;
  }

  async query(sql: string): Promise<ResultRow[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as ResultRow[];
    } catch (cause) {
      throw this.classify(cause);
    }
  }

  /**
   * The result is materialised in DuckDB (run on every thread, as `query` is) and converted one
   * column of one chunk at a time, as `getRowObjectsJson` converts each value.
   */
  async *readBatches(sql: string): AsyncIterable<ResultBatch> {
    const result = await this.connection.run(sql).catch((cause: unknown) => {
      throw this.classify(cause);
    });
    const names = result.columnNames();
    for (let i = 0; i < result.chunkCount; i += 1) {
      const chunk = result.getChunk(i);
      yield {
        rowCount: chunk.rowCount,
        column: (name) => {
          const index = names.indexOf(name);
          if (index < 0) throw new Error(`internal error: the result has no column "${name}"`);
          return chunk.convertColumnValues(index, JsonDuckDBValueConverter);
        },
      };
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (cause) {
      throw this.classify(cause);
    }
  }

  /** https://duckdb.org/docs/sql/statements/transactions — one connection, so one session. */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work({ query: (sql) => this.query(sql), execute: (sql) => this.execute(sql) });
      await this.connection.run('COMMIT');
      return result;
    } catch (cause) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw this.classify(cause);
    }
  }

  /** Gives back what finished statements freed, if the process grew since the last time (duckdb-allocator.ts). */
  async releaseFreedMemory(): Promise<void> {
    await this.allocator.release();
  }

  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    // duckdb_columns() rather than the information_schema view built on it: the view joins several
    // catalog functions, and the first catalog read is part of every command's start-up (the
    // whole-process cost of `quorum members`, BENCHMARKS.md).
    const rows = await this.catalogRows(schema).catch((cause: unknown) => {
      throw this.classify(cause);
    });
    const tables = new Map<string, { name: string; columns: Map<string, LogicalType> }>();
    for (const row of rows) {
      const entry = tables.get(row.table_name) ?? { name: row.table_name, columns: new Map() };
      entry.columns.set(row.column_name, duckDbLogicalType(row.data_type));
      tables.set(row.table_name, entry);
    }
    return tables;
  }

  private async catalogRows(schema: string): Promise<{ table_name: string; column_name: string; data_type: string }[]> {
    const prepared = await this.connection.prepare(
      'select table_name, column_name, data_type from duckdb_columns() where database_name = current_database() and schema_name = $1 order by table_name, column_index',
    );
    prepared.bindVarchar(1, schema);
    return (await prepared.runAndReadAll()).getRowObjectsJson() as { table_name: string; column_name: string; data_type: string }[];
  }

  async describe(sql: string): Promise<Map<string, LogicalType>> {
    const prepared = await this.connection.prepare(sql).catch((cause: unknown) => {
      throw this.classify(cause);
    });
    const columns = new Map<string, LogicalType>();
    for (let i = 0; i < prepared.columnCount; i += 1) {
      columns.set(prepared.columnName(i), duckDbLogicalType(String(prepared.columnType(i))));
    }
    return columns;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.spillDirectory !== undefined) rmSync(this.spillDirectory, { recursive: true, force: true });
  }
}

/** Settings every quorum DuckDB session starts with; `lock_configuration` keeps them. */
export const DUCKDB_SANDBOX: Readonly<Record<string, string>> = { enable_external_access: 'false', lock_configuration: 'true' };

let inMemoryInstances = 0;

/**
 * The rows an INSERT may buffer before DuckDB writes them out as row groups. DuckDB's default (here
 * 1.2 GiB on a 24 GB machine) holds them all in memory. During a run's outbox insert of 1,000,000
 * calls (its diff stage) RSS peaked at 497, 500, 502 and 585 MB with DuckDB's default against 383,
 * 383, 390 and 355 MB (and once 467 MB) with 32 MB, alternated (BENCHMARKS.md, "Peak memory at 1 M
 * changes"). https://duckdb.org/docs/configuration/overview
 */
export const WRITE_BUFFER_LIMIT = '32MB';

/**
 * Settings of a session that writes (quorum's state schema) a state of snapshots and outbox rows.
 * DuckDB tries FSST on every string column segment it writes; on those rows (ids, definition names,
 * JSON values) that analysis was most of an INSERT's time. Without it, a first run at SF 1 inserts
 * its 196,350 snapshot rows in 104-116 ms instead of 167-190 and its diff stage takes 292 instead
 * of 360 ms; the state takes about 1.7x the space (10.5 MB against 6.3 MB after that run). With the
 * incremental engine on (ConnectOptions.largeState) the partials dominate the state, which FSST
 * keeps at less than half the size (156 against 347 MiB for the bench's 50 definitions at SF 1)
 * for runs no slower, so DuckDB keeps its choice there. BENCHMARKS.md, "String compression of the
 * state, and a funnel's rows_read".
 */
export const STATE_WRITE_SETTINGS: Readonly<Record<string, string>> = { disabled_compression_methods: 'fsst,dict_fsst' };

/** `quorum-duckdb-<pid>-<instance>`: the spill folder of an in-memory database, named after its process. */
const SPILL_FOLDER_PREFIX = 'quorum-duckdb-';
const SPILL_FOLDER_NAME = /^quorum-duckdb-(\d+)-\d+$/;

/**
 * Spill folders of in-memory databases whose process ended without closing them (killed, or
 * crashed): close removes a folder, but a SIGKILL leaves it in the temporary folder with whatever
 * DuckDB had spilled. A folder whose process still runs is never touched; a pid reused by another
 * process keeps its folder until that one ends too.
 */
export function removeAbandonedSpillFolders(folder: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(SPILL_FOLDER_PREFIX)) continue;
    const match = SPILL_FOLDER_NAME.exec(name);
    if (match === null || processAlive(Number(match[1]))) continue;
    try {
      rmSync(path.join(folder, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another user's, or removed by a process opening at the same time: not ours to report
    }
  }
  return removed;
}

/**
 * The engine settings of quorum.yml, given when the instance opens. A file database spills beside
 * itself (DuckDB's own `<file>.tmp`); an in-memory one would spill into the working directory, so
 * it gets a folder of its own under the system's temporary folder, removed on close, or by the
 * next in-memory open once its process has ended without closing.
 */
export function duckDbEngineSettings(config: DuckDbWarehouse): { settings: Record<string, string>; spillDirectory?: string } {
  const settings: Record<string, string> = { write_buffer_row_group_memory_limit: WRITE_BUFFER_LIMIT };
  if (config.memoryLimit !== undefined) settings.memory_limit = config.memoryLimit;
  if (config.threads !== undefined) settings.threads = String(config.threads);
  if (config.path !== IN_MEMORY) return { settings };
  removeAbandonedSpillFolders();
  inMemoryInstances += 1;
  const spillDirectory = path.join(tmpdir(), `${SPILL_FOLDER_PREFIX}${process.pid}-${inMemoryInstances}`);
  return { settings: { ...settings, temp_directory: spillDirectory }, spillDirectory };
}

export async function openDuckDb(dialect: Dialect, config: DuckDbWarehouse, options: ConnectOptions = {}): Promise<DuckDbConnection> {
  // DuckDB would silently create an empty database; a missing file is a configuration mistake.
  if (config.path !== ':memory:' && !existsSync(config.path)) {
    throw failure('warehouse_unreachable', { rule: 'missing_file', warehouse: 'DuckDB', path: config.path });
  }
  // The sandbox's engine half (SPEC §4): whatever a SQL trait calls, this session reads no file,
  // URL or extension but its own database, and no statement can turn that back on. quorum's own
  // work needs neither (test data is appended through the API, the file destination is Node's).
  // A command that only reads opens the file read-only (an in-memory database has nothing to read).
  const readOnly = options.readOnly === true && config.path !== IN_MEMORY;
  const { settings, spillDirectory } = duckDbEngineSettings(config);
  // Settings that DuckDB takes only by SET are set on the only connection before the configuration
  // is locked; nothing runs on it in between.
  const { lock_configuration: _locked, ...unlocked } = DUCKDB_SANDBOX;
  const instance = await DuckDBInstance.create(config.path, { ...settings, ...unlocked, ...(readOnly ? { access_mode: 'READ_ONLY' } : {}) }).catch((cause: unknown) => {
    // DuckDB's file lock is the embedded warehouse's run lock: a second run while one writes
    // (quorum keeps its state in the same file) is state_locked, as the lock row says elsewhere
    const text = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    if (text.includes('Could not set lock on file')) throw failure('state_locked', { rule: 'file', path: config.path, detail: text.replace(/^IO Error:\s*/, '') });
    throw cause;
  });
  const connection = await instance.connect();
  try {
    // SPEC §2: as_of and every window bound are UTC instants. quorum prints them as TIMESTAMP
    // literals, which DuckDB compares with a TIMESTAMPTZ column in the session's time zone, by
    // default the machine's: on a machine in Tokyo an event at 20:00 UTC fell outside the last day.
    // The time zone needs ICU, built into the client, and cannot be given when the instance opens.
    await connection.run("SET TimeZone = 'UTC'");
    // DuckDB 1.5 ignores `disabled_compression_methods` given when the instance opens.
    for (const [name, value] of Object.entries(readOnly || options.largeState === true ? {} : STATE_WRITE_SETTINGS)) {
      // only speed is at stake: a DuckDB that no longer knows a method name still runs correctly
      await connection.run(`SET ${name} = '${value}'`).catch(() => undefined);
    }
    await connection.run('SET lock_configuration = true');
  } catch (cause) {
    connection.closeSync();
    instance.closeSync();
    throw cause;
  }
  return new DuckDbConnection(dialect, instance, connection, config, spillDirectory);
}
