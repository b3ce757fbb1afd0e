// Value helpers of the in-memory reference evaluator: instants, code-point string order, Unicode
// simple lowercase, literal casting and the comparison operators with two-valued null logic.
// Deliberately plain: this file is the oracle the compiled SQL is checked against.
import { instantOf } from '../definitions/literal-instants.js';
import type { Predicate, Scalar } from '../definitions/model.js';
import type { LogicalType } from '../warehouse/catalog.js';

/** A value's type as the evaluator knows it; lists carry their element type. */
export interface ValueType {
  readonly type: LogicalType;
  readonly element?: LogicalType; // list only
}

// ---------------------------------------------------------------------------------------------
// Instants

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch of an ISO-8601 text; no zone means UTC; a date alone is midnight UTC. */
export function parseInstant(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m) throw new Error(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const millis = frac ? Number(`${frac}000`.slice(0, 3)) : 0;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), millis);
  // Date.UTC maps years 0..99 to 1900..1999; fix them up.
  if (Number(y) < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(Number(y));
    ms = date.getTime();
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offsetMinutes * 60_000;
  }
  if (Number.isNaN(ms)) throw new Error(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  return ms;
}

/** An instant from a dataset / SQL value: ISO text or a Date. */
export function toInstant(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return parseInstant(value);
  throw new Error(`not a timestamp: ${String(value)}`);
}

/** The canonical text of an instant, as the evaluator reports timestamp values. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Strings

/** Compares two strings by Unicode code point (not by UTF-16 code unit as JS `<` does). */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

/**
 * Unicode simple lowercase: each code point is mapped on its own (no context such as the Greek
 * final sigma, no one-to-many mappings such as U+0130 -> "i̇").
 */
export function simpleLowerCase(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x130) {
      out += 'i'; // LATIN CAPITAL LETTER I WITH DOT ABOVE: simple mapping is plain "i"
      continue;
    }
    const lower = ch.toLowerCase();
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Typed values: what a comparison works on (timestamps as epoch milliseconds)

