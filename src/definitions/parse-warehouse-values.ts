// Warehouse settings that must be right before quorum tries to connect (SPEC §8): the connect
// timeout, and a connection URL that says what it means instead of falling back to a default.
import { urlSecrets } from '../secrets/project-secrets.js';
import { secrets } from '../secrets/secret-redactor.js';
import { scalarOf } from './parse-values.js';
import { describe, type MapEntry, type YamlFile } from './yaml-source.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
/** Longer than an hour is a hang, not a timeout. */
const MAX_MS = 3_600_000;

/**
 * `warehouse.connect_timeout`: how long connecting may take before quorum gives up and names the
 * cause. A number of seconds, or a duration such as 30s, 500ms, 2m. In ms, or null after a diagnostic.
 */
export function readConnectTimeout(y: YamlFile, entry: MapEntry): number | null {
  const value = scalarOf(entry.value);
  let ms: number | null = null;
  if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  }
  if (ms === null || !Number.isFinite(ms) || ms <= 0 || ms > MAX_MS) {
    return y.error(
      'invalid_value',
      entry.valueLoc,
      `"warehouse": "connect_timeout" is ${describe(entry.value)}, not a time between 1 ms and 1 hour.`,
      'write a number of seconds or a duration such as 30s, 500ms or 2m (the default is 30s)',
    );
  }
  return Math.round(ms);
}

/**
 * A connection URL (`scheme://user:password@host:port/database?...`), or null after a diagnostic.
 * Client libraries read `postgresql//h/db` or a port past 65535 as something else and connect to
 * localhost:5432 instead; quorum refuses them. Messages never quote the URL: it holds a password.
 */
export function checkConnectionUrl(y: YamlFile, entry: MapEntry, url: string, schemes: readonly string[]): string | null {
  // Known as a secret before anything can quote it, valid or not (the code frame shows the line).
  secrets.add(urlSecrets(url));
  const example = `${schemes[0]}://user:password@host:5432/database`;
  const refuse = (problem: string) =>
    y.error('invalid_value', entry.valueLoc, `"warehouse": "${entry.key}" is not a valid connection URL: ${problem}.`, `write it as ${example} (from \${DATABASE_URL} or similar)`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (scheme === undefined) return refuse('it does not start with a scheme and "://"');
  if (!schemes.includes(scheme.toLowerCase())) return refuse(`the scheme is "${scheme}", not ${schemes.map((s) => `"${s}"`).join(' or ')}`);
  const authority = /^[^/?#]*/.exec(url.slice(scheme.length + 3))![0];
  const port = /:(\d+)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return refuse(`the port ${port} is not between 1 and 65535`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('it cannot be read as a URL (check the characters of the user name and password: they must be percent-encoded)');
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) return refuse('it names no host');
  return url;
}
