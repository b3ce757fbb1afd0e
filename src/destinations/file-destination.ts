// NDJSON, one call a line, appended and flushed to disk before the batch counts as delivered.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { DestinationConfig } from '../definitions/model.js';
import { makeFolders } from '../files/make-folders.js';
import type { SegmentCall } from './segment-call.js';
import { DeliveryError, SEGMENT_LIMITS, utf8Joined, type BatchLimits, type Destination } from './destination.js';

export function openFileDestination(
  name: string,
  config: Extract<DestinationConfig, { type: 'file' }>,
  limits: BatchLimits = SEGMENT_LIMITS,
): Destination {
  const destination: Destination = {
    name,
    limits,
    send: (calls: readonly SegmentCall[]) => destination.sendJson!(calls.map((call) => JSON.stringify(call))),
    async sendJson(calls: readonly string[]) {
      if (calls.length === 0) return;
      try {
        await makeFolders(path.dirname(config.path));
        const file = await open(config.path, 'a');
        try {
          await file.appendFile(utf8Joined('', calls, '\n', '\n'));
          await file.sync();
        } finally {
          await file.close();
        }
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        throw new DeliveryError(name, `cannot append to ${config.path}${code ? ` (${code})` : ''}`);
      }
    },
    async close() {},
  };
  return destination;
}
