// Readers for the small values of the definition language: names, durations, timestamps,
// counts, comparison predicates, property filters and event references.
import { isMap, isScalar, isSeq } from 'yaml';
import { COMPARISON_OPS } from './model.js';
import type { ComparisonOp, EventRef, Predicate, PropertyFilter, Scalar, SourceLocation, TimeWindow } from './model.js';
import { snakeCase } from './snake-case.js';
import { describe, truncate, type MapEntry, type YamlFile, type YamlNode } from './yaml-source.js';

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TRAIT_REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The scalar value of a node, or undefined when it is not a scalar. */
export function scalarOf(node: YamlNode | null): Scalar | undefined {
  if (node === null) return null;
  if (!isScalar(node)) return undefined;
  const value = node.value;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

export function readString(y: YamlFile, entry: MapEntry, what: string, hint: string | null = null): string | null {
  const value = scalarOf(entry.value);
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'string' || value === null) {
    return y.error('wrong_type', entry.valueLoc, `${what}: "${entry.key}" is empty; it needs a text value.`, hint);
  }
  const quoted = typeof value === 'number' || typeof value === 'boolean' ? `; to use ${String(value)} as text, quote it: "${String(value)}"` : '';
  return y.error('wrong_type', entry.valueLoc, `${what}: "${entry.key}" must be text, not ${describe(entry.value)}${quoted}.`, hint);
}

/** A name used as an identifier (definition name, column, property). */
export function readName(y: YamlFile, entry: MapEntry, what: string, pattern = NAME_PATTERN): string | null {
  const text = readString(y, entry, what);
  if (text === null) return null;
  if (!pattern.test(text)) {
    const suggestion = snakeCase(text);
    return y.error(
      'invalid_value',
      entry.valueLoc,
      `${what}: "${entry.key}" is "${truncate(text)}", which is not a valid name: names are letters, digits and underscores and do not start with a digit.`,
      suggestion !== '' && pattern.test(suggestion) ? `did you mean "${suggestion}"?` : 'use a snake_case name such as "logins_past_30_days"',
    );
  }
  return text;
}

export function readTraitRef(y: YamlFile, entry: MapEntry, what: string): string | null {
  return readName(y, entry, what, TRAIT_REF_PATTERN);
}

export function readBoolean(y: YamlFile, entry: MapEntry, what: string): boolean | null {
  const value = scalarOf(entry.value);
  if (typeof value === 'boolean') return value;
  return y.error('wrong_type', entry.valueLoc, `${what}: "${entry.key}" must be true or false, not ${describe(entry.value)}.`, null);
}

/** A whole number >= min. */
export function readWholeNumber(y: YamlFile, entry: MapEntry, what: string, min = 0): number | null {
  const value = scalarOf(entry.value);
  if (typeof value !== 'number') {
    return y.error('wrong_type', entry.valueLoc, `${what}: "${entry.key}" must be a whole number, not ${describe(entry.value)}.`, null);
  }
  if (!Number.isInteger(value) || value < min) {
    return y.error(
      'invalid_value',
      entry.valueLoc,
      `${what}: "${entry.key}" is ${value}, but it must be a whole number of at least ${min}.`,
      value < 0 ? `counts cannot be negative; use ${min} or more` : `use a whole number such as ${Math.max(min, Math.round(value))}`,
    );
  }
  return value;
}

export function readNumberInRange(y: YamlFile, entry: MapEntry, what: string, min: number, max: number): number | null {
  const value = scalarOf(entry.value);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return y.error('wrong_type', entry.valueLoc, `${what}: "${entry.key}" must be a number between ${min} and ${max}, not ${describe(entry.value)}.`, null);
  }
  if (value < min || value > max) {
    return y.error(
      'invalid_value',
      entry.valueLoc,
      `${what}: "${entry.key}" is ${value}, which is outside the allowed range ${min} to ${max}.`,
      max === 1 ? 'write a fraction, e.g. 0.5 for half' : `use a number from ${min} to ${max}`,
    );
  }
  return value;
}

