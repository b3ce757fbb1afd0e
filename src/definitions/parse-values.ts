// Readers for the small values of the definition language: names, durations, timestamps,
// counts, comparison predicates, property filters and event references.
import { Cron } from 'croner';
import { isMap, isScalar, isSeq } from 'yaml';
import { COMPARISON_OPS } from './model.js';
import type { ComparisonOp, EventRef, Predicate, PropertyFilter, Scalar, SourceLocation, TimeWindow } from './model.js';
import { parseTimestamp, predicate } from './literal-instants.js';
import { snakeCase } from './snake-case.js';
import { describe, truncate, type MapEntry, type YamlFile, type YamlNode } from './yaml-source.js';

export { parseTimestamp };

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
    return y.error('wrong_type', { form: 'rule', what: `${what}: "${entry.key}"`, problem: 'is empty; it needs a text value', fix: hint }, entry.valueLoc);
  }
  const quoted = typeof value === 'number' || typeof value === 'boolean' ? `; to use ${String(value)} as text, quote it: "${String(value)}"` : '';
  return y.error('wrong_type', { form: 'expected', what, key: entry.key, expected: 'text', found: `${describe(entry.value)}${quoted}`, fix: hint }, entry.valueLoc);
}

/** A name used as an identifier (definition name, column, property). */
export function readName(y: YamlFile, entry: MapEntry, what: string, pattern = NAME_PATTERN): string | null {
  const text = readString(y, entry, what);
  if (text === null) return null;
  if (!pattern.test(text)) {
    const suggestion = snakeCase(text);
    const problem = `is "${truncate(text)}", which is not a valid name: names are letters, digits and underscores and do not start with a digit`;
    const fix = suggestion !== '' && pattern.test(suggestion) ? `did you mean "${suggestion}"?` : 'use a snake_case name such as "logins_past_30_days"';
    return y.error('invalid_value', { form: 'rule', what: `${what}: "${entry.key}"`, problem, fix }, entry.valueLoc);
  }
  return text;
}

export function readTraitRef(y: YamlFile, entry: MapEntry, what: string): string | null {
  return readName(y, entry, what, TRAIT_REF_PATTERN);
}

export function readBoolean(y: YamlFile, entry: MapEntry, what: string): boolean | null {
  const value = scalarOf(entry.value);
  if (typeof value === 'boolean') return value;
  return y.error('wrong_type', { form: 'expected', what, key: entry.key, expected: 'true or false', found: describe(entry.value) }, entry.valueLoc);
}

/**
 * `value` when it is finite, else null after an invalid_value diagnostic. YAML reads .inf, -.inf,
 * .nan and numbers beyond a double (1e400) as numbers, but no warehouse column holds one and no SQL
 * literal writes one: refused where they are read, quoted as written.
 */
export function finiteNumber(y: YamlFile, node: YamlNode | null, value: number, what: string, loc: SourceLocation, verb: 'is' | 'holds' = 'is'): number | null {
  if (Number.isFinite(value)) return value;
  const written = isScalar(node) && typeof node.source === 'string' ? node.source : String(value);
  const fix = 'write a finite number; YAML reads .inf, .nan and numbers beyond about 1.8e308 as infinite or not a number';
  return y.error('invalid_value', { form: 'rule', what, problem: `${verb} ${truncate(written)}, which is not a finite number`, fix }, loc);
}

/** A whole number >= min. */
export function readWholeNumber(y: YamlFile, entry: MapEntry, what: string, min = 0): number | null {
  const value = scalarOf(entry.value);
  if (typeof value !== 'number') {
    return y.error('wrong_type', { form: 'expected', what, key: entry.key, expected: 'a whole number', found: describe(entry.value) }, entry.valueLoc);
  }
  if (finiteNumber(y, entry.value, value, `${what}: "${entry.key}"`, entry.valueLoc) === null) return null;
  if (!Number.isInteger(value) || value < min) {
    return y.error('invalid_value', { form: 'range', what, key: entry.key, value, low: min, high: null }, entry.valueLoc);
  }
  return value;
}

