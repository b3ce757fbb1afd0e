// POST with retries, shared by the segment and webhook destinations. Retries 429, 5xx, timeouts
// and network errors with exponential backoff and full jitter, and waits at least as long as a
// Retry-After header asks. Other 4xx are not retried (the request itself is wrong). Error
// messages name the status or the network error only: never the URL, a header or the body we sent.
// node:http with keep-alive agents (one set per destination), not fetch: a run posts thousands of
// batches to one endpoint, and the body is bytes that were serialised once.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { longestForm, SecretRedactor, secrets as projectSecrets } from '../secrets/secret-redactor.js';

const gzipAsync = promisify(gzip);

export interface RetryPolicy {
  readonly attempts: number; // total tries, including the first
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number; // per request
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 30_000 };

export interface PostResult {
  readonly ok: boolean;
  /** Why it failed, safe to print. */
  readonly reason: string;
  readonly attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function networkReason(cause: unknown): string {
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) return 'timed out';
  const codeOf = (e: unknown) =>
    e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : null;
  const code = codeOf(cause) ?? codeOf(cause instanceof Error ? (cause as Error & { cause?: unknown }).cause : undefined);
  return code ? `network error ${code}` : 'network error';
}

/** Only an excerpt of an error body is ever shown; this much of it is read. */
const ERROR_BODY_BYTES = 4096;
const EXCERPT_CHARACTERS = 200;

/**
 * What a message may quote of an error body: every secret stripped (the destination's own and
 * every other secret of the project, in each form a server may echo), whitespace collapsed, cut
 * short after redaction. A body read only in part may end in the start of a secret, which no
 * pattern matches: `margin` more bytes than ever shown are read (the longest form of any secret)
 * and dropped after redaction, so that a secret that starts before them is read whole.
 */
function errorExcerpt(response: RawResponse, redactor: SecretRedactor, margin: number): string {
  const end = response.truncated ? response.text.length - margin : response.text.length;
  return redactor.redactBefore(response.text, end).replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARACTERS);
}

/** Keep-alive connections for one destination: a run sends many batches to one endpoint. */
export function keepAliveAgents(maxSockets = 8): { http: HttpAgent; https: HttpsAgent; destroy(): void } {
  const http = new HttpAgent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
  const https = new HttpsAgent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

interface RawResponse {
  readonly status: number;
  /** The start of the body, at most the number of bytes asked for. */
  readonly text: string;
  /** Whether the body went on past `text`. */
  readonly truncated: boolean;
  readonly retryAfter: string | null;
}

function post(
  url: URL,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  agents: ReturnType<typeof keepAliveAgents> | null,
  keepBytes: number,
): Promise<RawResponse> {
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(body.length) },
        agent: agents ? (secure ? agents.https : agents.http) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < keepBytes) chunks.push(chunk.subarray(0, keepBytes - size));
          size += chunk.length;
        });
        response.on('end', () => {
          const header = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            truncated: size > keepBytes,
            retryAfter: Array.isArray(header) ? header[0] : (header ?? null),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export interface PostOptions {
  /** Keep-alive agents of the destination; without them every request opens a connection. */
  readonly agents?: ReturnType<typeof keepAliveAgents> | null;
  /** Content-Encoding: gzip (Segment's HTTP API accepts it). */
  readonly gzip?: boolean;
}

export async function postWithRetry(
  url: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string>>,
  policy: RetryPolicy,
  secrets: readonly string[],
  options: PostOptions = {},
): Promise<PostResult> {
  let reason = 'not sent';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, reason: 'the endpoint is not a valid URL', attempts: 0 };
  }
  let bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const sent: Record<string, string> = { ...headers };
  if (options.gzip) {
    bytes = await gzipAsync(bytes, { level: 1 });
    sent['Content-Encoding'] = 'gzip';
  }
  const margin = Math.max(projectSecrets.longestForm, ...secrets.map(longestForm));
  for (let attempt = 0; attempt < policy.attempts; attempt += 1) {
    let wait: number | null = null;
    try {
      const response = await post(target, bytes, sent, policy.timeoutMs, options.agents ?? null, ERROR_BODY_BYTES + margin);
      if (response.status >= 200 && response.status < 300) return { ok: true, reason: '', attempts: attempt + 1 };
      const excerpt = errorExcerpt(response, projectSecrets.with(secrets), margin);
      reason = `HTTP ${response.status}${excerpt ? ` (${excerpt})` : ''}`;
      if (response.status !== 429 && response.status < 500) return { ok: false, reason, attempts: attempt + 1 };
      wait = retryAfterMs(response.retryAfter);
      if (wait !== null && wait > policy.maxDelayMs) {
        return {
          ok: false,
          reason: `${reason}; Retry-After asks for ${Math.round(wait / 1000)}s, left for the next run`,
          attempts: attempt + 1,
        };
      }
    } catch (cause) {
      reason = networkReason(cause);
    }
    if (attempt + 1 < policy.attempts) await sleep(Math.max(wait ?? 0, backoffMs(policy, attempt)));
  }
  return { ok: false, reason: `${reason} after ${policy.attempts} attempts`, attempts: policy.attempts };
}