/** One of a fixed set of words. */
export function readEnum<T extends string>(y: YamlFile, entry: MapEntry, what: string, allowed: readonly T[]): T | null {
  const value = scalarOf(entry.value);
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const shown = typeof value === 'string' ? `"${truncate(value)}"` : describe(entry.value);
  const suggestion = typeof value === 'string' ? closest(value, allowed) : null;
  return y.error(
    typeof value === 'string' ? 'invalid_value' : 'wrong_type',
    entry.valueLoc,
    `${what}: "${entry.key}" is ${shown}, but it must be one of ${allowed.map((a) => `"${a}"`).join(', ')}.`,
    suggestion ? `did you mean "${suggestion}"?` : null,
  );
}

function closest(value: string, allowed: readonly string[]): string | null {
  const lower = value.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === lower) ?? allowed.find((a) => a.startsWith(lower.slice(0, 2))) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Durations and timestamps

export type DurationResult = { ok: true; seconds: number; text: string } | { ok: false; message: string; hint: string };

export function parseDuration(text: string): DurationResult {
  const match = /^\s*(\d+)\s*([smhdw])\s*$/.exec(text);
  if (!match) {
    const decimal = /^\s*\d*\.\d+\s*[smhdw]\s*$/.test(text);
    return {
      ok: false,
      message: `"${truncate(text)}", which is not a duration`,
      hint: decimal
        ? 'durations are whole numbers; use a smaller unit instead of a fraction, e.g. 36h rather than 1.5d'
        : 'write a positive whole number and a unit: s, m, h, d or w, e.g. 30d; or { between: [2024-01-01, 2024-02-01] }',
    };
  }
  const n = Number(match[1]);
  if (n <= 0) return { ok: false, message: `"${text}", an empty window`, hint: 'use a positive duration such as 1d' };
  return { ok: true, seconds: n * UNIT_SECONDS[match[2]], text: `${n}${match[2]}` };
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date or timestamp as a canonical UTC instant (`2024-01-01T00:00:00.000Z`), or
 * null. A date alone is midnight UTC; a timestamp without a zone is UTC.
 */
export function parseTimestamp(text: string): string | null {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const millis = frac === '' ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  let epoch = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), millis);
  if (zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!zm || Number(zm[2]) > 23 || Number(zm[3]) > 59) return null;
    const offset = (Number(zm[2]) * 60 + Number(zm[3])) * 60_000;
    epoch -= zm[1] === '+' ? offset : -offset;
  }
  const date = new Date(epoch);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function readWindow(y: YamlFile, entry: MapEntry, what: string): TimeWindow | null {
  const node = entry.value;
  const value = scalarOf(node);
  if (typeof value === 'string') {
    const parsed = parseDuration(value);
    if (!parsed.ok) return y.error('invalid_value', entry.valueLoc, `${what}: "within" is ${parsed.message}.`, parsed.hint);
    return { kind: 'within', seconds: parsed.seconds, text: parsed.text };
  }
  if (typeof value === 'number') {
    return y.error(
      'invalid_value',
      entry.valueLoc,
      `${what}: "within" is the number ${value}, which has no unit.`,
      `add a unit (s, m, h, d or w), e.g. ${value}d`,
    );
  }
  if (!isMap(node)) {
    return y.error(
      'wrong_type',
      entry.valueLoc,
      `${what} "within" must be a duration such as 30d or { between: [start, end] }, not ${describe(node)}.`,
      null,
    );
  }
  const entries = y.map(node, entry.valueLoc, `${what} "within"`, '{ between: [start, end] }');
  if (!entries) return null;
  y.checkKeys(entries, ['between'], `${what} "within"`);
  const between = entries.get('between');
  if (!between) {
    if (y.misspeltAs(entries, 'between')) return null;
    return y.error('missing_key', entry.valueLoc, `${what} "within" is a mapping without "between".`, 'write within: { between: [2024-01-01, 2024-02-01] } or a duration such as 30d');
  }
  const items = y.seq(between.value, between.valueLoc, `${what} "within.between"`, 'two timestamps, [start, end]');
  if (!items) return null;
  if (items.length !== 2) {
    return y.error('invalid_value', between.valueLoc, `${what} "within.between" has ${items.length} item(s), but it needs exactly two: [start, end].`, 'e.g. between: [2024-01-01, 2024-02-01]');
  }
  const instants: (string | null)[] = items.map((item) => {
    const text = scalarOf(item);
    const loc = y.loc(item, between.valueLoc);
    if (typeof text !== 'string') {
      return y.error('wrong_type', loc, `${what} "within.between" holds ${describe(item)}, but it needs ISO-8601 dates or timestamps.`, 'e.g. 2024-01-01 or 2024-01-01T12:00:00Z');
    }
    const instant = parseTimestamp(text);
    if (instant === null) {
      return y.error('invalid_value', loc, `${what} "within.between" holds "${truncate(text)}", which is not an ISO-8601 date or timestamp.`, 'write 2024-01-31 (midnight UTC) or 2024-01-31T12:00:00Z');
    }
    return instant;
  });
  const [start, end] = instants;
  if (start === null || end === null) return null;
  if (start >= end) {
    return y.error('invalid_value', between.valueLoc, `${what} "within.between" starts at ${start}, which is not before its end ${end}.`, 'write the earlier instant first: [start, end)');
  }
  return { kind: 'between', start, end };
}

