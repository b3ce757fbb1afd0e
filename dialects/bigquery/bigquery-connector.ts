// BigQuery through the official client. Credentials: Application Default Credentials (gcloud
// auth application-default login, GOOGLE_APPLICATION_CREDENTIALS, or the attached service
// account), or `key_file` in quorum.yml. The connector runs the SQL it is given.
import { BigQuery } from '@google-cloud/bigquery';
import { DiagnosticsError, failure } from '../../src/diagnostics/diagnostic.js';
import type { CatalogTable, LogicalType } from '../../src/warehouse/catalog.js';
import type { Dialect, ResultRow, Statements, WarehouseConnection } from '../../src/warehouse/connection.js';
import type { BigQueryWarehouse } from './bigquery-config.js';
import { causeDetail, connectCause, DEFAULT_CONNECT_TIMEOUT_MS, unreachable, withConnectTimeout } from '../../src/warehouse/connect-failure.js';

/** BigQuery column types -> logical types. https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types */
export function bigQueryLogicalType(type: string, mode?: string): LogicalType {
  const t = type.toUpperCase();
  if (mode === 'REPEATED' || t.startsWith('ARRAY')) return 'list';
  if (t === 'INT64' || t === 'INTEGER') return 'integer';
  if (/^(FLOAT64|FLOAT|NUMERIC|BIGNUMERIC|DECIMAL|BIGDECIMAL)/.test(t)) return 'number';
  if (t === 'BOOL' || t === 'BOOLEAN') return 'boolean';
  if (t === 'TIMESTAMP' || t === 'DATETIME' || t === 'DATE') return 'timestamp';
  if (t === 'STRING' || t.startsWith('STRING(') || t === 'JSON') return 'string';
  return 'unknown';
}

interface BigQueryLikeError {
  readonly code?: number | string;
  readonly message?: string;
  readonly errors?: readonly { readonly reason?: string; readonly message?: string }[];
}

