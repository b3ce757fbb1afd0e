// The acknowledgement tracker of one destination's delivery (SPEC §6: a call is marked delivered
// only once acknowledged). Calls are tracked in sequence order as they are read; the watermark is
// the first call not yet done (acknowledged, or not to be sent this time). Everything below it and
// not yet marked can be marked with one UPDATE over a sequence range.
export const ACKNOWLEDGED = 1;
export const NOT_SENT = 2;

export class DeliveryAcks {
  private sequences: number[] = [];
  private state: Uint8Array = new Uint8Array(1024); // 0 waiting, ACKNOWLEDGED, NOT_SENT
  private offset = 0; // absolute position of sequences[0]
  private head = 0; // absolute position of the first call not yet done (the watermark)
  private marked = 0; // absolute position up to which calls are marked (exclusive)
  private waitingCount = 0;

  /** Tracks a call read; returns its position. */
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

  done(position: number, how: typeof ACKNOWLEDGED | typeof NOT_SENT): void {
    const i = position - this.offset;
    if (this.state[i] !== 0) return;
    this.state[i] = how;
    this.waitingCount -= 1;
    while (this.head - this.offset < this.sequences.length && this.state[this.head - this.offset] !== 0) this.head += 1;
  }

  /** Calls read and not yet done. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** The range of sequences ready to mark: every call in it is done, none is marked. */
  markable(): { after: number | null; through: number; delivered: number; upTo: number } | null {
    if (this.head <= this.marked) return null;
    let delivered = 0;
    for (let p = this.marked; p < this.head; p += 1) if (this.state[p - this.offset] === ACKNOWLEDGED) delivered += 1;
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
      if (this.state[p - this.offset] === ACKNOWLEDGED) out.push(this.sequences[p - this.offset]);
    return out;
  }
}