// ---------------------------------------------------------------------------------------------
// Predicates

const CASE_OPS: readonly ComparisonOp[] = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'starts_with', 'ends_with'];
const TEXT_OPS: readonly ComparisonOp[] = ['contains', 'starts_with', 'ends_with'];
const ORDER_OPS: readonly ComparisonOp[] = ['lt', 'lte', 'gt', 'gte'];

/**
 * The predicate of a trait leaf or a property filter: exactly one operator key among the
 * entries (`subjectKey` is the key that names what is compared, e.g. "trait"), plus optional
 * ignore_case. Unknown keys are reported by the caller's checkKeys.
 */
export function readPredicate(
  y: YamlFile,
  entries: Map<string, MapEntry>,
  what: string,
  loc: SourceLocation,
): Predicate | null {
  const ops = [...entries.values()].filter((e) => (COMPARISON_OPS as readonly string[]).includes(e.key));
  if (ops.length === 0) {
    if (y.misspeltAs(entries, COMPARISON_OPS)) return null;
    return y.error(
      'missing_key',
      loc,
      `${what} has no operator.`,
      `add exactly one of ${COMPARISON_OPS.join(', ')}, e.g. { ..., equals: value }`,
    );
  }
  if (ops.length > 1) {
    return y.error(
      'wrong_type',
      ops[1].keyLoc,
      `${what} has ${ops.length} operators (${ops.map((o) => `"${o.key}"`).join(', ')}), but a leaf takes exactly one.`,
      'combine several comparisons with all: [...] or any: [...]',
    );
  }
  const opEntry = ops[0];
  const op = opEntry.key as ComparisonOp;
  let ignoreCase = false;
  const ignore = entries.get('ignore_case');
  if (ignore) {
    const flag = readBoolean(y, ignore, what);
    if (flag === null) return null;
    if (flag && !CASE_OPS.includes(op)) {
      return y.error('invalid_value', ignore.keyLoc, `${what} sets "ignore_case" with "${op}", which does not compare text case-insensitively.`, `ignore_case works with ${CASE_OPS.join(', ')}; remove it here`);
    }
    ignoreCase = flag;
  }
  const value = readOperand(y, opEntry, op, what);
  if (value === undefined) return null;
  return { op, value, ignoreCase };
}

