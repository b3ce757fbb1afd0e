// A destination takes batches of Segment-spec calls. Each kind is one small file; this one holds
// what they share: the limits a batch must respect and the error a failed batch raises.
// open-destination.ts opens one from quorum.yml.
import type { SegmentCall } from '../sync/calls.js';
import type { RetryPolicy } from './http-post.js';

/** Segment's limits (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size). */
export interface BatchLimits {
  readonly maxCalls: number;
  readonly maxBatchBytes: number;
  readonly maxCallBytes: number;
}

export const SEGMENT_LIMITS: BatchLimits = { maxCalls: 2500, maxBatchBytes: 500 * 1024, maxCallBytes: 32 * 1024 };

export interface Destination {
  readonly name: string;
  readonly limits: BatchLimits;
  /**
   * Delivers one batch and resolves once the destination acknowledged all of it. Retries what can
   * be retried; then rejects with a DeliveryError, and the calls stay in the outbox.
   */
  send(calls: readonly SegmentCall[]): Promise<void>;
  close(): Promise<void>;
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
