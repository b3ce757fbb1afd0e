// Condition trees of audiences: all / any / not, trait leaves, audience membership,
// performed / not_performed, and the account-level quantifiers over users.
// Levels are not checked here (that needs every definition): see check-references.ts.
import { isMap, isSeq } from 'yaml';
import { COMPARISON_OPS } from './model.js';
import type { Condition, CountOp, SourceLocation } from './model.js';
import { didYouMean } from './did-you-mean.js';
import { readFunnel } from './parse-funnel.js';
import {
  readEventRef,
  readName,
  readNumberInRange,
  readPredicate,
  readPropertyFilters,
  readTraitRef,
  readWholeNumber,
  readWindow,
} from './parse-values.js';
import { describe, type MapEntry, type YamlFile, type YamlNode } from './yaml-source.js';

export const CONDITION_KEYS = [
  'all', 'any', 'not', 'trait', 'in_audience', 'not_in_audience', 'performed', 'not_performed',
  'any_user', 'all_users', 'no_user', 'at_least_users',
] as const;
type Head = (typeof CONDITION_KEYS)[number];

const COUNT_KEYS: readonly CountOp[] = ['at_least', 'at_most', 'exactly'];
const SHAPES = 'all: [...], any: [...], not: {...}, { trait: T, equals: V }, { in_audience: A }, { performed: E }, any_user: {...} ...';

/** A condition: a mapping with one head key, or a list (meaning all). */
export function readCondition(y: YamlFile, node: YamlNode | null, loc: SourceLocation, what: string): Condition | null {
  if (isSeq(node)) return readList(y, 'all', node, loc, what);
  if (!isMap(node)) {
    return y.error('wrong_type', { form: 'expected', what, expected: `a condition (${SHAPES})`, found: describe(node) }, loc);
  }
  const entries = y.map(node, loc, what, SHAPES);
  if (!entries) return null;
  const heads = [...entries.values()].filter((e) => (CONDITION_KEYS as readonly string[]).includes(e.key));
  if (heads.length === 0) {
    if (entries.size === 0) return y.error('wrong_type', { form: 'rule', what, problem: 'is an empty condition', fix: `write one of ${SHAPES}` }, loc);
    const ops = [...entries.keys()].filter((k) => (COMPARISON_OPS as readonly string[]).includes(k));
    if (ops.length > 0) {
      const first = [...entries.values()][0];
      const fix = `add trait: <name>, e.g. { trait: plan, ${ops[0]}: ... }`;
      return y.error('missing_key', { form: 'rule', what, problem: `compares with "${ops[0]}" but names no trait`, fix }, first.keyLoc);
    }
    for (const entry of entries.values()) {
      const suggestion = didYouMean(entry.key, CONDITION_KEYS);
      y.error('unknown_key', { form: 'unknown', what, key: entry.key, allowed: CONDITION_KEYS, suggestion, shapes: SHAPES }, entry.keyLoc);
    }
    return null;
  }
  if (heads.length > 1) {
    const keys = [heads[0].key, heads[1].key] as const;
    return y.error('wrong_type', { form: 'both', what, keys, rule: 'a condition has exactly one of them', fix: 'put each in its own list item under all: [...] or any: [...]' }, heads[1].keyLoc);
  }
  const head = heads[0];
  const key = head.key as Head;
  switch (key) {
    case 'all':
    case 'any': {
      y.checkKeys(entries, [key], `"${key}"`);
      if (!isSeq(head.value)) {
        return y.error('wrong_type', { form: 'expected', what: `"${key}"`, expected: 'a list of conditions', found: describe(head.value), fix: `write ${key}:\n  - { ... }\n  - { ... }` }, head.valueLoc);
      }
      return readList(y, key, head.value, head.keyLoc, what);
    }
    case 'not': {
      y.checkKeys(entries, ['not'], '"not"');
      const child = readCondition(y, head.value, head.valueLoc, '"not"');
      return child ? { kind: 'not', child, loc: head.keyLoc } : null;
    }
    case 'trait':
      return readTraitLeaf(y, entries, head);
    case 'in_audience':
    case 'not_in_audience': {
      y.checkKeys(entries, [key], `"${key}"`);
      const audience = readName(y, head, 'the condition');
      return audience ? { kind: 'in_audience', audience, negated: key === 'not_in_audience', loc: head.valueLoc } : null;
    }
    case 'performed':
    case 'not_performed':
      return readPerformed(y, entries, head, key);
    case 'any_user':
    case 'all_users':
    case 'no_user': {
      y.checkKeys(entries, [key], `"${key}"`);
      const condition = readCondition(y, head.value, head.valueLoc, `the condition of "${key}"`);
      return condition ? { kind: 'quantifier', quantifier: key, atLeast: null, condition, loc: head.keyLoc } : null;
    }
    case 'at_least_users':
      return readAtLeastUsers(y, entries, head);
    default: {
      const never: never = key;
      throw new Error(`unhandled condition ${String(never)}`);
    }
  }
}

function readList(y: YamlFile, kind: 'all' | 'any', node: YamlNode, loc: SourceLocation, what: string): Condition | null {
  const items = y.seq(node, loc, what, 'conditions') ?? [];
  if (items.length === 0) {
    return y.error('invalid_value', { form: 'rule', what: `"${kind}"`, problem: 'has an empty list of conditions', fix: 'list at least one condition, or remove it' }, loc);
  }
  const children: Condition[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const child = readCondition(y, item, y.loc(item, loc), `condition ${i + 1} of "${kind}"`);
    if (child) children.push(child);
    else ok = false;
  });
  return ok ? { kind, children, loc } : null;
}