export function readNumberInRange(y: YamlFile, entry: MapEntry, what: string, min: number, max: number): number | null {
  const value = scalarOf(entry.value);
  if (typeof value !== 'number') {
    return y.error('wrong_type', { form: 'expected', what, key: entry.key, expected: `a number between ${min} and ${max}`, found: describe(entry.value) }, entry.valueLoc);
  }
  if (finiteNumber(y, entry.value, value, `${what}: "${entry.key}"`, entry.valueLoc) === null) return null;
  if (value < min || value > max) {
    return y.error('invalid_value', { form: 'range', what, key: entry.key, value, low: min, high: max }, entry.valueLoc);
  }
  return value;
}

/**
 * `text` when it is a cron expression of five (or six) fields or a nickname such as @hourly that
 * croner, which `quorum schedule` reads it with, accepts and that falls due at some time: checked
 * here so that `validate` names the value's own line, not `quorum schedule` at start.
 */
export function checkCron(y: YamlFile, text: string, what: string, loc: SourceLocation): string | null {
  const fields = text.trim().split(/\s+/);
  const nickname = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(text.trim());
  const invalid = (problem: string, fix: string) => y.error('invalid_value', { form: 'rule', what, problem: `is "${truncate(text)}", ${problem}`, fix }, loc);
  if (!nickname && !((fields.length === 5 || fields.length === 6) && fields.every((f) => /^[0-9A-Za-z*/,\-?LW#]+$/.test(f)))) {
    return invalid('which is not a cron expression', 'write five fields: minute hour day-of-month month day-of-week, e.g. "0 */1 * * *" (quote it)');
  }
  let cron: Cron;
  try {
    // paused: only parsed, never started; the time zone (quorum.yml) changes no field's range
    cron = new Cron(text, { paused: true });
  } catch (cause) {
    const detail = (cause instanceof Error ? cause.message : String(cause)).replace(/^CronPattern:\s*/, '');
    return invalid(`which is not a valid cron expression: ${detail}`, 'minutes run from 0 to 59, hours 0-23, days of the month 1-31, months 1-12, days of the week 0-7 (0 and 7 are Sunday)');
  }
  if (cron.nextRun() === null) return invalid('which never falls due: no date matches it', 'pick days that every chosen month has, e.g. "0 0 L 2 *" for the last day of February');
  return text;
}

/** One of a fixed set of words. */
export function readEnum<T extends string>(y: YamlFile, entry: MapEntry, what: string, allowed: readonly T[]): T | null {
  const value = scalarOf(entry.value);
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const shown = typeof value === 'string' ? `"${truncate(value)}"` : describe(entry.value);
  const suggestion = typeof value === 'string' ? closest(value, allowed) : null;
  return y.error(typeof value === 'string' ? 'invalid_value' : 'wrong_type', { form: 'one_of', what, key: entry.key, shown, allowed, suggestion }, entry.valueLoc);
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

export function readWindow(y: YamlFile, entry: MapEntry, what: string): TimeWindow | null {
  const node = entry.value;
  const value = scalarOf(node);
  if (typeof value === 'string') {
    const parsed = parseDuration(value);
    if (!parsed.ok) return y.error('invalid_value', { form: 'rule', what: `${what}: "within"`, problem: `is ${parsed.message}`, fix: parsed.hint }, entry.valueLoc);
    return { kind: 'within', seconds: parsed.seconds, text: parsed.text };
  }
  if (typeof value === 'number') {
    if (finiteNumber(y, node, value, `${what}: "within"`, entry.valueLoc) === null) return null;
    const fix = `add a unit (s, m, h, d or w), e.g. ${value}d`;
    return y.error('invalid_value', { form: 'rule', what: `${what}: "within"`, problem: `is the number ${value}, which has no unit`, fix }, entry.valueLoc);
  }
  if (!isMap(node)) {
    return y.error('wrong_type', { form: 'expected', what: `${what} "within"`, expected: 'a duration such as 30d or { between: [start, end] }', found: describe(node) }, entry.valueLoc);
  }
  const entries = y.map(node, entry.valueLoc, `${what} "within"`, '{ between: [start, end] }');
  if (!entries) return null;
  y.checkKeys(entries, ['between'], `${what} "within"`);
  const between = entries.get('between');
  if (!between) {
    if (y.misspeltAs(entries, 'between')) return null;
    return y.error('missing_key', { form: 'missing', what: `${what} "within"`, key: 'between', fix: 'write within: { between: [2024-01-01, 2024-02-01] } or a duration such as 30d' }, entry.valueLoc);
  }
  const items = y.seq(between.value, between.valueLoc, `${what} "within.between"`, 'two timestamps, [start, end]');
  if (!items) return null;
  if (items.length !== 2) {
    const problem = `has ${items.length} item(s), but it needs exactly two: [start, end]`;
    return y.error('invalid_value', { form: 'rule', what: `${what} "within.between"`, problem, fix: 'e.g. between: [2024-01-01, 2024-02-01]' }, between.valueLoc);
  }
  const instants: (string | null)[] = items.map((item) => {
    const text = scalarOf(item);
    const loc = y.loc(item, between.valueLoc);
    if (typeof text !== 'string') {
      const problem = `holds ${describe(item)}, but it needs ISO-8601 dates or timestamps`;
      return y.error('wrong_type', { form: 'rule', what: `${what} "within.between"`, problem, fix: 'e.g. 2024-01-01 or 2024-01-01T12:00:00Z' }, loc);
    }
    const instant = parseTimestamp(text);
    if (instant === null) {
      const problem = `holds "${truncate(text)}", which is not an ISO-8601 date or timestamp`;
      return y.error('invalid_value', { form: 'rule', what: `${what} "within.between"`, problem, fix: 'write 2024-01-31 (midnight UTC) or 2024-01-31T12:00:00Z' }, loc);
    }
    return instant;
  });
  const [start, end] = instants;
  if (start === null || end === null) return null;
  if (start >= end) {
    const problem = `starts at ${start}, which is not before its end ${end}`;
    return y.error('invalid_value', { form: 'rule', what: `${what} "within.between"`, problem, fix: 'write the earlier instant first: [start, end)' }, between.valueLoc);
  }
  return { kind: 'between', start, end };
}

// ---------------------------------------------------------------------------------------------
// Predicates

const CASE_OPS: readonly ComparisonOp[] = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'starts_with', 'ends_with'];
export const TEXT_OPS: readonly ComparisonOp[] = ['contains', 'starts_with', 'ends_with'];
const ORDER_OPS: readonly ComparisonOp[] = ['lt', 'lte', 'gt', 'gte'];

/** Where a predicate's operator key (and its ignore_case key) is written, for checks against the catalog. */
export interface PredicateKeys {
  readonly operator: SourceLocation;
  readonly ignoreCase: SourceLocation | null;
}
const predicateKeys = new WeakMap<Predicate, PredicateKeys>();

/** The keys of a predicate read from a file; undefined for one built in code. */
export function predicateKeysOf(predicate: Predicate): PredicateKeys | undefined {
  return predicateKeys.get(predicate);
}

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
    return y.error('missing_key', { form: 'rule', what, problem: 'has no operator', fix: `add exactly one of ${COMPARISON_OPS.join(', ')}, e.g. { ..., equals: value }` }, loc);
  }
  if (ops.length > 1) {
    const problem = `has ${ops.length} operators (${ops.map((o) => `"${o.key}"`).join(', ')}), but a leaf takes exactly one`;
    return y.error('wrong_type', { form: 'rule', what, problem, fix: 'combine several comparisons with all: [...] or any: [...]' }, ops[1].keyLoc);
  }
  const opEntry = ops[0];
  const op = opEntry.key as ComparisonOp;
  let ignoreCase = false;
  const ignore = entries.get('ignore_case');
  if (ignore) {
    const flag = readBoolean(y, ignore, what);
    if (flag === null) return null;
    if (flag && !CASE_OPS.includes(op)) {
      const problem = `sets "ignore_case" with "${op}", which does not compare text case-insensitively`;
      return y.error('invalid_value', { form: 'rule', what, problem, fix: `ignore_case works with ${CASE_OPS.join(', ')}; remove it here` }, ignore.keyLoc);
    }
    ignoreCase = flag;
  }
  const value = readOperand(y, opEntry, op, what);
  if (value === undefined) return null;
  const read = predicate(op, value, ignoreCase);
  predicateKeys.set(read, { operator: opEntry.keyLoc, ignoreCase: ignore?.keyLoc ?? null });
  return read;
}

function readOperand(y: YamlFile, entry: MapEntry, op: ComparisonOp, what: string): Scalar | readonly Scalar[] | undefined {
  const node = entry.value;
  const fail = (code: 'wrong_type' | 'invalid_value', problem: string, fix: string | null = null): undefined => {
    y.error(code, { form: 'rule', what: `${what}: "${op}"`, problem, fix }, entry.valueLoc);
    return undefined;
  };
  if (op === 'exists') {
    const value = scalarOf(node);
    if (typeof value === 'boolean') return value;
    return fail('wrong_type', `takes true or false, not ${describe(node)}`, 'write exists: true (has a value) or exists: false (is missing)');
  }
  if (op === 'in' || op === 'not_in' || op === 'between') {
    if (!isSeq(node)) {
      return fail('wrong_type', `takes a list, not ${describe(node)}`, op === 'between' ? 'write between: [low, high]' : `write ${op}: [a, b]`);
    }
    const items = y.seq(node, entry.valueLoc, what, 'a list') ?? [];
    const values: Scalar[] = [];
    for (const item of items) {
      const value = scalarOf(item);
      if (value === undefined || value === null) {
        const problem = `holds ${describe(item)}; it takes plain values (text, numbers, booleans)`;
        y.error('wrong_type', { form: 'rule', what: `${what}: the list of "${op}"`, problem, fix: value === null ? 'to match a missing value use exists: false' : null }, y.loc(item, entry.valueLoc));
        return undefined;
      }
      if (typeof value === 'number' && finiteNumber(y, item, value, `${what}: the list of "${op}"`, y.loc(item, entry.valueLoc), 'holds') === null) return undefined;
      values.push(value);
    }
    if (op === 'between') {
      if (values.length !== 2) return fail('invalid_value', `takes exactly two values [low, high], but has ${values.length}`, 'write between: [low, high]');
      const [low, high] = values;
      if (typeof low === 'number' && typeof high === 'number' && low > high) {
        return fail('invalid_value', `is [${low}, ${high}], whose low end is above its high end, so nothing would match`, `write between: [${high}, ${low}]`);
      }
      return values;
    }
    if (values.length === 0) return fail('invalid_value', 'has an empty list', 'list at least one value');
    return values;
  }
  const value = scalarOf(node);
  if (value === undefined) {
    return fail('wrong_type', `takes one plain value (text, number or boolean), not ${describe(node)}`, op === 'equals' ? 'to compare with several values use in: [a, b]' : null);
  }
  if (value === null) {
    return fail('wrong_type', 'has no value', op === 'equals' || op === 'not_equals' ? 'to test for a missing value use exists: false (or exists: true)' : `write ${op}: value`);
  }
  if (typeof value === 'number' && finiteNumber(y, node, value, `${what}: "${op}"`, entry.valueLoc) === null) return undefined;
  if (TEXT_OPS.includes(op) && typeof value !== 'string') {
    return fail('wrong_type', `compares text, but the value is ${describe(node)}`, `quote it: ${op}: "${String(value)}"`);
  }
  if (ORDER_OPS.includes(op) && typeof value === 'boolean') {
    return fail('wrong_type', `orders values, but ${String(value)} is a boolean`, 'use equals: true / equals: false for booleans');
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
      const fix = trait ? 'event filters name an event property: write property: instead of trait:' : 'write { property: name, equals: value }';
      y.error('missing_key', { form: 'missing', what: `a property filter of ${what}`, key: 'property', fix }, itemLoc);
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
    const problem = `has "name: ..." next to the track event "${truncate(text)}"; "name" selects page or screen views only`;
    return y.error('invalid_value', { form: 'rule', what, problem, fix: `remove "name", or use ${entry.key}: page (or screen) with name: ...` }, nameEntry.keyLoc);
  }
  if (snakeCase(text) === '') {
    const problem = `names the event "${truncate(text)}", which has no letters or digits, so it has no event table`;
    return y.error('invalid_value', { form: 'rule', what, problem, fix: 'write the event name as it is sent, e.g. Logged In' }, entry.valueLoc);
  }
  return { kind: 'track', name: text };
}
