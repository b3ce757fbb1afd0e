// Which values of a project are secrets (SPEC §8): the values of credential fields (passwords,
// keys, tokens, write keys, webhook secrets, header values) and the userinfo and query string of
// URLs, whether written inline or through ${VAR}. Only credential fields count: a schema name read
// from ${VAR} is not a secret, and redacting it everywhere would garble every message.
import type { DestinationConfig, ProjectConfig } from '../definitions/model.js';
import { assertNever } from '../diagnostics/assert-never.js';

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
      return assertNever(destination, 'destination');
  }
}

/**
 * Keys whose values are credentials wherever they appear in quorum.yml, whatever the warehouse or
 * destination: known as secrets the moment they are read, before a dialect has named its own.
 */
const CREDENTIAL_KEYS = new Set(['password', 'private_key', 'private_key_passphrase', 'token', 'credentials', 'key', 'write_key', 'secret']);

/**
 * The secrets in one value of quorum.yml as it is read (`what` names where, as the config
 * parser's messages do), so that they are known before any message about that value is shown,
 * including when the file has errors and no configuration comes out of it.
 */
export function secretsOfSetting(key: string, what: string, value: string): string[] {
  if (what.startsWith('"headers"') || CREDENTIAL_KEYS.has(key)) return [value];
  if (key === 'url' || key === 'endpoint') return urlSecrets(value, { whole: what.startsWith('destination') && key === 'url' });
  return [];
}

/** Every secret of a project's destinations; the warehouse's dialect names its own (parse-warehouse.ts). */
export function projectSecrets(config: ProjectConfig): string[] {
  return Object.values(config.destinations).flatMap(destinationSecrets);
}
