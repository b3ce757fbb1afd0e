// Delivery from the outbox (SPEC §6). Per destination, the outbox is read in sequence order a page
// at a time, each call is serialised once (callJson), and the calls are dealt into lanes by a hash
// of their entity: a lane sends its batches one after another, so one entity's calls keep their
// order, while the lanes of a destination (`concurrency`, 4 for HTTP) have batches in flight side by
// side. The reader stays at most a couple of pages ahead of the acknowledgements, so memory does not
// grow with the size of the diff.
//
// A call is marked delivered only after the destination acknowledged its batch. Marks are one
// UPDATE over a sequence range: everything up to the lowest call not yet acknowledged (the
// watermark), issued whenever the previous mark has finished, so at high rates one UPDATE covers
// many batches. What was acknowledged beyond the watermark when delivery stops is marked by list.
// A crash between an acknowledgement and its mark sends those calls again on the next run, with the
// same messageIds (at-least-once).
//
// The first batch that fails stops the destination: no lane starts another batch (so a later exit
// never overtakes an earlier enter); the calls stay for the next run. Destinations are delivered
// side by side, so a slow or failing one does not hold up the others; their statements take turns
// on the one warehouse connection.
import { sendJsonTo, type Destination } from '../destinations/destination.js';
import { and, bin, col, COUNT, isNull, not, num, oneOf, select, str, tableOf, ts, update, type Expr, type TableRef } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { redactSecrets } from '../secrets/secret-redactor.js';
import { HeldCalls, laneOf, serialiseRow, type OutboxRow } from './outbox-rows.js';
import { crashPoint } from './crash.js';
import type { LockHandle } from './lock.js';
import { StateWriter, stateTable, toNumber } from './state-sql.js';

export interface DeliveryReport {
  readonly delivered: Record<string, number>;
  /** Calls left in the outbox for a destination that failed (or rejected as too large). */
  readonly failed: Record<string, number>;
  readonly errors: string[];
}

export interface DeliveryOptions {
  readonly connection: WarehouseConnection;
  readonly schema: string;
  readonly destinations: ReadonlyMap<string, Destination>;
  readonly lock: LockHandle | null;
  /** Outbox rows read at a time (default 5,000). */
  readonly pageSize?: number;
  readonly log?: (line: string) => void;
}

export const DEFAULT_PAGE_SIZE = 5_000;

/** Runs warehouse statements one at a time for concurrent deliveries. */
class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const pending: Expr = and(isNull(col('delivered_at')), isNull(col('rejected_at')));

export async function deliverOutbox(options: DeliveryOptions): Promise<DeliveryReport> {
  const { connection, schema } = options;
  const writer = new StateWriter(connection.dialect.printer, connection);
  const outbox = stateTable(schema, 'outbox');
  const report: DeliveryReport = { delivered: {}, failed: {}, errors: [] };
  const waiting = await writer.rows(
    select({
      columns: [
        { expr: col('destination'), alias: 'destination' },
        { expr: COUNT, alias: 'n' },
      ],
      from: tableOf(outbox),
      where: pending,
      groupBy: [col('destination')],
      orderBy: [{ expr: col('destination'), direction: 'ASC' }],
    }),
  );
  const turns = new Turns();
  await Promise.all(
    waiting.map(async (row) => {
      const name = String(row.destination);
      const destination = options.destinations.get(name);
      if (!destination) {
        report.failed[name] = toNumber(row.n);
        report.errors.push(`destination "${name}" is not in quorum.yml any more; its ${toNumber(row.n)} calls wait in the outbox`);
        return;
      }
      report.delivered[name] = 0;
      await new DestinationDelivery(options, writer, turns, outbox, destination, report).run();
    }),
  );
  return report;
}

// -----------------------------------------------------------------------------------------------
// batches

/** Room for the batch envelope: {"batch":[...],"sentAt":"...","context":{...}}. */
const ENVELOPE_BYTES = 256;

export interface Batch {
  /** each call's JSON text */
  calls: string[];
  /** the outbox sequence of each call */
  readonly sequences: number[];
  /** positions in the delivery's acknowledgement tracker */
  readonly positions: number[];
  bytes: number;
}

/** Fills batches within the destination's limits (2,500 calls, 500 KB), one lane at a time. */
class BatchBuilder {
  private current: Batch | null = null;
  constructor(private readonly limits: Destination['limits']) {}

