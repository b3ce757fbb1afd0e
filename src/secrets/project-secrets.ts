// Which values of a project are secrets (SPEC §8): the values of credential fields (passwords,
// keys, tokens, write keys, webhook secrets, header values), the userinfo and query string of
// URLs and a webhook URL's path, whether written inline or through ${VAR}. A variable read into
// one of these (or into any part of a URL) is a secret on its own too: a server echoes the token
// of "Bearer ${TOKEN}" or of "/services/${HOOK}" without what surrounds it. Only these fields
// count: a schema name or a path read from ${VAR} is not a secret, and the redactor, which
// matches text anywhere, would garble every SQL statement and message that names it.
import type { DestinationConfig, ProjectConfig } from '../definitions/model.js';
import { assertNever } from '../diagnostics/assert-never.js';
import { malformedReference } from '../definitions/env-references.js';

/**
 * Query parameters of a connection URL that configure rather than authenticate; every other
 * parameter value (password, sslkey, sslpassword, a token...) is a secret.
 */
const SETTING_PARAMETERS = new Set(['sslmode', 'application_name', 'connect_timeout', 'options', 'target_session_attrs', 'search_path', 'schema', 'host', 'port', 'dbname', 'user']);

/**
 * The secret parts of a URL: its userinfo, its password, its query string and values; with
 * `tokenInPath` (a webhook's: hooks such as Slack's carry their token in the path), the whole URL
 * and its path too, which a server's "Cannot POST /services/..." echoes without the host. A user
 * name without a password is a token in an HTTP URL (https://TOKEN@hooks.example.com), but in a
 * warehouse's connection URL it is a role name such as "quorum", whose password comes some other
 * way: `userIsName` keeps it out, since the redactor would blank that word in every message.
 */
export function urlSecrets(url: string, options: { tokenInPath?: boolean; userIsName?: boolean } = {}): string[] {
  const found: string[] = options.tokenInPath ? [url, ...pathOf(url)] : [];
  // A scheme-relative or malformed URL still carries "user:password@" and "?query" as written.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(url)?.[1];
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    if (colon >= 0 || !options.userIsName) found.push(userinfo);
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

function pathOf(url: string): string[] {
  try {
    const { pathname } = new URL(url);
    return [pathname, safeDecode(pathname)];
  } catch {
    return [];
  }
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
      return [...urlSecrets(destination.url, { tokenInPath: true }), ...Object.values(destination.headers), ...(destination.secret ? [destination.secret] : [])];
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
 * including when the file has errors and no configuration comes out of it. `variables`: the
 * values its ${VAR}s read, each a secret of its own in a field that holds secrets.
 */
export function secretsOfSetting(key: string, what: string, value: string, variables: readonly string[] = []): string[] {
  if (what.startsWith('"headers"') || CREDENTIAL_KEYS.has(key)) return [value, ...variables];
  if (key === 'url' || key === 'endpoint') {
    const destination = what.startsWith('destination');
    return [...urlSecrets(value, { tokenInPath: destination && key === 'url', userIsName: !destination }), ...variables];
  }
  return [];
}

/**
 * The values written inline after a credential key in quorum.yml's text, read line by line before
 * the YAML is parsed: a file with a syntax error on that line, or a value of the wrong shape
 * (`write_key: [abc]`), yields no setting, and its code frame would show the value as written. A
 * block scalar's lines (`private_key: |`) count too. `${VAR}` references are not secrets themselves,
 * but a malformed one (`${KEY:-sk_live_...}`) is text written inline, and its error quotes it.
 */
export function secretsWrittenInline(text: string): string[] {
  const found: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().replace(/^-\s*/, '').replace(/^["']|["']$/g, '').toLowerCase();
    if (!CREDENTIAL_KEYS.has(key)) continue;
    const rest = line.slice(colon + 1).trim();
    if (/^[|>][-+0-9]*$/.test(rest)) {
      const indent = line.length - line.trimStart().length;
      for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || lines[j].length - lines[j].trimStart().length > indent); j += 1) {
        if (lines[j].trim() !== '') found.push(lines[j].trim());
      }
    } else if (rest.includes('${')) {
      const malformed = malformedReference(rest);
      if (malformed !== null) found.push(malformed);
    } else if (rest !== '') {
      found.push(rest, rest.replace(/^["'[{]\s*|\s*["'\]}]$/g, ''));
    }
  }
  return found;
}

/** Every secret of a project's destinations; the warehouse's dialect names its own (parse-warehouse.ts). */
export function projectSecrets(config: ProjectConfig): string[] {
  return Object.values(config.destinations).flatMap(destinationSecrets);
}
