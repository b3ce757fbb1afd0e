// Expected against actual: every difference of one evaluation, naming the definition and the
// entity, with both sides as text the report can print as is.
import { parseTimestamp } from '../definitions/parse-values.js';
import type { DefinitionResult, TraitValue } from '../reference/dataset.js';
import type { EntityChanges } from '../sync/diff-entities.js';
import { compareSent, type StepSent } from './compare-sent.js';
import type { Difference } from './difference.js';
import type { ExpectedValue, Expectation } from './test-case.js';

export type ResultValue = TraitValue | Readonly<Record<string, TraitValue>>;

/** One evaluation's results, by definition name. */
export type Results = ReadonlyMap<string, DefinitionResult>;

/** What `quorum run`'s diff found since the previous evaluation, by definition name (src/sync/diff-entities.ts). */
export type Changes = ReadonlyMap<string, EntityChanges>;

export type { Difference } from './difference.js';

/**
 * The differences of one evaluation. `previous` (the evaluation before, null for the first) gives
 * the values a trait changed from; `changes` is what `quorum run`'s diff found in between.
 */
export function compareStep(expectations: readonly Expectation[], results: Results, previous: Results | null, changes: Changes, sent: StepSent | null = null): Difference[] {
  const out: Difference[] = [];
  for (const e of expectations) {
    const result = results.get(e.definition);
    if (!result) continue; // the runner evaluates every definition a step expects
    const base = { definition: e.definition, level: result.level, kind: e.kind, loc: e.loc, expectationLoc: e.loc };
    switch (e.kind) {
      case 'calls':
      case 'guardrail':
        if (sent) out.push(...compareSent(e, sent, base));
        break;
      case 'members': {
        if (result.kind !== 'audience') break;
        const expected = new Set(e.ids);
        for (const id of sortIds(new Set([...expected, ...result.members]))) {
          const want = expected.has(id);
          if (want !== result.members.has(id)) out.push({ ...base, entity: id, expected: want ? 'member' : 'not a member', actual: want ? 'not a member' : 'member' });
        }
        break;
      }
      case 'entered':
      case 'exited': {
        const change = changes.get(e.definition);
        if (change?.kind !== 'audience') break;
        const actual = new Set(e.kind === 'entered' ? change.entered : change.exited);
        const expected = new Set(e.ids);
        const verb = e.kind === 'entered' ? 'entered' : 'exited';
        for (const id of sortIds(new Set([...expected, ...actual]))) {
          const want = expected.has(id);
          if (want !== actual.has(id)) out.push({ ...base, entity: id, expected: want ? verb : `not ${verb}`, actual: want ? `not ${verb}` : verb });
        }
        break;
      }
      case 'values': {
        if (result.kind !== 'trait') break;
        for (const v of e.values) {
          const has = result.values.has(v.entity);
          const actual = result.values.get(v.entity) ?? null;
          if (!sameValue(v.value, actual, has)) {
            out.push({ ...base, entity: v.entity, loc: v.loc, expected: showValue(v.value), actual: has ? showValue(actual) : `nothing (no ${result.level} "${v.entity}" exists)` });
          }
        }
        break;
      }
      case 'changed': {
        const change = changes.get(e.definition);
        if ('ids' in e) {
          // An account audience: accounts that stayed in while users joined or left them.
          if (change?.kind !== 'audience') break;
          const actual = new Set(change.changed);
          const expected = new Set(e.ids);
          for (const id of sortIds(new Set([...expected, ...actual]))) {
            const want = expected.has(id);
            if (want === actual.has(id)) continue;
            out.push({ ...base, entity: id, expected: want ? 'changed (users joined or left)' : 'no change', actual: want ? `no change (${notChanged(id, change)})` : `changed (${showUsers(change.users.get(id))})` });
          }
          break;
        }
        if (change?.kind !== 'trait' || result.kind !== 'trait') break;
        // A trait changes when it gets a value (run's "entered"), when its value changes, and
        // when it loses it (run's "exited": the value becomes null).
        const before = previous?.get(e.definition);
        const valueBefore = (id: string): ResultValue => (before?.kind === 'trait' ? (before.values.get(id) ?? null) : null);
        const actual = new Set([...change.entered, ...change.changed, ...change.exited]);
        const expected = new Map(e.values.map((v) => [v.entity, v]));
        for (const id of sortIds(new Set([...expected.keys(), ...actual]))) {
          const want = expected.get(id);
          const after = result.values.get(id) ?? null;
          const got = actual.has(id);
          if (want && got && sameValue(want.value, after, true)) continue;
          out.push({
            ...base,
            entity: id,
            loc: want?.loc ?? e.loc,
            expected: want ? `changed to ${showValue(want.value)}` : 'no change',
            actual: got ? `changed from ${showValue(valueBefore(id))} to ${showValue(after)}` : `no change (${showValue(after)})`,
          });
        }
        break;
      }
    }
  }
  return out;
}

function showUsers(users: { readonly joined: readonly string[]; readonly left: readonly string[] } | undefined): string {
  const parts: string[] = [];
  if (users?.joined.length) parts.push(`joined: ${sortIds(users.joined).join(', ')}`);
  if (users?.left.length) parts.push(`left: ${sortIds(users.left).join(', ')}`);
  return parts.join('; ');
}

function notChanged(id: string, change: EntityChanges): string {
  if (change.entered.includes(id)) return 'it entered';
  if (change.exited.includes(id)) return 'it exited';
  return 'no user joined or left';
}

/**
 * Whether an actual value is what the test expects. Numbers compare as numbers (with a relative
 * tolerance of 1e-9, for averages), timestamps as instants, lists item by item, and a
 * multi-column SQL trait by the columns the test lists. A missing entity only matches null.
 */
export function sameValue(expected: ExpectedValue, actual: ResultValue | undefined, exists: boolean): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (!exists || actual === null || actual === undefined) return false;
  if (typeof expected === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    return Math.abs(n - expected) <= 1e-9 * Math.max(1, Math.abs(n), Math.abs(expected));
  }
  if (typeof expected === 'string') {
    if (actual === expected) return true;
    if (typeof actual !== 'string') return false;
    const a = parseTimestamp(expected);
    return a !== null && a === parseTimestamp(actual.replace(/(\.\d{3})\d+/, '$1'));
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => sameValue(item as ExpectedValue, actual[i] as ResultValue, true));
  }
  if (typeof actual !== 'object' || Array.isArray(actual)) return false;
  const record = actual as Readonly<Record<string, ResultValue>>;
  return Object.entries(expected as Record<string, ExpectedValue>).every(([column, value]) => sameValue(value, record[column] ?? null, true));
}

export function showValue(value: ExpectedValue | ResultValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => showValue(item as ExpectedValue)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, ExpectedValue>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{ ${entries.map(([k, v]) => `${k}: ${showValue(v)}`).join(', ')} }`;
}

/** Ids in a stable, human order: numeric parts compare as numbers (u2 before u10). */
export function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0));
}