/** BigQuery errors -> diagnostics, by `reason` (https://cloud.google.com/bigquery/docs/error-messages). */
export function classifyBigQueryError(cause: unknown): DiagnosticsError {
  if (cause instanceof DiagnosticsError) return cause;
  const e = (cause ?? {}) as BigQueryLikeError;
  const text = (e.errors?.[0]?.message ?? e.message ?? String(cause)).split('\n')[0];
  const reason = e.errors?.[0]?.reason ?? '';
  if (reason === 'notFound' || /^Not found: (Table|Dataset)/.test(text)) {
    return failure('missing_table', { rule: 'warehouse', warehouse: 'BigQuery', object: 'table or dataset', detail: text, fix: 'check `source.schema` (dataset, or project.dataset) in quorum.yml and the event name, and that `location` matches the dataset' });
  }
  if (/Unrecognized name|Name \S+ not found inside/.test(text)) {
    return failure('missing_column', { rule: 'warehouse', warehouse: 'BigQuery', detail: text, fix: 'check the trait or property name against the table (`quorum validate` lists the columns)' });
  }
  if (reason === 'accessDenied' || e.code === 403) {
    return failure('warehouse_error', { rule: 'permission', warehouse: 'BigQuery', detail: text, fix: "grant quorum's service account roles/bigquery.jobUser on the project, dataViewer on the source dataset and dataEditor on the state dataset (docs/warehouses.md)" });
  }
  if (e.code === 401 || /default credentials|invalid_grant|unauthorized/i.test(text)) {
    return unreachable('BigQuery', 'authentication', text, 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file');
  }
  if (reason === 'jobTimeout' || reason === 'timeout' || /timed? ?out|deadline/i.test(text)) {
    return failure('warehouse_error', { rule: 'timeout', warehouse: 'BigQuery', detail: text, fix: 'raise the job timeout or select fewer definitions per run' });
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(String(e.code ?? text))) {
    return unreachable('BigQuery', 'network', text, 'check the network path to bigquery.googleapis.com');
  }
  return failure('warehouse_error', { rule: 'rejected', warehouse: 'BigQuery', detail: text });
}

const SCRIPT_REFUSED = 'quorum sends BigQuery one statement a job, and this text holds a script of several';

export class BigQueryConnection implements WarehouseConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly client: BigQuery,
    private readonly location: string | undefined,
  ) {}

  /**
   * BigQuery runs a query job holding several statements as a script. SPEC §4: never a script, so
   * a free dry run reads the job's statement type first and a SCRIPT is refused before it runs.
   */
  private async refuseScripts(sql: string): Promise<void> {
    const [dry] = await this.client.createQueryJob({ query: sql, location: this.location, useLegacySql: false, dryRun: true });
    if (dry.metadata?.statistics?.query?.statementType === 'SCRIPT') {
      throw new Error(SCRIPT_REFUSED);
    }
  }

  async query(sql: string): Promise<ResultRow[]> {
    try {
      await this.refuseScripts(sql);
      const [rows] = await this.client.query({ query: sql, location: this.location, useLegacySql: false, jobTimeoutMs: 600_000 });
      return rows as ResultRow[];
    } catch (cause) {
      throw classifyBigQueryError(cause);
    }
  }

  async execute(sql: string): Promise<void> {
    await this.query(sql);
  }

  /**
   * Multi-statement transactions live in a session: the first job creates it (BEGIN
   * TRANSACTION), every statement names its session_id, COMMIT or ROLLBACK ends it.
   * https://cloud.google.com/bigquery/docs/transactions ; https://cloud.google.com/bigquery/docs/sessions-intro
   */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    let sessionId: string | undefined;
    const run = async (sql: string): Promise<ResultRow[]> => {
      try {
        const [job] = await this.client.createQueryJob({
          query: sql,
          location: this.location,
          useLegacySql: false,
          ...(sessionId === undefined ? { createSession: true } : { connectionProperties: [{ key: 'session_id', value: sessionId }] }),
        });
        sessionId ??= job.metadata?.statistics?.sessionInfo?.sessionId;
        const [rows] = await job.getQueryResults();
        return rows as ResultRow[];
      } catch (cause) {
        throw classifyBigQueryError(cause);
      }
    };
    await run('BEGIN TRANSACTION');
    try {
      const result = await work({ query: run, execute: async (sql) => void (await run(sql)) });
      await run('COMMIT TRANSACTION');
      return result;
    } catch (cause) {
      await run('ROLLBACK TRANSACTION').catch(() => undefined);
      throw cause;
    } finally {
      await run('CALL BQ.ABORT_SESSION()').catch(() => undefined);
    }
  }

  /** Tables of a dataset (`dataset` or `project.dataset`), through the API: no SQL to build. */
  async readTables(schema: string): Promise<Map<string, CatalogTable>> {
    const [project, dataset] = schema.includes('.') ? (schema.split('.', 2) as [string, string]) : [undefined, schema];
    const tables = new Map<string, CatalogTable>();
    try {
      const [list] = await this.client.dataset(dataset, project ? { projectId: project } : {}).getTables();
      for (const table of list) {
        const [metadata] = await table.getMetadata();
        const fields = (metadata.schema?.fields ?? []) as { name: string; type: string; mode?: string }[];
        tables.set(table.id!, { name: table.id!, columns: new Map(fields.map((f) => [f.name, bigQueryLogicalType(f.type, f.mode)])) });
      }
    } catch (cause) {
      throw classifyBigQueryError(cause);
    }
    return tables;
  }

  /** A dry run validates the query and returns its schema without reading any data. */
  async describe(sql: string): Promise<Map<string, LogicalType>> {
    try {
      const [job] = await this.client.createQueryJob({ query: sql, location: this.location, useLegacySql: false, dryRun: true });
      if (job.metadata?.statistics?.query?.statementType === 'SCRIPT') throw new Error(SCRIPT_REFUSED);
      const fields = (job.metadata?.statistics?.query?.schema?.fields ?? []) as { name: string; type: string; mode?: string }[];
      return new Map(fields.map((f) => [f.name, bigQueryLogicalType(f.type, f.mode)]));
    } catch (cause) {
      throw classifyBigQueryError(cause);
    }
  }

  async close(): Promise<void> {}
}

export async function openBigQuery(dialect: Dialect, config: BigQueryWarehouse): Promise<BigQueryConnection> {
  const { project, location, key_file: keyFilename } = config.settings;
  const options = { projectId: project, location, ...(keyFilename ? { keyFilename } : {}) };
  const client = new BigQuery(options);
  await probeBigQuery(new BigQuery({ ...options, autoRetry: false }), location, `BigQuery project "${project}"`, config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  return new BigQueryConnection(dialect, client, location);
}

/**
 * BigQuery has no connection to open: a free dry-run query checks the credentials, the network
 * and the project now, within warehouse.connect_timeout, through a client that does not retry
 * (the client's retries, and its metadata-server probe, would hold a failure for many seconds).
 */
async function probeBigQuery(client: BigQuery, location: string | undefined, what: string, timeoutMs: number): Promise<void> {
  try {
    await withConnectTimeout(client.createQueryJob({ query: 'SELECT 1', dryRun: true, location, useLegacySql: false }), timeoutMs, what, () => undefined);
  } catch (cause) {
    if (cause instanceof DiagnosticsError) throw cause;
    const network = connectCause(cause) ?? (/default credentials|invalid_grant|unauthorized|invalid_client/i.test(causeDetail(cause)) ? 'authentication' : null);
    if (network === null) throw classifyBigQueryError(cause);
    throw unreachable(what, network, causeDetail(cause), network === 'authentication' ? 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file' : undefined);
  }
}
