// Snowflake through the official `snowflake-sdk`: password, key pair (private_key /
// private_key_path) or external browser (authenticator: externalbrowser). The connector runs the
// SQL it is given; it folds upper-case names back to quorum's lower-case ones in what it reads.
import snowflake from 'snowflake-sdk';
import { DiagnosticsError, failure } from '../../src/diagnostics/diagnostic.js';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { Dialect, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import { debugEnabled, dependencyLogger } from '../../src/logging/dependency-log.js';
import { causeDetail, connectCause, DEFAULT_CONNECT_TIMEOUT_MS, unreachable, withConnectTimeout } from '../../src/warehouse/connect-failure.js';
import { snowflakeName } from './snowflake-printer.js';
import type { SnowflakeWarehouse } from './snowflake-config.js';

/** The inverse of snowflakeName: IDENTIFIES -> identifies; a quoted mixed-case name is kept. */
export function quorumName(stored: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(stored) ? stored.toLowerCase() : stored;
}

/** Snowflake types -> logical types. https://docs.snowflake.com/en/sql-reference/intro-summary-data-types */
export function snowflakeLogicalType(type: string, scale: number | null): LogicalType {
  const t = type.toUpperCase();
  if (t === 'ARRAY') return 'list';
  if (t === 'NUMBER' || t === 'FIXED' || t === 'DECIMAL' || t === 'NUMERIC') return scale === 0 || scale === null ? 'integer' : 'number';
  if (/^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)$/.test(t)) return 'integer';
  if (/^(FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL|REAL)$/.test(t)) return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE' || t === 'DATETIME') return 'timestamp';
  if (t === 'TEXT' || t.startsWith('VARCHAR') || t === 'STRING' || t === 'CHAR' || t === 'CHARACTER') return 'string';
  return 'unknown';
}

/** Snowflake errors -> diagnostics, by error number (https://docs.snowflake.com/en/user-guide/client-connectivity-troubleshooting/error-messages). */
export function classifySnowflakeError(cause: unknown): DiagnosticsError {
  if (cause instanceof DiagnosticsError) return cause;
  const e = (cause ?? {}) as { code?: string | number; message?: string };
  const code = String(e.code ?? '');
  const text = (e.message ?? String(cause)).split('\n')[0];
  if (code === '2003' || code === '002003' || /does not exist or not authorized/.test(text)) {
    return failure('missing_table', { rule: 'warehouse', warehouse: 'Snowflake', object: "object (or quorum's role may not see it)", detail: text, fix: 'check `source.schema` (schema, or database.schema) in quorum.yml, and grant the role USAGE on the database and schema and SELECT on its tables' });
  }
  if (code === '904' || code === '000904' || /invalid identifier/.test(text)) {
    return failure('missing_column', { rule: 'warehouse', warehouse: 'Snowflake', detail: text, fix: 'check the trait or property name against the table; quorum reads lower-case names as Snowflake\'s unquoted (upper-case) ones' });
  }
  if (code === '3001' || code === '003001' || /insufficient privileges/i.test(text)) {
    return failure('warehouse_error', { rule: 'permission', warehouse: 'Snowflake', detail: text, fix: "grant quorum's role SELECT on the source schema and CREATE TABLE on the state schema (docs/warehouses.md)" });
  }
  if (/^390\d{3}$/.test(code) || /incorrect username or password|JWT token is invalid|authenticat/i.test(text)) {
    return unreachable('Snowflake', 'authentication', text, 'check username and password / private key / authenticator in quorum.yml (from ${VAR}s)');
  }
  if (code === '630' || code === '000630' || /timeout|timed out/i.test(text)) {
    return failure('warehouse_error', { rule: 'timeout', warehouse: 'Snowflake', detail: text, fix: 'raise STATEMENT_TIMEOUT_IN_SECONDS for the warehouse or user, or select fewer definitions per run' });
  }
  if (/^4\d{5}$/.test(code) || /ENOTFOUND|ECONNREFUSED|network/i.test(text)) {
    return unreachable('Snowflake', 'network', text, 'check `account` (the account identifier, e.g. myorg-myaccount) and the network path to it');
  }
  return failure('warehouse_error', { rule: 'rejected', warehouse: 'Snowflake', detail: text });
}

