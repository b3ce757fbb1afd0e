// Postgres errors -> diagnostics, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html)
// and by the network error codes of Node's socket layer.
import { DiagnosticsError, failure } from '../../src/diagnostics/diagnostic.js';
import { causeDetail, connectCause, unreachable } from '../../src/warehouse/connect-failure.js';

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
}

/** A DiagnosticsError for an error Postgres (or the network) raised; `what` names the warehouse. */
export function classifyPostgresError(cause: unknown, what = 'postgres'): DiagnosticsError {
  if (cause instanceof DiagnosticsError) return cause;
  const e = (cause ?? {}) as PgLikeError;
  const text = (e.message ?? String(cause)).split('\n')[0];
  switch (e.code) {
    case '42P01': // undefined_table
    case '3F000': // invalid_schema_name
      return failure('missing_table', { rule: 'warehouse', warehouse: `the ${what} warehouse`, object: 'table', detail: text, fix: 'check `source.schema` in quorum.yml and the event name, or load the table' });
    case '42703': // undefined_column
      return failure('missing_column', { rule: 'warehouse', warehouse: `the ${what} warehouse`, detail: text, fix: 'check the trait or property name against the table (`quorum validate` lists the columns)' });
    case '42501': // insufficient_privilege
      return failure('warehouse_error', {
        rule: 'permission',
        warehouse: what,
        detail: text,
        fix: "grant quorum's role USAGE and SELECT on the source schema and USAGE, CREATE on the state schema (docs/warehouses.md)",
      });
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
      return unreachable(what, 'authentication', text, 'check the user and password in `warehouse.url` (from ${DATABASE_URL})');
    case '3D000': // invalid_catalog_name
      return failure('warehouse_unreachable', { rule: 'no_database', target: what, detail: text, fix: 'check the database name in `warehouse.url`' });
    case '57014': // query_canceled (statement_timeout)
      return failure('warehouse_error', { rule: 'timeout', warehouse: what, detail: text, fix: "raise statement_timeout for quorum's role, or select fewer definitions per run" });
    default: {
      const network = connectCause(cause);
      if (network !== null) return unreachable(`the ${what} server`, network, causeDetail(cause));
      if (/timeout/i.test(text)) return unreachable(what, 'timeout', text, 'check the network path to the server, or raise the timeout');
      return failure('warehouse_error', { rule: 'rejected', warehouse: `the ${what} warehouse`, detail: text });
    }
  }
}
