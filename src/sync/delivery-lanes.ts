// The lanes of one destination's delivery: each lane sends its batches one after another (so one
// entity's calls keep their order), while the lanes have batches in flight side by side. Nothing
// new starts once the delivery has stopped.
import type { Batch } from './outbox-batches.js';

/** Wakes whoever waits for a condition on the delivery's state whenever that state changed. */
export class Wakeup {
  private readonly waiters: (() => void)[] = [];

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

interface Lane {
  readonly queue: Batch[];
  busy: boolean;
}

export class Lanes {
  private readonly lanes: Lane[];
  private flying = 0;

  /** `send` handles its batch's outcome itself; `stopped` says whether to start another. */
  constructor(
    count: number,
    private readonly send: (batch: Batch) => Promise<void>,
    private readonly stopped: () => boolean,
    private readonly wakeup: Wakeup,
  ) {
    this.lanes = Array.from({ length: count }, () => ({ queue: [], busy: false }));
  }

  /** Batches sent and not yet settled. */
  get inFlight(): number {
    return this.flying;
  }

  enqueue(lane: number, batch: Batch): void {
    this.lanes[lane].queue.push(batch);
    this.pump(this.lanes[lane]);
  }

  /** Starts the lane's next batch when the lane is idle and the delivery has not stopped. */
  private pump(lane: Lane): void {
    if (lane.busy || this.stopped() || lane.queue.length === 0) return;
    const batch = lane.queue.shift()!;
    lane.busy = true;
    this.flying += 1;
    this.send(batch)
      .catch(() => undefined)
      .finally(() => {
        lane.busy = false;
        this.flying -= 1;
        this.pump(lane);
        this.wakeup.wake();
      });
  }
}
