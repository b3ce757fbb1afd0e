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
        fix: "grant quorum's role USAGE and SELECT on the source schema, and make it the state schema's owner (CREATE SCHEMA quorum AUTHORIZATION quorum; docs/warehouses.md)",
      });
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
      return unreachable(what, 'authentication', text, 'check the user and password in `warehouse.url` (from ${DATABASE_URL})');
    case '3D000': // invalid_catalog_name
      return failure('warehouse_unreachable', { rule: 'no_database', target: what, detail: text, fix: 'check the database name in `warehouse.url`' });
    case '57P01': // admin_shutdown: pg_terminate_backend, or the server shutting down
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now: the server is starting or in recovery
      return unreachable(
        `the ${what} server`,
        'network',
        text,
        'the server ended the session (an administrator, a restart or a failover); nothing quorum was writing was committed: run again once the server is back',
      );
    case '57014': // query_canceled (statement_timeout)
      return failure('warehouse_error', { rule: 'timeout', warehouse: what, detail: text, fix: "raise statement_timeout for quorum's role, or select fewer definitions per run" });
    default: {
      const network = connectCause(cause);
      // knex's own words for its pool's wait ("The pool is probably full. Are you missing a
      // .transacting(trx) call?") are about its API, not about the server that did not answer
      const detail = text.startsWith('Knex: Timeout acquiring a connection') ? 'no connection within warehouse.connect_timeout' : causeDetail(cause);
      if (network !== null) return unreachable(`the ${what} server`, network, detail);
      // pg's words when the server hangs up during the startup exchange: not a PostgreSQL server on
      // that port, a TLS setting it refuses, or a proxy in between; no socket error code says so
      if (text.startsWith('Connection terminated')) {
        const fix = 'the server closed the connection while quorum connected: check that the host and port in `warehouse.url` are a PostgreSQL server\'s, and the TLS it expects (sslmode=require or sslmode=disable in the URL)';
        return unreachable(`the ${what} server`, 'network', text, fix);
      }
      if (/timeout/i.test(text)) return unreachable(what, 'timeout', text, 'check the network path to the server, or raise the timeout');
      return failure('warehouse_error', { rule: 'rejected', warehouse: `the ${what} warehouse`, detail: text });
    }
  }
}
