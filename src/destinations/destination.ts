// A destination takes batches of Segment-spec calls. Each kind is one small file; this one holds
// what they share: the limits a batch must respect and the error a failed batch raises.
// open-destination.ts opens one from quorum.yml.
import type { SegmentCall } from './segment-call.js';
import type { RetryPolicy } from './http-post.js';

/** Segment's limits (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size). */
export interface BatchLimits {
  readonly maxCalls: number;
  readonly maxBatchBytes: number;
  readonly maxCallBytes: number;
}

export const SEGMENT_LIMITS: BatchLimits = { maxCalls: 2500, maxBatchBytes: 500 * 1024, maxCallBytes: 32 * 1024 };

/**
 * A file's batch is one append and one fsync, not a request: Segment's 500 KB would cut a page of
 * 2,500 calls into four syncs, each a few milliseconds of waiting. The call limit stays Segment's, so
 * that what the file holds can be replayed to Segment as it is.
 */
export const FILE_BATCH_BYTES = 8 * 1024 * 1024;

export interface Destination {
  readonly name: string;
  readonly limits: BatchLimits;
  /**
   * Delivers one batch and resolves once the destination acknowledged all of it. Retries what can
   * be retried; then rejects with a DeliveryError, and the calls stay in the outbox.
   */
  send(calls: readonly SegmentCall[]): Promise<void>;
  /**
   * The same with every call already serialised (delivery builds each call's JSON text once and
   * never re-serialises it). Optional: delivery falls back to `send`.
   */
  sendJson?(calls: readonly string[]): Promise<void>;
  /** Batches in flight at once (different entities; one entity's calls stay in order). Default 1. */
  readonly concurrency?: number;
  close(): Promise<void>;
}

/** Delivers JSON texts through whichever of the two methods a destination has. */
export function sendJsonTo(destination: Destination, calls: readonly string[]): Promise<void> {
  if (destination.sendJson) return destination.sendJson(calls);
  return destination.send(calls.map((c) => JSON.parse(c) as SegmentCall));
}

/** A batch body `{"batch":[...],<rest>}` from serialised calls, without re-serialising them, as UTF-8 bytes. */
export function batchBody(calls: readonly string[], rest: Readonly<Record<string, unknown>>): Buffer {
  const tail = JSON.stringify(rest);
  return utf8Joined('{"batch":[', calls, ',', `]${tail === '{}' ? '' : `,${tail.slice(1, -1)}`}}`);
}

/**
 * `prefix`, the texts with `separator` between them, and `suffix`, as UTF-8 bytes written straight
 * into one buffer of the right size: joining a batch's calls into one string and encoding that took
 * 3-4x as long (1.44 s against 0.33-0.53 s for 200,000 calls of 500 bytes; BENCHMARKS.md,
 * "Delivery of a first run: its reads and its bytes"). Each piece is encoded on its own: for
 * well-formed texts (every JSON.stringify output is one) the bytes are those of
 * `Buffer.from(prefix + texts.join(separator) + suffix)`.
 */
export function utf8Joined(prefix: string, texts: readonly string[], separator: string, suffix: string): Buffer {
  const separatorBytes = Buffer.byteLength(separator, 'utf8');
  let size = Buffer.byteLength(prefix, 'utf8') + Buffer.byteLength(suffix, 'utf8') + Math.max(0, texts.length - 1) * separatorBytes;
  for (const text of texts) size += Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = out.write(prefix, 0, 'utf8');
  texts.forEach((text, i) => {
    if (i > 0) at += out.write(separator, at, 'utf8');
    at += out.write(text, at, 'utf8');
  });
  at += out.write(suffix, at, 'utf8');
  if (at !== size) throw new Error(`internal error: ${at} of ${size} bytes written`);
  return out;
}

/** A batch that did not get through. The message never holds a URL, a header or a secret. */
export class DeliveryError extends Error {
  constructor(
    readonly destination: string,
    message: string,
  ) {
    super(`destination "${destination}": ${message}`);
  }
}

export interface DestinationOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Fewer calls a batch than Segment allows (QUORUM_BATCH_MAX_CALLS), for endpoints that want small batches. */
  readonly maxCalls?: number;
  /** HTTP destinations: batches in flight at once (QUORUM_HTTP_CONCURRENCY, default 4). */
  readonly concurrency?: number;
  /** HTTP destinations: gzip request bodies (QUORUM_HTTP_GZIP=1; Segment accepts Content-Encoding: gzip). */
  readonly gzip?: boolean;
  /** stdout destinations: standard output carries `--json` output, so they refuse their calls (stdout-destination.ts). */
  readonly stdoutReserved?: boolean;
}

export const DEFAULT_HTTP_CONCURRENCY = 4;

/** Concurrency and gzip from the options, else the environment. */
export function httpTuning(options: DestinationOptions, env: NodeJS.ProcessEnv = process.env): { concurrency: number; gzip: boolean } {
  const wanted = options.concurrency ?? Number(env.QUORUM_HTTP_CONCURRENCY ?? NaN);
  const concurrency = Number.isInteger(wanted) && wanted > 0 ? Math.min(wanted, 64) : DEFAULT_HTTP_CONCURRENCY;
  const gzip = options.gzip ?? (env.QUORUM_HTTP_GZIP === '1' || env.QUORUM_HTTP_GZIP === 'true');
  return { concurrency, gzip };
}

/** Retry settings from the environment (QUORUM_HTTP_*), for operators and for tests. */
export function retryFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<RetryPolicy> {
  const read = (name: string) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : undefined);
  const out: { -readonly [K in keyof RetryPolicy]?: RetryPolicy[K] } = {};
  const attempts = read('QUORUM_HTTP_ATTEMPTS');
  const base = read('QUORUM_HTTP_BACKOFF_MS');
  const max = read('QUORUM_HTTP_MAX_BACKOFF_MS');
  const timeout = read('QUORUM_HTTP_TIMEOUT_MS');
  if (attempts !== undefined && Number.isFinite(attempts)) out.attempts = attempts;
  if (base !== undefined && Number.isFinite(base)) out.baseDelayMs = base;
  if (max !== undefined && Number.isFinite(max)) out.maxDelayMs = max;
  if (timeout !== undefined && Number.isFinite(timeout)) out.timeoutMs = timeout;
  return out;
}
