// NDJSON on standard output, one call a line: for piping into another tool.
import type { SegmentCall } from '../sync/calls.js';
import { SEGMENT_LIMITS, type BatchLimits, type Destination } from './destination.js';

export function openStdoutDestination(
  name: string,
  limits: BatchLimits = SEGMENT_LIMITS,
  stream: NodeJS.WritableStream = process.stdout,
): Destination {
  return {
    name,
    limits,
    async send(calls: readonly SegmentCall[]) {
      const text = calls.map((call) => `${JSON.stringify(call)}\n`).join('');
      await new Promise<void>((resolve, reject) => stream.write(text, (cause) => (cause ? reject(cause) : resolve())));
    },
    async close() {},
  };
}
