// Delivery from the outbox (SPEC §6). Per destination, the outbox is read in sequence order a page
// at a time and each page is dealt into batches by lane (outbox-reader.ts, outbox-batches.ts). A
// lane sends its batches one after another, so one entity's calls keep their order, while the lanes
// of a destination (`concurrency`, 4 for HTTP) have batches in flight side by side
// (delivery-lanes.ts). The reader stays at most a couple of pages ahead of the acknowledgements, so
// memory does not grow with the size of the diff.
//
// A call is marked delivered only after the destination acknowledged its batch. Marks are one
// UPDATE over a sequence range: everything up to the lowest call not yet acknowledged (the
// watermark, delivery-acks.ts), issued whenever the previous mark has finished, so at high rates
// one UPDATE covers many batches. What was acknowledged beyond the watermark when delivery stops is
// marked by list (outbox-marks.ts). A crash between an acknowledgement and its mark sends those
// calls again on the next run, with the same messageIds (at-least-once). Each mark renews the lock.
//
// The first batch that fails stops the destination: no lane starts another batch (so a later exit
// never overtakes an earlier enter); the calls stay for the next run. Destinations are delivered
// side by side, so a slow or failing one does not hold up the others; their statements take turns
// on the one warehouse connection.
import { sendJsonTo, type Destination } from '../destinations/destination.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { crashPoint } from './crash.js';
import { ACKNOWLEDGED, DeliveryAcks, NOT_SENT } from './delivery-acks.js';
import { Lanes, Wakeup } from './delivery-lanes.js';
import type { LockHandle } from './lock.js';
import type { TooLargeCall } from './run-types.js';
import { OutboxBatcher, type Batch, type DealtPage, type RejectedCall } from './outbox-batches.js';
import { OutboxMarks } from './outbox-marks.js';
import { DEFAULT_PAGE_SIZE, OutboxReader, waitingByDestination } from './outbox-reader.js';
import { StatementTurns } from './statement-turns.js';
import { StateWriter } from './state-sql.js';

export interface DeliveryReport {
  readonly delivered: Record<string, number>;
  /** Calls left in the outbox for a destination that failed, and those set aside as too large. */
  readonly failed: Record<string, number>;
  /** The calls set aside as too large, each counted in `failed` too. */
  readonly tooLarge: TooLargeCall[];
  readonly errors: string[];
  /** The errors naming a corrupt call set aside, by `destination sequence`: a later delivery's name for the same call supersedes it. */
  readonly corrupt: Record<string, string>;
}

export interface DeliveryOptions {
  readonly connection: WarehouseConnection;
  readonly schema: string;
  readonly destinations: ReadonlyMap<string, Destination>;
  readonly lock: LockHandle | null;
  /** Outbox rows read at a time (default 2,500, or the destination's batch size if larger). */
  readonly pageSize?: number;
  readonly log?: (line: string) => void;
}

export async function deliverOutbox(options: DeliveryOptions): Promise<DeliveryReport> {
  // What the run's evaluation and state writes freed would otherwise sit under delivery's pages.
  // Only here: given back before the state writes, it had to be faulted in again by them, and SF 1's
  // diff stage took up to twice its time (BENCHMARKS.md, "Peak memory below 300 MB").
  await options.connection.releaseFreedMemory?.();
  const writer = new StateWriter(options.connection.dialect.printer, options.connection);
  const report: DeliveryReport = { delivered: {}, failed: {}, tooLarge: [], errors: [], corrupt: {} };
  const turns = new StatementTurns();
  await Promise.all(
    (await waitingByDestination(writer, options.schema)).map(async ({ destination: name, waiting }) => {
      const destination = options.destinations.get(name);
      if (!destination) {
        report.failed[name] = waiting;
        report.errors.push(`destination "${name}" is not in quorum.yml any more; its ${waiting} calls wait in the outbox`);
        return;
      }
      report.delivered[name] = 0;
      await new DestinationDelivery(options, writer, turns, destination, report).run();
    }),
  );
  return report;
}

/** One destination's delivery: read and deal, send by lane, mark what was acknowledged. */
class DestinationDelivery {
  private readonly acks = new DeliveryAcks();
  private readonly wakeup = new Wakeup();
  private readonly batcher: OutboxBatcher;
  private readonly reader: OutboxReader;
  private readonly marks: OutboxMarks;
  private readonly lanes: Lanes;
  /** the first batch that failed: nothing new starts after it */
  private failure: string | null = null;
  /** a warehouse error, or a lost lock: delivery stops and the run fails */
  private fatal: unknown = null;
  private marking: Promise<void> | null = null;

