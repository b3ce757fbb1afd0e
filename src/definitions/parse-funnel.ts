// Funnels (SPEC §5 "Funnels"): a performed leaf with `then:`, each later step a mapping of its
// own with `performed` / `not_performed`, `within` (a duration, measured from the previous step),
// `where` and possibly another `then`. The mistakes people make with them get their own messages.
import { isMap } from 'yaml';
import type { Condition, FunnelStep, SourceLocation } from './model.js';
import { readEventRef, readPropertyFilters, readWindow } from './parse-values.js';
import { describe, type MapEntry, type YamlFile } from './yaml-source.js';

export const FUNNEL_COUNT_KEYS = ['at_least', 'at_most', 'exactly'] as const;
const THEN_SHAPE = '{ performed: E, within: 1d } or { not_performed: E, within: 1d }';

/** Reports a count written on a funnel step; true when there was one. */
function rejectCounts(y: YamlFile, entries: Map<string, MapEntry>): boolean {
  const count = FUNNEL_COUNT_KEYS.map((k) => entries.get(k)).find((e) => e !== undefined);
  if (!count) return false;
  const problem = 'is not allowed on a funnel (a condition with "then"): a funnel holds when one instance of its first step is followed by the next steps, it counts nothing';
  y.error('wrong_type', { form: 'rule', what: `"${count.key}"`, problem, fix: 'remove the count, or count the event with a separate performed condition under all: [...]' }, count.keyLoc);
  return true;
}

function rejectThenAfterNotPerformed(y: YamlFile, thenEntry: MapEntry): null {
  const problem = 'is followed by "then", but not_performed may only be the last step of a funnel (nothing can follow an event that did not happen)';
  return y.error('wrong_type', { form: 'rule', what: '"not_performed"', problem, fix: 'move the not_performed step to the end of the chain, or drop the steps after it' }, thenEntry.keyLoc);
}

/**
 * The first step and its chain, for a `performed` / `not_performed` mapping that has `then`.
 * Returns null after reporting when any step is wrong.
 */
export function readFunnel(y: YamlFile, entries: Map<string, MapEntry>, head: MapEntry, key: 'performed' | 'not_performed'): Condition | null {
  const thenEntry = entries.get('then')!;
  if (key === 'not_performed') return rejectThenAfterNotPerformed(y, thenEntry);
  let ok = !rejectCounts(y, entries);
  const what = '"performed"';
  const event = readEventRef(y, head, entries.get('name'), what);
  const withinEntry = entries.get('within');
  const window = withinEntry ? readWindow(y, withinEntry, what) : null;
  const whereEntry = entries.get('where');
  const filters = whereEntry ? readPropertyFilters(y, whereEntry, what) : [];
  const rest = readThen(y, thenEntry, 2);
  if (event === null || (withinEntry && window === null) || filters === null || rest === null) ok = false;
  if (!ok) return null;
  const first: FunnelStep = { event: event!, window, filters: filters!, negated: false, loc: head.keyLoc };
  return { kind: 'funnel', steps: [first, ...rest!], loc: head.keyLoc };
}

/** Step `n` (2, 3, ...) of a funnel and the steps after it. */
function readThen(y: YamlFile, thenEntry: MapEntry, n: number): FunnelStep[] | null {
  const node = thenEntry.value;
  if (!isMap(node)) {
    return y.error('wrong_type', { form: 'expected', what: '"then"', expected: `the next step of the funnel, ${THEN_SHAPE}`, found: describe(node) }, thenEntry.valueLoc);
  }
  const entries = y.map(node, thenEntry.valueLoc, '"then"', THEN_SHAPE);
  if (!entries) return null;
  const performed = entries.get('performed');
  const notPerformed = entries.get('not_performed');
  if (performed && notPerformed) {
    return y.error('wrong_type', { form: 'both', what: '"then"', keys: ['performed', 'not_performed'], rule: 'a step is one of them', fix: `write ${THEN_SHAPE}` }, notPerformed.keyLoc);
  }
  const head = performed ?? notPerformed;
  y.checkKeys(entries, ['performed', 'not_performed', 'name', 'within', 'where', 'then', ...FUNNEL_COUNT_KEYS], '"then"');
  if (!head) {
    if (y.misspeltAs(entries, ['performed', 'not_performed'])) return null;
    return y.error('missing_key', { form: 'neither', what: '"then"', keys: ['performed', 'not_performed'], fix: `write then: ${THEN_SHAPE}` }, thenEntry.keyLoc);
  }
  const key = head.key as 'performed' | 'not_performed';
  const what = `"${key}" (step ${n} of the funnel)`;
  let ok = !rejectCounts(y, entries);
  const event = readEventRef(y, head, entries.get('name'), what);
  const window = readStepWindow(y, entries.get('within'), head.keyLoc, what);
  const whereEntry = entries.get('where');
  const filters = whereEntry ? readPropertyFilters(y, whereEntry, what) : [];
  const nextEntry = entries.get('then');
  let rest: FunnelStep[] | null = [];
  if (nextEntry && key === 'not_performed') rest = rejectThenAfterNotPerformed(y, nextEntry);
  else if (nextEntry) rest = readThen(y, nextEntry, n + 1);
  if (event === null || window === null || filters === null || rest === null) ok = false;
  if (!ok) return null;
  return [{ event: event!, window, filters: filters!, negated: key === 'not_performed', loc: head.keyLoc }, ...rest!];
}

function readStepWindow(y: YamlFile, entry: MapEntry | undefined, headLoc: SourceLocation, what: string) {
  if (!entry) {
    const purpose = 'but a later step of a funnel must say how soon after the previous step it happens';
    return y.error('missing_key', { form: 'missing', what, key: 'within', purpose, fix: 'add within: <duration>, e.g. within: 1d (measured from each instance of the previous step)' }, headLoc);
  }
  const window = readWindow(y, entry, what);
  if (window === null || window.kind === 'within') return window;
  const problem = `has "within: { between: ... }", but a later step of a funnel is measured from the previous step's event, so its window is a duration`;
  return y.error('invalid_value', { form: 'rule', what, problem, fix: 'write within: <duration>, e.g. within: 3d; a calendar range belongs on the first step' }, entry.valueLoc);
}