function readTraitLeaf(y: YamlFile, entries: Map<string, MapEntry>, head: MapEntry): Condition | null {
  y.checkKeys(entries, ['trait', ...COMPARISON_OPS, 'ignore_case'], 'a trait condition', {
    within: 'time windows apply to events; use a computed trait with within, or performed',
    property: 'property filters belong under performed / computed traits; compare the trait itself here',
  });
  const trait = readTraitRef(y, head, 'the condition');
  const predicate = readPredicate(y, entries, `the condition on trait "${trait ?? '?'}"`, head.keyLoc);
  if (trait === null || predicate === null) return null;
  // the name's place, not the key's: a misspelt or unknown trait is underlined where it is written
  return { kind: 'trait', trait, predicate, loc: head.valueLoc };
}

function readPerformed(y: YamlFile, entries: Map<string, MapEntry>, head: MapEntry, key: 'performed' | 'not_performed'): Condition | null {
  const allowed = key === 'performed'
    ? ['performed', 'name', 'within', 'where', 'then', ...COUNT_KEYS]
    : ['not_performed', 'name', 'within', 'where', 'then'];
  const notes: Record<string, string> = key === 'not_performed'
    ? Object.fromEntries(COUNT_KEYS.map((k) => [k, 'it means "never in the window"; use performed with at_most or exactly for counts']))
    : {};
  y.checkKeys(entries, allowed, `"${key}"`, notes);
  if (entries.has('then')) return readFunnel(y, entries, head, key);
  const what = `"${key}"`;
  const event = readEventRef(y, head, entries.get('name'), what);
  const withinEntry = entries.get('within');
  const window = withinEntry ? readWindow(y, withinEntry, what) : null;
  const whereEntry = entries.get('where');
  const filters = whereEntry ? readPropertyFilters(y, whereEntry, what) : [];
  let count: { op: CountOp; n: number } | null = key === 'not_performed' ? { op: 'exactly', n: 0 } : { op: 'at_least', n: 1 };
  if (key === 'performed') {
    const counts = COUNT_KEYS.map((k) => entries.get(k)).filter((e): e is MapEntry => e !== undefined);
    if (counts.length > 1) {
      const fix = 'keep one of at_least, at_most, exactly; for a range combine two performed conditions under all';
      y.error('wrong_type', { form: 'both', what: '"performed"', keys: [counts[0].key, counts[1].key], rule: 'it takes at most one count', fix }, counts[1].keyLoc);
      count = null;
    } else if (counts.length === 1) {
      const n = readWholeNumber(y, counts[0], what);
      count = n === null ? null : { op: counts[0].key as CountOp, n };
    }
  }
  if (event === null || (withinEntry && window === null) || filters === null || count === null) return null;
  return { kind: 'performed', event, window, filters, count, loc: head.valueLoc };
}

function readAtLeastUsers(y: YamlFile, entries: Map<string, MapEntry>, head: MapEntry): Condition | null {
  y.checkKeys(entries, ['at_least_users'], '"at_least_users"');
  const body = y.map(head.value, head.valueLoc, '"at_least_users"', '{ count: N, where: condition } or { percent: P, where: condition }');
  if (!body) return null;
  y.checkKeys(body, ['count', 'percent', 'where'], '"at_least_users"');
  const countEntry = body.get('count');
  const percentEntry = body.get('percent');
  const whereEntry = body.get('where');
  let atLeast: { count: number } | { percent: number } | null = null;
  let ok = true;
  if (countEntry && percentEntry) {
    const fix = "keep count: N (users) or percent: P (of the account's users)";
    y.error('wrong_type', { form: 'both', what: '"at_least_users"', keys: ['count', 'percent'], rule: 'it takes exactly one', fix }, percentEntry.keyLoc);
    ok = false;
  } else if (countEntry) {
    const n = readWholeNumber(y, countEntry, '"at_least_users"');
    if (n === null) ok = false;
    else atLeast = { count: n };
  } else if (percentEntry) {
    const p = readNumberInRange(y, percentEntry, '"at_least_users"', 0, 100);
    if (p === null) ok = false;
    else atLeast = { percent: p };
  } else if (!y.misspeltAs(body, ['count', 'percent'])) {
    y.error('missing_key', { form: 'neither', what: '"at_least_users"', keys: ['count', 'percent'], fix: 'write { count: 3, where: ... } or { percent: 50, where: ... }' }, head.keyLoc);
    ok = false;
  } else {
    ok = false;
  }
  let condition: Condition | null = null;
  if (!whereEntry) {
    const params = { form: 'missing', what: '"at_least_users"', key: 'where', purpose: 'the condition its users must satisfy', fix: 'add where: { trait: role, equals: Admin } (or any user-level condition)' } as const;
    if (!y.misspeltAs(body, 'where')) y.error('missing_key', params, head.keyLoc);
    ok = false;
  } else {
    condition = readCondition(y, whereEntry.value, whereEntry.valueLoc, 'the condition of "at_least_users"');
  }
  if (!ok || atLeast === null || condition === null) return null;
  return { kind: 'quantifier', quantifier: 'at_least_users', atLeast, condition, loc: head.keyLoc };
}