  constructor(
    private readonly options: DeliveryOptions,
    writer: StateWriter,
    private readonly turns: StatementTurns,
    private readonly destination: Destination,
    private readonly report: DeliveryReport,
  ) {
    this.batcher = new OutboxBatcher(destination.limits, destination.concurrency ?? 1);
    const pageSize = options.pageSize ?? Math.max(DEFAULT_PAGE_SIZE, destination.limits.maxCalls);
    this.reader = new OutboxReader(writer, options.schema, destination.name, this.batcher, pageSize, turns);
    this.marks = new OutboxMarks(writer, options.schema, destination.name, turns);
    this.lanes = new Lanes(this.batcher.lanes, (batch) => this.send(batch), () => this.stopped(), this.wakeup);
  }

  private stopped(): boolean {
    return this.failure !== null || this.fatal !== null;
  }

  async run(): Promise<void> {
    const name = this.destination.name;
    try {
      await this.read();
    } catch (cause) {
      this.fatal ??= cause;
    }
    await this.wakeup.until(() => this.lanes.inFlight === 0);
    await this.markAll().catch((cause: unknown) => {
      this.fatal ??= cause;
    });
    if (this.fatal !== null) throw this.fatal;
    this.batcher.held.report(name, this.report);
    if (this.failure !== null) {
      const n = await this.reader.pending();
      this.report.failed[name] = (this.report.failed[name] ?? 0) + n;
      this.report.errors.push(`${this.failure}; ${n} calls wait in the outbox for the next run`);
    }
  }

  /** Reads pages and hands their batches to the lanes, a bounded distance ahead of the acknowledgements. */
  private async read(): Promise<void> {
    try {
      for (;;) {
        await this.wakeup.until(() => this.stopped() || this.acks.waiting < this.reader.pageSize * 2);
        if (this.stopped()) return;
        const page = await this.reader.next((sequence) => this.acks.add(sequence));
        if (page === null) return;
        await this.take(page);
      }
    } finally {
      await this.reader.settle();
    }
  }

  private async take(page: DealtPage): Promise<void> {
    for (const h of page.held) this.acks.done(h.position, NOT_SENT);
    for (const { lane, batch } of page.batches) this.lanes.enqueue(lane, batch);
    for (const h of page.held) if (h.corrupt !== null) await this.marks.setAside(h.sequence, h.corrupt);
    for (const r of page.rejected) await this.reject(r);
  }

  private async reject(r: RejectedCall): Promise<void> {
    const { name, limits } = this.destination;
    await this.marks.rejected(r.sequence, r.bytes, limits.maxCallBytes);
    this.acks.done(r.position, NOT_SENT);
    this.report.failed[name] = (this.report.failed[name] ?? 0) + 1;
    this.report.tooLarge.push({ destination: name, definition: r.definition, entity_id: r.entity, call_type: r.callType, message_id: r.messageId, bytes: r.bytes, limit: limits.maxCallBytes });
    this.requestMark();
  }

  /** One batch to the destination; its outcome is recorded here, so this never rejects. */
  private async send(batch: Batch): Promise<void> {
    try {
      await sendJsonTo(this.destination, batch.calls);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      this.failure ??= message;
      batch.calls = [];
      await this.marks.failed(batch.sequences, message).catch((error: unknown) => {
        this.fatal ??= error;
      });
      return;
    }
    crashPoint('batch-sent');
    for (const position of batch.positions) this.acks.done(position, ACKNOWLEDGED);
    this.options.log?.(`delivered ${batch.calls.length} calls to ${this.destination.name}`);
    batch.calls = [];
    this.requestMark();
  }

  private requestMark(): void {
    if (this.marking !== null || this.fatal !== null) return;
    this.marking = this.markRanges()
      .catch((cause: unknown) => {
        this.fatal ??= cause;
      })
      .finally(() => {
        this.marking = null;
        this.wakeup.wake();
        if (this.fatal === null && this.acks.markable() !== null) this.requestMark();
      });
  }

  /** One UPDATE per range of acknowledged calls, while there are any. */
  private async markRanges(): Promise<void> {
    for (let range = this.acks.markable(); range !== null; range = this.acks.markable()) {
      const { after, through } = range;
      await this.marks.deliveredRange(after, through, this.batcher.held.within(after, through));
      await this.marked(range.delivered);
      this.acks.markedUpTo(range.upTo);
    }
  }

  /** After each mark: the crash point, the lock renewed (it throws once another run took it), the count. */
  private async marked(delivered: number): Promise<void> {
    crashPoint('batch-marked');
    const lock = this.options.lock;
    if (lock) await this.turns.run(() => lock.renew());
    const name = this.destination.name;
    this.report.delivered[name] = (this.report.delivered[name] ?? 0) + delivered;
  }

  /** At the end: the last ranges, then what was acknowledged past a gap that a failure left. */
  private async markAll(): Promise<void> {
    while (this.marking !== null) await this.marking;
    await this.markRanges();
    await this.marks.deliveredList(this.acks.acknowledgedPastWatermark(), (n) => this.marked(n));
  }
}