  /** Adds a call; returns the batch it closed, if adding it closed one. */
  add(json: string, bytes: number, sequence: number, position: number): Batch | null {
    let closed: Batch | null = null;
    const c = this.current;
    if (c && (c.calls.length >= this.limits.maxCalls || c.bytes + bytes + 1 > this.limits.maxBatchBytes - ENVELOPE_BYTES)) {
      closed = c;
      this.current = null;
    }
    this.current ??= { calls: [], sequences: [], positions: [], bytes: 0 };
    this.current.calls.push(json);
    this.current.sequences.push(sequence);
    this.current.positions.push(position);
    this.current.bytes += bytes + 1;
    return closed;
  }

  flush(): Batch | null {
    const c = this.current;
    this.current = null;
    return c;
  }
}

/** Rows in order into batches within the limits, calls over 32 KB set aside (one lane; for tests and tools). */
export function toBatches(
  rows: readonly OutboxRow[],
  destination: Pick<Destination, 'limits'>,
): { batches: (Batch & { first: number; last: number })[]; rejected: { sequence: number; messageId: string; bytes: number }[] } {
  const builder = new BatchBuilder(destination.limits);
  const batches: Batch[] = [];
  const rejected: { sequence: number; messageId: string; bytes: number }[] = [];
  rows.forEach((row, i) => {
    const sequence = toNumber(row.sequence);
    const serialised = serialiseRow(row);
    if ('corrupt' in serialised) throw new Error(`outbox call ${String(row.message_id)} (sequence ${sequence}): ${serialised.corrupt}`);
    const { json, bytes } = serialised;
    if (bytes >= destination.limits.maxCallBytes) rejected.push({ sequence, messageId: String(row.message_id), bytes });
    else {
      const closed = builder.add(json, bytes, sequence, i);
      if (closed) batches.push(closed);
    }
  });
  const last = builder.flush();
  if (last) batches.push(last);
  return { batches: batches.map((b) => ({ ...b, first: b.sequences[0], last: b.sequences[b.sequences.length - 1] })), rejected };
}

// -----------------------------------------------------------------------------------------------
// acknowledgements

/** The calls read and not yet marked, in sequence order, each done once acknowledged (or set aside). */
class Acks {
  private sequences: number[] = [];
  private state: Uint8Array = new Uint8Array(1024); // 0 waiting, 1 acknowledged, 2 set aside
  private offset = 0; // absolute position of sequences[0]
  private head = 0; // absolute position of the first call not yet done
  private marked = 0; // absolute position up to which calls are marked (exclusive)
  private waitingCount = 0;

  add(sequence: number): number {
    const position = this.offset + this.sequences.length;
    if (this.sequences.length >= this.state.length) {
      const grown = new Uint8Array(Math.max(1024, this.state.length * 2));
      grown.set(this.state);
      this.state = grown;
    }
    this.state[this.sequences.length] = 0;
    this.sequences.push(sequence);
    this.waitingCount += 1;
    return position;
  }

  done(position: number, how: 1 | 2): void {
    const i = position - this.offset;
    if (this.state[i] !== 0) return;
    this.state[i] = how;
    this.waitingCount -= 1;
    while (this.head - this.offset < this.sequences.length && this.state[this.head - this.offset] !== 0) this.head += 1;
  }

  /** Calls read and not yet acknowledged. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** The range of sequences ready to mark: every call in it is done, none is marked. */
  markable(): { after: number | null; through: number; delivered: number; upTo: number } | null {
    if (this.head <= this.marked) return null;
    let delivered = 0;
    for (let p = this.marked; p < this.head; p += 1) if (this.state[p - this.offset] === 1) delivered += 1;
    const after = this.marked > this.offset ? this.sequences[this.marked - 1 - this.offset] : null;
    return { after, through: this.sequences[this.head - 1 - this.offset], delivered, upTo: this.head };
  }

  /** After the range's UPDATE: forget the calls it covered. */
  markedUpTo(position: number): void {
    this.marked = position;
    const drop = this.marked - this.offset;
    if (drop >= 4096 && drop * 2 >= this.sequences.length) {
      this.sequences = this.sequences.slice(drop);
      this.state = this.state.slice(drop, Math.max(drop + 1024, this.state.length));
      this.offset = this.marked;
    }
  }

  /** Acknowledged calls past the watermark (delivery stopped with a gap before them). */
  acknowledgedPastWatermark(): number[] {
    const out: number[] = [];
    for (let p = Math.max(this.head, this.marked); p < this.offset + this.sequences.length; p += 1)
      if (this.state[p - this.offset] === 1) out.push(this.sequences[p - this.offset]);
    return out;
  }
}

// -----------------------------------------------------------------------------------------------
// one destination

