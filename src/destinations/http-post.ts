// POST with retries, shared by the segment and webhook destinations. Retries 429, 5xx, timeouts
// and network errors with exponential backoff and full jitter, and waits at least as long as a
// Retry-After header asks. Other 4xx are not retried (the request itself is wrong). Error
// messages name the status or the network error only: never the URL, a header or the body we sent.

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
  const inner = cause instanceof Error ? (cause as Error & { cause?: unknown }).cause : undefined;
  const code = inner && typeof inner === 'object' && 'code' in inner ? String((inner as { code: unknown }).code) : null;
  return code ? `network error ${code}` : 'network error';
}

/** Strips every secret from text that came back from a server before it reaches a message. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

export async function postWithRetry(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  policy: RetryPolicy,
  secrets: readonly string[],
): Promise<PostResult> {
  let reason = 'not sent';
  for (let attempt = 0; attempt < policy.attempts; attempt += 1) {
    let wait: number | null = null;
    try {
      const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(policy.timeoutMs) });
      const text = await response.text().catch(() => '');
      if (response.ok) return { ok: true, reason: '', attempts: attempt + 1 };
      const excerpt = redact(text.replace(/\s+/g, ' ').slice(0, 200), secrets);
      reason = `HTTP ${response.status}${excerpt ? ` (${excerpt})` : ''}`;
      if (response.status !== 429 && response.status < 500) return { ok: false, reason, attempts: attempt + 1 };
      wait = retryAfterMs(response.headers.get('retry-after'));
      if (wait !== null && wait > policy.maxDelayMs) {
        return { ok: false, reason: `${reason}; Retry-After asks for ${Math.round(wait / 1000)}s, left for the next run`, attempts: attempt + 1 };
      }
    } catch (cause) {
      reason = networkReason(cause);
    }
    if (attempt + 1 < policy.attempts) await sleep(Math.max(wait ?? 0, backoffMs(policy, attempt)));
  }
  return { ok: false, reason: `${reason} after ${policy.attempts} attempts`, attempts: policy.attempts };
}
