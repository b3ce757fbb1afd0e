// The seed of every generated (property-based) suite: fresh on each run, so that CI explores new
// cases every time, and printed in the test's title and in fast-check's failure report. To replay
// a failure, set QUORUM_SEED to the printed seed; then keep the failing case as a fixed test of its
// own (see test/engines/lone-quantifier.test.ts), so it is checked on every run from then on.
import { randomInt } from 'node:crypto';

function drawSeed(): number {
  const fixed = process.env.QUORUM_SEED;
  if (fixed === undefined || fixed === '') return randomInt(0, 2 ** 31 - 1);
  const seed = Number(fixed);
  if (!Number.isSafeInteger(seed)) throw new Error(`QUORUM_SEED must be an integer, not "${fixed}"`);
  return seed;
}

export const PROPERTY_SEED = drawSeed();