function readOperand(y: YamlFile, entry: MapEntry, op: ComparisonOp, what: string): Scalar | readonly Scalar[] | undefined {
  const node = entry.value;
  const fail = (code: 'wrong_type' | 'invalid_value', message: string, hint: string | null = null): undefined => {
    y.error(code, entry.valueLoc, `${what}: ${message}`, hint);
    return undefined;
  };
  if (op === 'exists') {
    const value = scalarOf(node);
    if (typeof value === 'boolean') return value;
    return fail('wrong_type', `"exists" takes true or false, not ${describe(node)}.`, 'write exists: true (has a value) or exists: false (is missing)');
  }
  if (op === 'in' || op === 'not_in' || op === 'between') {
    if (!isSeq(node)) {
      return fail('wrong_type', `"${op}" takes a list, not ${describe(node)}.`, op === 'between' ? 'write between: [low, high]' : `write ${op}: [a, b]`);
    }
    const items = y.seq(node, entry.valueLoc, what, 'a list') ?? [];
    const values: Scalar[] = [];
    for (const item of items) {
      const value = scalarOf(item);
      if (value === undefined || value === null) {
        y.error('wrong_type', y.loc(item, entry.valueLoc), `${what}: the list of "${op}" holds ${describe(item)}; it takes plain values (text, numbers, booleans).`, value === null ? 'to match a missing value use exists: false' : null);
        return undefined;
      }
      values.push(value);
    }
    if (op === 'between') {
      if (values.length !== 2) return fail('invalid_value', `"between" takes exactly two values [low, high], but has ${values.length}.`, 'write between: [low, high]');
      const [low, high] = values;
      if (typeof low === 'number' && typeof high === 'number' && low > high) {
        return fail('invalid_value', `"between" is [${low}, ${high}], whose low end is above its high end, so nothing would match.`, `write between: [${high}, ${low}]`);
      }
      return values;
    }
    if (values.length === 0) return fail('invalid_value', `"${op}" has an empty list.`, 'list at least one value');
    return values;
  }
  const value = scalarOf(node);
  if (value === undefined) {
    return fail('wrong_type', `"${op}" takes one plain value (text, number or boolean), not ${describe(node)}.`, op === 'equals' ? 'to compare with several values use in: [a, b]' : null);
  }
  if (value === null) {
    return fail('wrong_type', `"${op}" has no value.`, op === 'equals' || op === 'not_equals' ? 'to test for a missing value use exists: false (or exists: true)' : `write ${op}: value`);
  }
  if (TEXT_OPS.includes(op) && typeof value !== 'string') {
    return fail('wrong_type', `"${op}" compares text, but the value is ${describe(node)}.`, `quote it: ${op}: "${String(value)}"`);
  }
  if (ORDER_OPS.includes(op) && typeof value === 'boolean') {
    return fail('wrong_type', `"${op}" orders values, but ${String(value)} is a boolean.`, 'use equals: true / equals: false for booleans');
  }
  return value;
}

/** `where:` of a performed leaf or a computed trait: a list of property filters. */
export function readPropertyFilters(y: YamlFile, entry: MapEntry, what: string): PropertyFilter[] | null {
  const items = y.seq(entry.value, entry.valueLoc, `${what} "where"`, 'property filters such as - { property: method, equals: sso }');
  if (!items) return null;
  const filters: PropertyFilter[] = [];
  let ok = true;
  for (const item of items) {
    const itemLoc = y.loc(item, entry.valueLoc);
    const entries = y.map(item, itemLoc, `a property filter of ${what}`, '{ property: name, equals: value }');
    if (!entries) {
      ok = false;
      continue;
    }
    y.checkKeys(entries, ['property', ...COMPARISON_OPS, 'ignore_case'], `a property filter of ${what}`);
    const propertyEntry = entries.get('property');
    const loc = propertyEntry?.keyLoc ?? itemLoc;
    if (!propertyEntry) {
      ok = false;
      if (y.misspeltAs(entries, 'property')) continue;
      const trait = entries.get('trait');
      y.error('missing_key', itemLoc, `a property filter of ${what} has no "property".`, trait ? 'event filters name an event property: write property: instead of trait:' : 'write { property: name, equals: value }');
      ok = false;
      continue;
    }
    const property = readName(y, propertyEntry, `a property filter of ${what}`, COLUMN_PATTERN);
    const predicate = readPredicate(y, entries, `the filter on property "${property ?? '?'}"`, loc);
    if (property === null || predicate === null) {
      ok = false;
      continue;
    }
    filters.push({ property, predicate, loc });
  }
  return ok ? filters : null;
}

/**
 * `event: Logged In` (track) or `event: page` / `event: screen` with an optional sibling `name:`.
 * `nameEntry` is that sibling, if present.
 */
export function readEventRef(y: YamlFile, entry: MapEntry, nameEntry: MapEntry | undefined, what: string): EventRef | null {
  const text = readString(y, entry, what, 'write the event name as it is sent, e.g. Logged In, or page / screen');
  if (text === null) return null;
  if (text === 'page' || text === 'screen') {
    if (!nameEntry) return { kind: text, name: null };
    const name = readString(y, nameEntry, what);
    return name === null ? null : { kind: text, name };
  }
  if (nameEntry) {
    return y.error('invalid_value', nameEntry.keyLoc, `${what} has "name: ..." next to the track event "${truncate(text)}"; "name" selects page or screen views only.`, `remove "name", or use ${entry.key}: page (or screen) with name: ...`);
  }
  if (snakeCase(text) === '') {
    return y.error('invalid_value', entry.valueLoc, `${what} names the event "${truncate(text)}", which has no letters or digits, so it has no event table.`, 'write the event name as it is sent, e.g. Logged In');
  }
  return { kind: 'track', name: text };
}
