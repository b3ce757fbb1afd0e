// Any HTTP endpoint: POST {"batch": [...calls], "sentAt": ...} as JSON. With a `secret`, the body is
// signed: X-Quorum-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>, so the receiver
// can check that quorum sent it (compare in constant time). With gzip, the signature is over the
// JSON before compression (what the receiver has after decoding Content-Encoding).
import { createHmac } from 'node:crypto';
import type { DestinationConfig } from '../definitions/model.js';
import { destinationSecrets } from '../secrets/project-secrets.js';
import type { SegmentCall } from './segment-call.js';
import { VERSION } from '../version.js';
import { batchBody, DeliveryError, SEGMENT_LIMITS, type BatchLimits, type Destination } from './destination.js';
import { keepAliveAgents, postWithRetry, type RetryPolicy } from './http-post.js';
import type { HttpTuning } from './segment-destination.js';

export const SIGNATURE_HEADER = 'X-Quorum-Signature';

export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex')}`;
}

export function openWebhookDestination(
  name: string,
  config: Extract<DestinationConfig, { type: 'webhook' }>,
  retry: RetryPolicy,
  limits: BatchLimits = SEGMENT_LIMITS,
  tuning: HttpTuning = { concurrency: 1, gzip: false },
): Destination {
  const secrets = destinationSecrets(config);
  const agents = keepAliveAgents(tuning.concurrency);
  const destination: Destination = {
    name,
    limits,
    concurrency: tuning.concurrency,
    send: (calls: readonly SegmentCall[]) => destination.sendJson!(calls.map((call) => JSON.stringify(call))),
    async sendJson(calls: readonly string[]) {
      const body = batchBody(calls, { sentAt: new Date().toISOString() });
      const headers: Record<string, string> = { ...config.headers, 'Content-Type': 'application/json', 'User-Agent': `quorum/${VERSION}` };
      if (config.secret) headers[SIGNATURE_HEADER] = signBody(body, config.secret);
      const result = await postWithRetry(config.url, body, headers, retry, secrets, { agents, gzip: tuning.gzip });
      if (!result.ok) throw new DeliveryError(name, result.reason);
    },
    async close() {
      agents.destroy();
    },
  };
  return destination;
}
