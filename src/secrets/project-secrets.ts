// Which values of a project are secrets (SPEC §8): the values of credential fields (passwords,
// keys, tokens, write keys, webhook secrets, header values) and the userinfo and query string of
// URLs, whether written inline or through ${VAR}. Only credential fields count: a schema name read
// from ${VAR} is not a secret, and redacting it everywhere would garble every message.
import type { DestinationConfig, ProjectConfig, WarehouseConfig } from '../definitions/model.js';

function assertNever(value: never): never {
  throw new Error(`unhandled configuration ${JSON.stringify(value)}`);
}

/** Warehouse settings that hold credentials (keys of quorum.yml's `warehouse:`). */
export const CREDENTIAL_SETTINGS = ['password', 'private_key', 'private_key_passphrase', 'token', 'credentials', 'key'];

/**
 * Query parameters of a connection URL that configure rather than authenticate; every other
 * parameter value (password, sslkey, sslpassword, a token...) is a secret.
 */
const SETTING_PARAMETERS = new Set(['sslmode', 'application_name', 'connect_timeout', 'options', 'target_session_attrs', 'search_path', 'schema', 'host', 'port', 'dbname', 'user']);

/** The secret parts of a URL: its userinfo, its password, its query string and values. */
export function urlSecrets(url: string, options: { whole?: boolean } = {}): string[] {
  const found: string[] = options.whole ? [url] : [];
  // A scheme-relative or malformed URL still carries "user:password@" and "?query" as written.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(url)?.[1];
  if (userinfo) {
    found.push(userinfo);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) found.push(userinfo.slice(colon + 1), safeDecode(userinfo.slice(colon + 1)));
  }
  const query = /\?([^#]*)/.exec(url)?.[1];
  if (query) {
    found.push(query);
    for (const [key, value] of new URLSearchParams(query)) {
      if (!SETTING_PARAMETERS.has(key.toLowerCase())) found.push(value);
    }
  }
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function warehouseSecrets(warehouse: WarehouseConfig): string[] {
  switch (warehouse.type) {
    case 'duckdb':
      return [];
    case 'postgres':
      return urlSecrets(warehouse.url);
    case 'bigquery':
    case 'snowflake':
      return Object.entries(warehouse.settings)
        .filter(([key]) => CREDENTIAL_SETTINGS.includes(key))
        .map(([, value]) => value);
    default:
      return assertNever(warehouse);
  }
}

export function destinationSecrets(destination: DestinationConfig): string[] {
  switch (destination.type) {
    case 'segment':
      return [destination.writeKey, ...urlSecrets(destination.endpoint)];
    case 'webhook':
      // The whole URL too: hooks such as Slack's carry their token in the path.
      return [...urlSecrets(destination.url, { whole: true }), ...Object.values(destination.headers), ...(destination.secret ? [destination.secret] : [])];
    case 'file':
    case 'stdout':
      return [];
    default:
      return assertNever(destination);
  }
}

/** Every secret of a project's configuration. */
export function projectSecrets(config: ProjectConfig): string[] {
  return [...warehouseSecrets(config.warehouse), ...Object.values(config.destinations).flatMap(destinationSecrets)];
}
