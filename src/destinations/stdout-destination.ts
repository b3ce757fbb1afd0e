// NDJSON on standard output, one call a line: for piping into another tool.
//
// With `--json`, standard output carries the run's summary, and calls mixed into it would break
// both. Then (`reserved`) the destination refuses every batch with a diagnostic that says so: its
// calls stay in the outbox, the other destinations deliver as usual, the run exits 1, and a later
// run without --json delivers them (at-least-once, with their original messageIds). It does not
// fall back to stderr, where they would mix with the logs and could not be told apart reliably.
import type { SegmentCall } from './segment-call.js';
import { DeliveryError, SEGMENT_LIMITS, utf8Joined, type BatchLimits, type Destination } from './destination.js';

export const STDOUT_RESERVED_MESSAGE =
  'standard output carries the --json run summary, so no calls were written to it; they wait in the outbox: run without --json to deliver them, or use a file destination';

export function openStdoutDestination(
  name: string,
  limits: BatchLimits = SEGMENT_LIMITS,
  stream: NodeJS.WritableStream = process.stdout,
  reserved = false,
): Destination {
  const destination: Destination = {
    name,
    limits,
    send: (calls: readonly SegmentCall[]) => destination.sendJson!(calls.map((call) => JSON.stringify(call))),
    async sendJson(calls: readonly string[]) {
      if (reserved) throw new DeliveryError(name, STDOUT_RESERVED_MESSAGE);
      if (calls.length === 0) return;
      const text = utf8Joined('', calls, '\n', '\n');
      await new Promise<void>((resolve, reject) => stream.write(text, (cause) => (cause ? reject(cause) : resolve())));
    },
    async close() {},
  };
  return destination;
}
