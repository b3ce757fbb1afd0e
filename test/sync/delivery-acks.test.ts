// The acknowledgement tracker of a delivery (src/sync/delivery-acks.ts): the range it offers to
// mark never passes a call that is not done, so a call is marked delivered only once acknowledged
// (SPEC §6), and what was acknowledged past a gap is found for the final mark by list.
import { describe, expect, it } from 'vitest';
import { ACKNOWLEDGED, DeliveryAcks, NOT_SENT } from '../../src/sync/delivery-acks.js';

describe('the delivery watermark', () => {
  it('offers the range up to the first call not done, and counts only acknowledged calls as delivered', () => {
    const acks = new DeliveryAcks();
    const positions = [10, 11, 12, 15, 16].map((sequence) => acks.add(sequence));
    expect(acks.waiting).toBe(5);
    expect(acks.markable()).toBeNull();
    acks.done(positions[1], ACKNOWLEDGED); // 11 before 10: nothing to mark yet
    expect(acks.markable()).toBeNull();
    acks.done(positions[0], ACKNOWLEDGED);
    acks.done(positions[2], NOT_SENT); // set aside: passes the watermark, not delivered
    expect(acks.markable()).toEqual({ after: null, through: 12, delivered: 2, upTo: 3 });
    acks.markedUpTo(3);
    expect(acks.markable()).toBeNull();
    acks.done(positions[4], ACKNOWLEDGED); // 16 acknowledged past the gap at 15
    expect(acks.markable()).toBeNull();
    expect(acks.acknowledgedPastWatermark()).toEqual([16]);
    acks.done(positions[3], ACKNOWLEDGED);
    expect(acks.markable()).toEqual({ after: 12, through: 16, delivered: 2, upTo: 5 });
    expect(acks.waiting).toBe(0);
  });

  it('keeps its positions through many calls, forgetting the marked ones', () => {
    const acks = new DeliveryAcks();
    let marked = 0;
    for (let sequence = 1; sequence <= 50_000; sequence += 1) {
      acks.done(acks.add(sequence), ACKNOWLEDGED);
      const range = acks.markable();
      if (range && range.upTo % 1000 === 0) {
        expect(range.through).toBe(range.upTo);
        marked += range.delivered;
        acks.markedUpTo(range.upTo);
      }
    }
    expect(marked).toBe(50_000);
    expect(acks.markable()).toBeNull();
    expect(acks.acknowledgedPastWatermark()).toEqual([]);
  });
});
