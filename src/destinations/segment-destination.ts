// Segment's HTTP Tracking API, or anything that speaks it: POST {endpoint}/v1/batch with the write
// key as the Basic-auth user (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch).
// Connections are kept alive; `concurrency` batches may be in flight (delivery keeps each entity's
// calls in one lane, in order); bodies may be gzipped (Content-Encoding: gzip, which Segment accepts).
import type { DestinationConfig } from '../definitions/model.js';
import type { SegmentCall } from './segment-call.js';
import { VERSION } from '../version.js';
import { batchBody, DeliveryError, SEGMENT_LIMITS, type BatchLimits, type Destination } from './destination.js';
import { keepAliveAgents, postWithRetry, type RetryPolicy } from './http-post.js';

export interface HttpTuning {
  readonly concurrency: number;
  readonly gzip: boolean;
}

export function openSegmentDestination(
  name: string,
  config: Extract<DestinationConfig, { type: 'segment' }>,
  retry: RetryPolicy,
  limits: BatchLimits = SEGMENT_LIMITS,
  tuning: HttpTuning = { concurrency: 1, gzip: false },
): Destination {
  const auth = `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`;
  const secrets = [config.writeKey, auth];
  const agents = keepAliveAgents(tuning.concurrency);
  const headers = { 'Content-Type': 'application/json', Authorization: auth, 'User-Agent': `quorum/${VERSION}` };
  const destination: Destination = {
    name,
    limits,
    concurrency: tuning.concurrency,
    send: (calls: readonly SegmentCall[]) => destination.sendJson!(calls.map((call) => JSON.stringify(call))),
    async sendJson(calls: readonly string[]) {
      const body = batchBody(calls, { sentAt: new Date().toISOString(), context: { library: { name: 'quorum', version: VERSION } } });
      const result = await postWithRetry(`${config.endpoint}/v1/batch`, body, headers, retry, secrets, { agents, gzip: tuning.gzip });
      if (!result.ok) throw new DeliveryError(name, result.reason);
    },
    async close() {
      agents.destroy();
    },
  };
  return destination;
}
