// Opens a destination of quorum.yml by its type.
import type { DestinationConfig } from '../definitions/model.js';
import { FILE_BATCH_BYTES, httpTuning, SEGMENT_LIMITS, retryFromEnv, type BatchLimits, type Destination, type DestinationOptions } from './destination.js';
import { openFileDestination } from './file-destination.js';
import { DEFAULT_RETRY, type RetryPolicy } from './http-post.js';
import { openSegmentDestination } from './segment-destination.js';
import { openStdoutDestination } from './stdout-destination.js';
import { openWebhookDestination } from './webhook-destination.js';

/** `root`: the project's folder, the only place a file destination may write. */
export function openDestination(name: string, config: DestinationConfig, root: string, options: DestinationOptions = {}): Destination {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...retryFromEnv(), ...options.retry };
  const wanted = options.maxCalls ?? Number(process.env.QUORUM_BATCH_MAX_CALLS ?? NaN);
  const limits: BatchLimits =
    Number.isInteger(wanted) && wanted > 0 ? { ...SEGMENT_LIMITS, maxCalls: Math.min(wanted, SEGMENT_LIMITS.maxCalls) } : SEGMENT_LIMITS;
  const tuning = httpTuning(options);
  switch (config.type) {
    case 'segment':
      return openSegmentDestination(name, config, retry, limits, tuning);
    case 'webhook':
      return openWebhookDestination(name, config, retry, limits, tuning);
    case 'file':
      return openFileDestination(name, config, root, { ...limits, maxBatchBytes: FILE_BATCH_BYTES });
    case 'stdout':
      return openStdoutDestination(name, limits, process.stdout, options.stdoutReserved ?? false);
    default: {
      const never: never = config;
      throw new Error(`unknown destination type ${JSON.stringify(never)}`);
    }
  }
}
