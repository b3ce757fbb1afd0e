// One difference between what a definition test expected and what happened, as the report prints
// it: compare.ts (values, transitions) and compare-sent.ts (calls, guardrail) both produce them.
import type { Level, SourceLocation } from '../definitions/model.js';
import type { Expectation } from './test-case.js';

export interface Difference {
  readonly definition: string;
  readonly level: Level;
  /** expect / expect_entered / expect_exited / expect_changed */
  readonly kind: Expectation['kind'];
  /** null for a problem of the whole definition (it was not evaluated). */
  readonly entity: string | null;
  readonly expected: string;
  readonly actual: string;
  /** Where the entity's expected value is written, else the expectation. */
  readonly loc: SourceLocation;
  /** Where the expectation (the definition's name under expect...:) is written. */
  readonly expectationLoc: SourceLocation;
}