export class SnowflakeConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly connection: snowflake.Connection,
  ) {}

  private run(sql: string, binds: snowflake.Binds = [], describeOnly = false): Promise<{ rows: ResultRow[]; columns: snowflake.Column[] }> {
    return new Promise((resolve, reject) => {
      this.connection.execute({
        sqlText: sql,
        binds,
        // SPEC §4: one statement a call, whatever the account or user default says.
        parameters: { MULTI_STATEMENT_COUNT: 1 },
        describeOnly,
        complete: (err, stmt, rows) => {
          if (err) reject(classifySnowflakeError(err));
          else resolve({ rows: (rows ?? []) as ResultRow[], columns: (stmt as snowflake.RowStatement).getColumns() ?? [] });
        },
      });
    });
  }

  async query(sql: string): Promise<ResultRow[]> {
    const { rows } = await this.run(sql);
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [quorumName(k), v])));
  }

  async execute(sql: string): Promise<void> {
    await this.run(sql);
  }

  /**
   * One connection is one session, so BEGIN ... COMMIT on it is one transaction.
   * https://docs.snowflake.com/en/sql-reference/transactions — DDL would commit implicitly, so
   * only DML belongs inside.
   */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await work({ query: (sql) => this.query(sql), execute: (sql) => this.execute(sql) });
      await this.run('COMMIT');
      return result;
    } catch (cause) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw cause;
    }
  }

  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    const parts = schema.split('.');
    const catalog = parts.length > 1 ? `${this.dialect.printer.quoteIdentifier(parts[0])}.` : '';
    const { rows } = await this.run(
      `select table_name, column_name, data_type, numeric_scale from ${catalog}information_schema.columns where table_schema = ? order by table_name, ordinal_position`,
      [snowflakeName(parts[parts.length - 1])],
    );
    const tables = new Map<string, { name: string; columns: Map<string, LogicalType> }>();
    for (const row of rows) {
      const table = quorumName(String(row.TABLE_NAME));
      const entry = tables.get(table) ?? { name: table, columns: new Map() };
      entry.columns.set(quorumName(String(row.COLUMN_NAME)), snowflakeLogicalType(String(row.DATA_TYPE), row.NUMERIC_SCALE === null ? null : Number(row.NUMERIC_SCALE)));
      tables.set(table, entry);
    }
    return tables;
  }

  async describe(sql: string): Promise<Map<string, LogicalType>> {
    const { columns } = await this.run(sql, [], true);
    return new Map(columns.map((c) => [quorumName(c.getName()), snowflakeLogicalType(c.getType(), c.getScale())]));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.connection.destroy(() => resolve()));
  }
}

export async function openSnowflake(dialect: Dialect, config: SnowflakeWarehouse): Promise<SnowflakeConnection> {
  const s = config.settings;
  // The SDK's own log goes to quorum's debug output, not to the user's terminal.
  snowflake.configure({ logLevel: debugEnabled() ? 'DEBUG' : 'ERROR', customLogger: dependencyLogger('snowflake') });
  const timeoutMs = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const raw = snowflake.createConnection({
    account: s.account,
    username: s.username,
    password: s.password,
    authenticator: s.authenticator,
    privateKey: s.private_key,
    privateKeyPath: s.private_key_path,
    privateKeyPass: s.private_key_passphrase,
    warehouse: s.warehouse,
    database: s.database,
    role: s.role,
    // The SDK retries a failed login for up to five minutes, even when the account's host name
    // does not resolve; quorum names the cause at once and leaves retrying to the scheduler.
    // (The SDK's `timeout` is left alone: it bounds every request, and a query's first answer may
    // take 45 s; withConnectTimeout below bounds the login.)
    sfRetryMaxLoginRetries: 0,
  } as snowflake.ConnectionOptions);
  const what = `Snowflake account "${s.account}"`;
  // A browser sign-in waits for a person, so warehouse.connect_timeout does not apply (SPEC §8).
  const interactive = /externalbrowser/i.test(s.authenticator ?? '');
  // connectAsync() resolves even when the login fails; connect()'s callback gets the error.
  const connecting = new Promise<void>((resolve, reject) => raw.connect((err) => (err ? reject(err) : resolve())));
  try {
    await (interactive ? connecting : withConnectTimeout(connecting, timeoutMs, what, () => raw.destroy(() => undefined)));
  } catch (cause) {
    const network = connectCause(cause);
    if (cause instanceof DiagnosticsError || network === null) throw classifySnowflakeError(cause);
    throw unreachable(what, network, causeDetail(cause));
  }
  const connection = new SnowflakeConnection(dialect, raw);
  // Source timestamps are UTC (docs/semantics.md); quorum's quoted names must be matched exactly;
  // a call carries one statement (SPEC §4), pinned for the session as well as per statement; the
  // printer's timestamp literals ('2024-06-01 00:00:00.000000') are read by AUTO detection, which an
  // account or user may have set to another format.
  // https://docs.snowflake.com/en/sql-reference/parameters#timestamp-input-format
  await connection.query("ALTER SESSION SET TIMEZONE = 'UTC', TIMESTAMP_INPUT_FORMAT = 'AUTO', QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE, MULTI_STATEMENT_COUNT = 1");
  return connection;
}
