// Any HTTP endpoint: POST {"batch": [...calls], "sentAt": ...} as JSON. With a `secret`, the body is
// signed: X-Quorum-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>, so the receiver
// can check that quorum sent it (compare in constant time).
import { createHmac } from 'node:crypto';
import type { DestinationConfig } from '../definitions/model.js';
import type { SegmentCall } from '../sync/calls.js';
import { VERSION } from '../cli/version.js';
import { DeliveryError, SEGMENT_LIMITS, type BatchLimits, type Destination } from './destination.js';
import { postWithRetry, type RetryPolicy } from './http-post.js';

export const SIGNATURE_HEADER = 'X-Quorum-Signature';

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function openWebhookDestination(name: string, config: Extract<DestinationConfig, { type: 'webhook' }>, retry: RetryPolicy, limits: BatchLimits = SEGMENT_LIMITS): Destination {
  // Header values may hold tokens: treat them all as secrets, with the URL (it may embed one).
  const secrets = [config.url, ...Object.values(config.headers), ...(config.secret ? [config.secret] : [])];
  return {
    name,
    limits,
    async send(calls: readonly SegmentCall[]) {
      const body = JSON.stringify({ batch: calls, sentAt: new Date().toISOString() });
      const headers: Record<string, string> = { ...config.headers, 'Content-Type': 'application/json', 'User-Agent': `quorum/${VERSION}` };
      if (config.secret) headers[SIGNATURE_HEADER] = signBody(body, config.secret);
      const result = await postWithRetry(config.url, body, headers, retry, secrets);
      if (!result.ok) throw new DeliveryError(name, result.reason);
    },
    async close() {},
  };
}
