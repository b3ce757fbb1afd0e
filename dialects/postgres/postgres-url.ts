// A Postgres connection URL is checked before `pg` reads it: pg-connection-string reads
// `postgresql//host/db` or a port past 65535 as something else and connects to localhost:5432
// instead (SPEC §8: a malformed URL is an error, not a silent default). Checked here, at connect
// time, rather than when quorum.yml is read: `quorum test` and offline validation run with
// placeholder values for unset ${VAR}s and never connect.
// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS
import { failure } from '../../src/diagnostics/diagnostic.js';

const SCHEMES = ['postgres', 'postgresql'];

/** What is wrong with `url`, or null. Never quotes the URL: it holds a password. */
export function connectionUrlProblem(url: string): string | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (scheme === undefined) return 'it does not start with a scheme and "://"';
  if (!SCHEMES.includes(scheme.toLowerCase())) return `the scheme is "${scheme}", not "postgres" or "postgresql"`;
  const authority = /^[^/?#]*/.exec(url.slice(scheme.length + 3))![0];
  const port = /:(\d+)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `the port ${port} is not between 1 and 65535`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it cannot be read as a URL (characters of the user name and password must be percent-encoded)';
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) return 'it names no host';
  return null;
}

/** Throws the invalid_value diagnostic for a malformed URL. */
export function checkConnectionUrl(url: string): void {
  const problem = connectionUrlProblem(url);
  if (problem === null) return;
  throw failure('invalid_value', {
    form: 'rule',
    what: '"warehouse": "url"',
    problem: `is not a valid connection URL: ${problem}`,
    fix: 'write it as postgres://user:password@host:5432/database (usually from ${DATABASE_URL})',
  });
}
