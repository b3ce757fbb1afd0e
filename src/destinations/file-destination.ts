// NDJSON, one call a line, appended and flushed to disk before the batch counts as delivered.
import type { FileHandle } from 'node:fs/promises';
import type { DestinationConfig } from '../definitions/model.js';
import { openInsideProject, RefusedPath } from '../files/inside-project.js';
import type { SegmentCall } from './segment-call.js';
import { DeliveryError, SEGMENT_LIMITS, utf8Joined, type BatchLimits, type Destination } from './destination.js';

/** `root` is the project's folder: the file must lie inside it (src/files/inside-project.ts). */
export function openFileDestination(
  name: string,
  config: Extract<DestinationConfig, { type: 'file' }>,
  root: string,
  limits: BatchLimits = SEGMENT_LIMITS,
): Destination {
  const destination: Destination = {
    name,
    limits,
    send: (calls: readonly SegmentCall[]) => destination.sendJson!(calls.map((call) => JSON.stringify(call))),
    async sendJson(calls: readonly string[]) {
      if (calls.length === 0) return;
      try {
        const file = await openInsideProject(root, config.path);
        try {
          await dropTornLine(file);
          await file.appendFile(utf8Joined('', calls, '\n', '\n'));
          await file.sync();
        } finally {
          await file.close();
        }
      } catch (cause) {
        if (cause instanceof RefusedPath) throw new DeliveryError(name, `will not append to ${config.path}: ${cause.message}`);
        const code = (cause as NodeJS.ErrnoException).code;
        throw new DeliveryError(name, `cannot append to ${config.path}${code ? ` (${code})` : ''}`);
      }
    },
    async close() {},
  };
  return destination;
}

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/**
 * A file that does not end in a newline ends in a call cut short by a crash mid-write; appending
 * after it would glue the next call onto it. It is cut back to the last newline rather than closed
 * with one: that batch was never acknowledged (its fsync did not return), so its calls go out again
 * whole, with the same messageIds, and the file stays one whole call a line, replayable as it is.
 * Only bytes after the last newline go, never a whole line, so a reader that takes complete lines
 * (tail -f, a log shipper) has read none of them.
 */
async function dropTornLine(file: FileHandle): Promise<void> {
  const { size } = await file.stat();
  if (size === 0) return;
  const buffer = Buffer.alloc(Math.min(CHUNK, size));
  let end = size;
  do {
    const start = Math.max(0, end - buffer.length);
    const { bytesRead } = await file.read(buffer, 0, end - start, start);
    const last = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (last === bytesRead - 1 && end === size) return;
    if (last >= 0) return file.truncate(start + last + 1);
    end = start;
  } while (end > 0);
  await file.truncate(0);
}
