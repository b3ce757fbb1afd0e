// What a step's run sent against `expect_calls` / `expect_guardrail`: every entity sent (or not)
// against the expectation, and the guardrail's verdict, as Differences of the test report.
import type { Level, SourceLocation } from '../definitions/model.js';
import type { Difference } from './difference.js';
import { CALL_TRANSITIONS, type CallTransition, type Expectation } from './test-case.js';

/** What `quorum run` sent at one step (src/testing/step-sends.ts). */
export interface StepSent {
  /** destination → definition → transition → the entities it sent calls for */
  readonly calls: ReadonlyMap<string, ReadonlyMap<string, Readonly<Record<CallTransition, ReadonlySet<string>>>>>;
  /** audience → why the max_exit_fraction guardrail blocked it */
  readonly blocked: ReadonlyMap<string, string>;
}

interface Base {
  readonly definition: string;
  readonly level: Level;
  readonly kind: Expectation['kind'];
  readonly loc: SourceLocation;
  readonly expectationLoc: SourceLocation;
}

const byId = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);

export function compareSent(e: Extract<Expectation, { kind: 'calls' | 'guardrail' }>, sent: StepSent, base: Base): Difference[] {
  if (e.kind === 'guardrail') {
    const why = sent.blocked.get(e.definition);
    if (e.blocked === (why !== undefined)) return [];
    return [{ ...base, entity: null, expected: e.blocked ? 'blocked by max_exit_fraction' : 'passes max_exit_fraction', actual: why ?? 'passes: nothing blocked it' }];
  }
  const out: Difference[] = [];
  const actual = sent.calls.get(e.destination)?.get(e.definition);
  for (const transition of CALL_TRANSITIONS) {
    const expected = new Set(e.ids[transition]);
    const got = actual?.[transition] ?? new Set<string>();
    for (const id of [...new Set([...expected, ...got])].sort(byId)) {
      const want = expected.has(id);
      if (want === got.has(id)) continue;
      const calls = `${transition} calls to ${e.destination}`;
      out.push({ ...base, entity: id, expected: want ? calls : `no ${calls}`, actual: want ? `no ${calls}` : calls });
    }
  }
  return out;
}
