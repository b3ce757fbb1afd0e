// How delivery turns outbox rows into batches (SPEC §6: Segment takes at most 32 KB a call, and
// 500 KB and 2,500 calls a batch). Each row is serialised once (callJson); a corrupt row is held
// with every later call of its entity (outbox-rows.ts HeldCalls); a call over the call limit is
// set aside; every other call is dealt into a lane by a hash of its entity, so one entity's calls
// stay in one lane, in order. This is the one batching delivery uses, and what the tests exercise.
import type { BatchLimits } from '../destinations/destination.js';
import type { CallType } from './calls.js';
import { HeldCalls, laneOf, type OutboxRow } from './outbox-rows.js';
import { toNumber } from './state-sql.js';

/** Room for the batch envelope: {"batch":[...],"sentAt":"...","context":{...}}. */
const ENVELOPE_BYTES = 256;

export interface Batch {
  /** each call's JSON text (emptied once sent, so memory goes with the acknowledgement) */
  calls: string[];
  /** the outbox sequence of each call */
  readonly sequences: number[];
  /** each call's position in the delivery's acknowledgement tracker */
  readonly positions: number[];
  bytes: number;
}

/** A call over the destination's call limit: never sent, set aside with `rejected_at`. */
export interface RejectedCall {
  readonly position: number;
  readonly sequence: number;
  readonly messageId: string;
  readonly bytes: number;
  readonly definition: string;
  readonly entity: string;
  readonly callType: CallType;
}

/** A call not sent this time: corrupt (`corrupt` says why) or waiting behind a corrupt one (null). */
export interface HeldCall {
  readonly position: number;
  readonly sequence: number;
  readonly corrupt: string | null;
}

/** One page dealt: the batches it closed (in the order they closed), and what it did not send. */
export interface DealtPage {
  readonly batches: readonly { readonly lane: number; readonly batch: Batch }[];
  readonly rejected: readonly RejectedCall[];
  readonly held: readonly HeldCall[];
}

/** Fills one lane's batches within the limits. */
class BatchBuilder {
  private current: Batch | null = null;
  constructor(private readonly limits: BatchLimits) {}

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

/**
 * One destination's batching over a whole delivery: pages go in in sequence order, and each page
 * comes out as closed batches (a page's last, partly filled batch of each lane is closed with it,
 * so nothing waits for the next page). The held entities are remembered across pages.
 */
export class OutboxBatcher {
  private readonly builders: BatchBuilder[];
  readonly held = new HeldCalls();

  constructor(
    private readonly limits: BatchLimits,
    lanes = 1,
  ) {
    this.builders = Array.from({ length: Math.max(1, Math.floor(lanes)) }, () => new BatchBuilder(limits));
  }

  get lanes(): number {
    return this.builders.length;
  }

  /**
   * `track` gives each row's position in the acknowledgement tracker (default: its index in the
   * page); `heads`, the shared part of each row's record where its payload holds only its own part.
   */
  deal(rows: readonly OutboxRow[], track: (sequence: number, index: number) => number = (_, i) => i, heads: readonly (string | undefined)[] = []): DealtPage {
    const batches: { lane: number; batch: Batch }[] = [];
    const rejected: RejectedCall[] = [];
    const held: HeldCall[] = [];
    rows.forEach((row, index) => {
      const sequence = toNumber(row.sequence);
      const position = track(sequence, index);
      const admitted = this.held.admit(row, sequence, heads[index]);
      if ('held' in admitted) {
        held.push({ position, sequence, corrupt: admitted.corrupt });
        return;
      }
      if (admitted.bytes >= this.limits.maxCallBytes) {
        const { messageId, bytes, definition, callType } = admitted;
        rejected.push({ position, sequence, messageId, bytes, definition, entity: String(row.entity_id), callType });
        return;
      }
      const lane = laneOf(String(row.entity_id), this.builders.length);
      const closed = this.builders[lane].add(admitted.json, admitted.bytes, sequence, position);
      if (closed) batches.push({ lane, batch: closed });
    });
    this.builders.forEach((builder, lane) => {
      const rest = builder.flush();
      if (rest) batches.push({ lane, batch: rest });
    });
    return { batches, rejected, held };
  }
}