interface Lane {
  readonly builder: BatchBuilder;
  readonly queue: Batch[];
  busy: boolean;
}

class DestinationDelivery {
  private readonly acks = new Acks();
  private readonly lanes: Lane[];
  private readonly pageSize: number;
  private readonly mine: Expr;
  private readonly waiters: (() => void)[] = [];
  private inFlight = 0;
  /** the first batch that failed: nothing new starts after it */
  private failure: string | null = null;
  /** a warehouse error, or a lost lock: delivery stops and the run fails */
  private fatal: unknown = null;
  private marking: Promise<void> | null = null;
  private readonly held = new HeldCalls();

  constructor(
    private readonly options: DeliveryOptions,
    private readonly writer: StateWriter,
    private readonly turns: Turns,
    private readonly outbox: TableRef,
    private readonly destination: Destination,
    private readonly report: DeliveryReport,
  ) {
    const lanes = Math.max(1, Math.floor(destination.concurrency ?? 1));
    this.lanes = Array.from({ length: lanes }, () => ({ builder: new BatchBuilder(destination.limits), queue: [], busy: false }));
    this.pageSize = options.pageSize ?? Math.max(DEFAULT_PAGE_SIZE, destination.limits.maxCalls);
    this.mine = and(bin('=', col('destination'), str(destination.name)), pending);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((resolve) => this.waiters.push(resolve));
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
    await this.until(() => this.inFlight === 0);
    await this.markAll().catch((cause: unknown) => {
      this.fatal ??= cause;
    });
    if (this.fatal !== null) throw this.fatal;
    this.held.report(name, this.report);
    if (this.failure !== null) {
      const left = await this.turns.run(() =>
        this.writer.rows(
          select({ columns: [{ expr: COUNT, alias: 'n' }], from: tableOf(this.outbox), where: this.mine }),
        ),
      );
      const n = toNumber(left[0]?.n);
      this.report.failed[name] = (this.report.failed[name] ?? 0) + n;
      this.report.errors.push(`${this.failure}; ${n} calls wait in the outbox for the next run`);
    }
  }

  /** Reads pages in sequence order and deals their calls into lanes, a bounded distance ahead. */
  private async read(): Promise<void> {
    const { destination } = this;
    let after = -1;
    for (;;) {
      await this.until(() => this.stopped() || this.acks.waiting < this.pageSize * 2);
      if (this.stopped()) return;
      const page = await this.turns.run(() =>
        this.writer.rows(
          select({
            columns: ['message_id', 'sequence', 'entity_id', 'payload'].map((c) => ({ expr: col(c), alias: c })),
            from: tableOf(this.outbox),
            where: and(this.mine, bin('>', col('sequence'), num(after))),
            orderBy: [{ expr: col('sequence'), direction: 'ASC' }],
            limit: this.pageSize,
          }),
        ),
      );
      if (page.length === 0) return;
      crashPoint('page-read');
      after = toNumber(page[page.length - 1].sequence);
      const rejected: { position: number; sequence: number; messageId: string; bytes: number }[] = [];
      for (const row of page) {
        const sequence = toNumber(row.sequence);
        const position = this.acks.add(sequence);
        const admitted = this.held.admit(row, sequence);
        if ('held' in admitted) {
          this.acks.done(position, 2);
          if (admitted.corrupt !== null) await this.setAside(sequence, admitted.corrupt);
          continue;
        }
        const { json, bytes } = admitted;
        if (bytes >= destination.limits.maxCallBytes) {
          rejected.push({ position, sequence, messageId: String(row.message_id), bytes });
          continue;
        }
        const lane = this.lanes[laneOf(String(row.entity_id), this.lanes.length)];
        const closed = lane.builder.add(json, bytes, sequence, position);
        if (closed) this.enqueue(lane, closed);
      }
      for (const lane of this.lanes) {
        const rest = lane.builder.flush();
        if (rest) this.enqueue(lane, rest);
      }
      for (const r of rejected) await this.reject(r);
    }
  }

  /** Not marked (it stays, and holds its entity's later calls); last_error says why. */
  private async setAside(sequence: number, reason: string): Promise<void> {
    const last = str(`corrupt: ${reason}; set aside, the entity's later calls wait behind it`);
    const where = and(this.mine, bin('=', col('sequence'), num(sequence)));
    await this.turns.run(() => this.writer.run(update(this.outbox, [{ column: 'last_error', value: last }], where)));
  }

