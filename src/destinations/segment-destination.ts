// Segment's HTTP Tracking API, or anything that speaks it: POST {endpoint}/v1/batch with the write
// key as the Basic-auth user (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch).
import type { DestinationConfig } from '../definitions/model.js';
import type { SegmentCall } from '../sync/calls.js';
import { VERSION } from '../cli/version.js';
import { DeliveryError, SEGMENT_LIMITS, type BatchLimits, type Destination } from './destination.js';
import { postWithRetry, type RetryPolicy } from './http-post.js';

export function openSegmentDestination(name: string, config: Extract<DestinationConfig, { type: 'segment' }>, retry: RetryPolicy, limits: BatchLimits = SEGMENT_LIMITS): Destination {
  const auth = `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`;
  const secrets = [config.writeKey, auth];
  return {
    name,
    limits,
    async send(calls: readonly SegmentCall[]) {
      const body = JSON.stringify({ batch: calls, sentAt: new Date().toISOString(), context: { library: { name: 'quorum', version: VERSION } } });
      const result = await postWithRetry(
        `${config.endpoint}/v1/batch`,
        body,
        { 'Content-Type': 'application/json', Authorization: auth, 'User-Agent': `quorum/${VERSION}` },
        retry,
        secrets,
      );
      if (!result.ok) throw new DeliveryError(name, result.reason);
    },
    async close() {},
  };
}
