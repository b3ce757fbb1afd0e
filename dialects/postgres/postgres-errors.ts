// Postgres errors -> diagnostics, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html)
// and by the network error codes of Node's socket layer.
import { DiagnosticsError, error, type DiagnosticCode } from '../../src/diagnostics/diagnostic.js';
import { causeDetail, connectCause, unreachable } from '../../src/warehouse/connect-failure.js';

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
}

function diagnostic(code: DiagnosticCode, message: string, hint: string): DiagnosticsError {
  return new DiagnosticsError([error(code, null, message, hint)]);
}

/** A DiagnosticsError for an error Postgres (or the network) raised; `what` names the warehouse. */
export function classifyPostgresError(cause: unknown, what = 'postgres'): DiagnosticsError {
  if (cause instanceof DiagnosticsError) return cause;
  const e = (cause ?? {}) as PgLikeError;
  const text = (e.message ?? String(cause)).split('\n')[0];
  switch (e.code) {
    case '42P01': // undefined_table
    case '3F000': // invalid_schema_name
      return diagnostic('missing_table', `the ${what} warehouse has no such table: ${text}`, 'check `source.schema` in quorum.yml and the event name, or load the table');
    case '42703': // undefined_column
      return diagnostic('missing_column', `the ${what} warehouse has no such column: ${text}`, 'check the trait or property name against the table (`quorum validate` lists the columns)');
    case '42501': // insufficient_privilege
      return diagnostic('warehouse_error', `permission denied on ${what}: ${text}`, "grant quorum's role USAGE and SELECT on the source schema and USAGE, CREATE on the state schema (docs/warehouses.md)");
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
      return diagnostic('warehouse_unreachable', `cannot connect to ${what}: authentication failed (${text}).`, 'check the user and password in `warehouse.url` (from ${DATABASE_URL})');
    case '3D000': // invalid_catalog_name
      return diagnostic('warehouse_unreachable', `${what} has no such database: ${text}`, 'check the database name in `warehouse.url`');
    case '57014': // query_canceled (statement_timeout)
      return diagnostic('warehouse_error', `${what} cancelled the statement (timeout): ${text}`, 'raise statement_timeout for quorum\'s role, or select fewer definitions per run');
    default: {
      const network = connectCause(cause);
      if (network !== null) return unreachable(`the ${what} server`, network, causeDetail(cause));
      if (/timeout/i.test(text)) return diagnostic('warehouse_unreachable', `${what} timed out: ${text}`, 'check the network path to the server, or raise the timeout');
      return diagnostic('warehouse_error', `the ${what} warehouse rejected quorum's statement: ${text}`, 'run `quorum validate` to check the definitions against the warehouse');
    }
  }
}
