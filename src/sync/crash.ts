// A test hook: QUORUM_CRASH_AT=<point>:<n> kills the process with SIGKILL the n-th time it passes
// the named point (n defaults to 1). The crash tests use it to stop `quorum run` at every step
// that matters and check that the next run delivers everything. Without the variable it costs a
// string comparison.

const spec = parse(process.env.QUORUM_CRASH_AT);
const seen = new Map<string, number>();

function parse(text: string | undefined): { point: string; n: number } | null {
  if (!text) return null;
  const [point, n] = text.split(':');
  return { point, n: n === undefined ? 1 : Number(n) };
}

/** Every point quorum run passes, in order; the crash tests iterate over these. */
export const CRASH_POINTS = [
  'lock-acquired',
  'run-recorded',
  'page-read', // delivery: a page of the outbox read
  'batch-sent', // delivery: the destination acknowledged a batch, not yet marked delivered
  'batch-marked', // delivery: the batch is marked delivered
  'transaction-begun',
  'staging', // while the compiled statement runs (fires asynchronously, mid-statement)
  'staged',
  'counted',
  'outbox-slice-written', // between two slices of one outbox INSERT (steps/outbox-step.ts)
  'outbox-written', // after each outbox INSERT
  'record-rows-kept', // the snapshot rows a first run's record stands on, kept before the snapshot delta (steps/snapshot-step.ts)
  'snapshots-deleted',
  'snapshots-written',
  'staging-cleared',
  'run-summarised',
  'committed',
  'delivered',
  'run-finished',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(point: CrashPoint): void {
  if (spec === null || spec.point !== point) return;
  const count = (seen.get(point) ?? 0) + 1;
  seen.set(point, count);
  if (count === spec.n) process.kill(process.pid, 'SIGKILL');
}

/** For a point inside a long statement: the kill lands while the warehouse is working. */
export function crashSoon(point: CrashPoint, afterMs = 5): void {
  if (spec === null || spec.point !== point) return;
  setTimeout(() => crashPoint(point), afterMs);
}
