// Why a warehouse could not be reached, named the way SPEC §8 asks (DNS, refused, authentication,
// TLS, timeout), from the error codes of Node's network layer that every client library passes
// on somewhere in its error's cause chain. Connectors add their own authentication codes.
import { failure, type DiagnosticsError } from '../diagnostics/diagnostic.js';

/** `warehouse.connect_timeout` when quorum.yml does not set it. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

import type { ConnectCause } from '../diagnostics/message-parameters.js';

export type { ConnectCause };

const CODE_CAUSES: Readonly<Record<string, ConnectCause>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'network',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  EPIPE: 'network',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
};

/** Every error in a cause chain (`cause`, AggregateError's `errors`, `originalError`), at most 20. */
function chain(cause: unknown): unknown[] {
  const out: unknown[] = [];
  const queue = [cause];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (e === null || e === undefined || out.includes(e)) continue;
    out.push(e);
    if (typeof e === 'object') {
      const o = e as { cause?: unknown; errors?: unknown; originalError?: unknown; error?: unknown };
      queue.push(o.cause, o.originalError, o.error);
      if (Array.isArray(o.errors)) queue.push(...(o.errors as unknown[]));
    }
  }
  return out;
}

/** The network cause of a failed connection, or null when the error is not a network one. */
export function connectCause(cause: unknown): ConnectCause | null {
  for (const e of chain(cause)) {
    const code = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && code in CODE_CAUSES) return CODE_CAUSES[code];
    if (typeof code === 'string' && /^(ERR_TLS|ERR_SSL|CERT_)/.test(code)) return 'tls';
  }
  const text = chain(cause)
    .map((e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : ''))
    .join(' ');
  if (/getaddrinfo|ENOTFOUND|EAI_AGAIN/.test(text)) return 'dns';
  if (/ECONNREFUSED/.test(text)) return 'refused';
  if (/\b(SSL|TLS)\b|certificate/i.test(text)) return 'tls';
  if (/ETIMEDOUT|timed? ?out/i.test(text)) return 'timeout';
  return null;
}

/** The first line of the innermost error message that says something, for the diagnostic. */
export function causeDetail(cause: unknown): string {
  const messages = chain(cause)
    .map((e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : ''))
    .map((m) => m.split('\n')[0].trim())
    .filter((m) => m.length > 0);
  const network = messages.find((m) => /getaddrinfo|ECONN|ETIMEDOUT|EHOST|ENET|certificate|SSL|TLS/.test(m));
  return network ?? messages[0] ?? String(cause);
}

/** The warehouse_unreachable diagnostic for `cause`, naming it (`what` is e.g. "Snowflake account x"). */
export function unreachable(what: string, cause: ConnectCause, detail: string, fix?: string): DiagnosticsError {
  return failure('warehouse_unreachable', { rule: 'connect', target: what, cause, detail, ...(fix === undefined ? {} : { fix }) });
}

/**
 * `connecting`, or a `timeout` diagnostic after `ms`; `abandon` is called then to stop the attempt
 * (close sockets, stop retry loops) so that nothing keeps the process alive behind the error.
 */
export async function withConnectTimeout<T>(connecting: Promise<T>, ms: number, what: string, abandon: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(
        unreachable(
          what,
          'timeout',
          `no answer within warehouse.connect_timeout, ${ms / 1000} s`,
          'check the network path to the warehouse (firewall, VPN, the host name), or raise warehouse.connect_timeout in quorum.yml',
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