  private async reject(r: { position: number; sequence: number; messageId: string; bytes: number }): Promise<void> {
    const { destination } = this;
    await this.turns.run(() =>
      this.writer.run(update(
        this.outbox,
        [
          { column: 'rejected_at', value: ts(new Date().toISOString()) },
          { column: 'last_error', value: str(`the call is ${r.bytes} bytes; a call may have ${destination.limits.maxCallBytes}`) },
        ],
        and(bin('=', col('destination'), str(destination.name)), bin('=', col('sequence'), num(r.sequence))),
      )),
    );
    this.acks.done(r.position, 2);
    this.report.failed[destination.name] = (this.report.failed[destination.name] ?? 0) + 1;
    this.report.errors.push(
      `destination "${destination.name}": call ${r.messageId} is ${r.bytes} bytes, over the ${destination.limits.maxCallBytes}-byte limit; it was set aside (rejected_at in the outbox)`,
    );
    this.requestMark();
  }

  private enqueue(lane: Lane, batch: Batch): void {
    lane.queue.push(batch);
    this.pump(lane);
  }

  /** Starts the lane's next batch when the lane is idle and nothing has failed. */
  private pump(lane: Lane): void {
    if (lane.busy || this.stopped() || lane.queue.length === 0) return;
    const batch = lane.queue.shift()!;
    lane.busy = true;
    this.inFlight += 1;
    sendJsonTo(this.destination, batch.calls)
      .then(
        () => {
          crashPoint('batch-sent');
          for (const position of batch.positions) this.acks.done(position, 1);
          this.options.log?.(`delivered ${batch.calls.length} calls to ${this.destination.name}`);
          batch.calls = [];
          this.requestMark();
        },
        async (cause: unknown) => {
          const message = cause instanceof Error ? cause.message : String(cause);
          this.failure ??= message;
          batch.calls = [];
          await this.recordFailure(batch.sequences, message).catch((error: unknown) => {
            this.fatal ??= error;
          });
        },
      )
      .finally(() => {
        lane.busy = false;
        this.inFlight -= 1;
        this.pump(lane);
        this.wake();
      });
  }

  private async recordFailure(sequences: readonly number[], message: string): Promise<void> {
    for (let i = 0; i < sequences.length; i += 1000) {
      const chunk = sequences.slice(i, i + 1000);
      await this.turns.run(() =>
        this.writer.run(update(
          this.outbox,
          [
            { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
            { column: 'last_error', value: str(redactSecrets(message).slice(0, 500)) },
          ],
          and(this.mine, oneOf(col('sequence'), chunk.map((s) => num(s)))),
        )),
      );
    }
  }

  private requestMark(): void {
    if (this.marking !== null || this.fatal !== null) return;
    this.marking = this.markRanges()
      .catch((cause: unknown) => {
        this.fatal ??= cause;
      })
      .finally(() => {
        this.marking = null;
        this.wake();
        if (this.fatal === null && this.acks.markable() !== null) this.requestMark();
      });
  }

  /** One UPDATE per range of acknowledged calls, while there are any. */
  private async markRanges(): Promise<void> {
    for (let range = this.acks.markable(); range !== null; range = this.acks.markable()) {
      const { after, through } = range;
      const where = and(
        this.mine,
        ...(after === null ? [] : [bin('>', col('sequence'), num(after))]),
        bin('<=', col('sequence'), num(through)),
        ...this.held.within(after, through).map((n) => not(bin('=', col('sequence'), num(n)))),
      );
      await this.markWhere(where);
      this.acks.markedUpTo(range.upTo);
      this.counted(range.delivered);
    }
  }

  private async markWhere(where: Expr): Promise<void> {
    await this.turns.run(() =>
      this.writer.run(update(
        this.outbox,
        [
          { column: 'delivered_at', value: ts(new Date().toISOString()) },
          { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
        ],
        where,
      )),
    );
    crashPoint('batch-marked');
    if (this.options.lock) {
      const lock = this.options.lock;
      await this.turns.run(() => lock.renew());
    }
  }

  private counted(n: number): void {
    const name = this.destination.name;
    this.report.delivered[name] = (this.report.delivered[name] ?? 0) + n;
  }

  /** At the end: the last ranges, then what was acknowledged past a gap that a failure left. */
  private async markAll(): Promise<void> {
    while (this.marking !== null) await this.marking;
    await this.markRanges();
    const past = this.acks.acknowledgedPastWatermark();
    for (let i = 0; i < past.length; i += 1000) {
      const chunk = past.slice(i, i + 1000);
      await this.markWhere(and(this.mine, oneOf(col('sequence'), chunk.map((s) => num(s)))));
      this.counted(chunk.length);
    }
  }
}
