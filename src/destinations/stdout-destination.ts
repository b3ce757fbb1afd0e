// NDJSON on standard output, one call a line: for piping into another tool.
import type { SegmentCall } from '../sync/calls.js';
import { SEGMENT_LIMITS, type Destination } from './destination.js';

export function openStdoutDestination(name: string, stream: NodeJS.WritableStream = process.stdout): Destination {
  return {
    name,
    limits: SEGMENT_LIMITS,
    async send(calls: readonly SegmentCall[]) {
      const text = calls.map((call) => `${JSON.stringify(call)}\n`).join('');
      await new Promise<void>((resolve, reject) => stream.write(text, (cause) => (cause ? reject(cause) : resolve())));
    },
    async close() {},
  };
}