/** A stored value as a property, custom trait or SQL trait reads it: NaN and the infinities are null. */
export function finiteOrNull<T>(value: T): T | null {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export type Comparable = string | number | boolean;

/** A non-null stored value in the form comparisons use. */
export function toComparable(value: unknown, type: LogicalType): Comparable {
  switch (type) {
    case 'timestamp':
      return toInstant(value);
    case 'number':
    case 'integer':
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'number') return value;
      throw new Error(`not a number: ${String(value)}`);
    case 'string':
      if (typeof value === 'string') return value;
      throw new Error(`not a string: ${String(value)}`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new Error(`not a boolean: ${String(value)}`);
    default:
      if (typeof value === 'bigint') return Number(value);
      if (value instanceof Date) return value.getTime();
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      throw new Error(`cannot compare value ${String(value)}`);
  }
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export class UncastableLiteral extends Error {}

/**
 * Casts a YAML literal to a column type (the comparison form). `unknown` keeps the YAML type. A
 * timestamp is the instant the loader parsed the literal to (`instants`), as the compiler reads it.
 */
export function castLiteral(literal: Scalar, type: LogicalType, instants: Predicate['instants'] = {}): Comparable {
  if (literal === null) throw new UncastableLiteral('null literal');
  switch (type) {
    case 'number':
    case 'integer':
      if (typeof literal === 'number') return literal;
      if (typeof literal === 'string' && NUMERIC.test(literal.trim())) return Number(literal.trim());
      throw new UncastableLiteral(`cannot cast ${JSON.stringify(literal)} to ${type}`);
    case 'string':
      return typeof literal === 'string' ? literal : String(literal);
    case 'boolean':
      if (typeof literal === 'boolean') return literal;
      if (typeof literal === 'string') {
        const t = literal.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
      }
      throw new UncastableLiteral(`cannot cast ${JSON.stringify(literal)} to boolean`);
    case 'timestamp': {
      const instant = instantOf(instants, literal);
      if (instant !== null) return Date.parse(instant);
      throw new UncastableLiteral(`cannot cast ${JSON.stringify(literal)} to timestamp`);
    }
    default:
      return literal;
  }
}

/** Order of two comparables of one type; NaN when they are of different JS types. */
export function compareValues(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return NaN;
}

// ---------------------------------------------------------------------------------------------
// The comparison operators

const CASE_FOLDING_OPS = new Set(['equals', 'not_equals', 'in', 'not_in', 'contains', 'starts_with', 'ends_with']);

function fold(value: Comparable, ignoreCase: boolean): Comparable {
  return ignoreCase && typeof value === 'string' ? simpleLowerCase(value) : value;
}

function literalList(value: Predicate['value']): readonly Scalar[] {
  if (!Array.isArray(value)) throw new Error(`expected a list literal, got ${JSON.stringify(value)}`);
  return value;
}

function literalScalar(value: Predicate['value']): Scalar {
  if (Array.isArray(value)) throw new Error(`expected a scalar literal, got ${JSON.stringify(value)}`);
  return value as Scalar;
}

function asString(value: Comparable, op: string): string {
  if (typeof value !== 'string') throw new Error(`${op} needs strings, got ${String(value)}`);
  return value;
}

/**
 * Evaluates one comparison on one stored value (null / undefined when missing). Two-valued: a
 * missing value makes every operator false but not_equals, not_in and exists: false.
 */
export function evaluatePredicate(value: unknown, valueType: ValueType, predicate: Predicate): boolean {
  const { op } = predicate;
  const missing = value === null || value === undefined;
  switch (op) {
    case 'exists':
      return predicate.value === false ? missing : !missing;
    case 'not_equals':
      return !evaluatePredicate(value, valueType, { ...predicate, op: 'equals' });
    case 'not_in':
      return !evaluatePredicate(value, valueType, { ...predicate, op: 'in' });
    default:
      break;
  }
  if (missing) return false;

  if (op === 'includes') {
    if (!Array.isArray(value)) throw new Error(`includes needs a list trait`);
    const elementType = valueType.element ?? 'unknown';
    const literal = literalScalar(predicate.value);
    if (literal === null) return false;
    const wanted = castLiteral(literal, elementType, predicate.instants);
    for (const element of value) {
      if (element === null || element === undefined) continue;
      if (compareValues(toComparable(element, elementType), wanted) === 0) return true;
    }
    return false;
  }
  if (Array.isArray(value)) throw new Error(`operator ${op} is not defined on a list trait`);

  const type = valueType.type;
  const ignoreCase = predicate.ignoreCase && CASE_FOLDING_OPS.has(op);
  const stored = fold(toComparable(value, type), ignoreCase);
  // A null literal compares as SQL NULL: never equal, never ordered.
  const lit = (literal: Scalar): Comparable | null => (literal === null ? null : fold(castLiteral(literal, type, predicate.instants), ignoreCase));
  const order = (literal: Scalar): number => {
    const cast = lit(literal);
    return cast === null ? NaN : compareValues(stored, cast);
  };
  const text = (literal: Scalar): string | null => {
    const cast = lit(literal);
    return cast === null ? null : asString(cast, op);
  };

  switch (op) {
    case 'equals':
      return order(literalScalar(predicate.value)) === 0;
    case 'in':
      return literalList(predicate.value).some((literal) => order(literal) === 0);
    case 'lt':
      return order(literalScalar(predicate.value)) < 0;
    case 'lte':
      return order(literalScalar(predicate.value)) <= 0;
    case 'gt':
      return order(literalScalar(predicate.value)) > 0;
    case 'gte':
      return order(literalScalar(predicate.value)) >= 0;
    case 'between': {
      const [low, high] = literalList(predicate.value);
      return order(low) >= 0 && order(high) <= 0;
    }
    case 'contains': {
      const needle = text(literalScalar(predicate.value));
      return needle !== null && asString(stored, op).includes(needle);
    }
    case 'starts_with': {
      const needle = text(literalScalar(predicate.value));
      return needle !== null && asString(stored, op).startsWith(needle);
    }
    case 'ends_with': {
      const needle = text(literalScalar(predicate.value));
      return needle !== null && asString(stored, op).endsWith(needle);
    }
    default:
      throw new Error(`unknown operator ${op as string}`);
  }
}
