// Timestamps in comparisons are parsed once, here, when a definition is read: whether a literal
// is compared as a timestamp depends on the column's type, known only later, so a predicate
// keeps every string literal that is an ISO-8601 date or timestamp as its canonical UTC instant.
// Lowering and the reference evaluator read that instant; neither parses the text again.
import type { ComparisonOp, Predicate, Scalar, TimeWindow } from './model.js';

/** A predicate with its literals' instants. */
export function predicate(op: ComparisonOp, value: Predicate['value'], ignoreCase: boolean): Predicate {
  const literals: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
  const instants: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const literal of literals) {
    const instant = typeof literal === 'string' ? parseTimestamp(literal) : null;
    if (instant !== null) instants[literal as string] = instant;
  }
  return { op, value, ignoreCase, instants };
}

/** The instant a literal was parsed to at load (`2024-01-31T12:00:00.000Z`), or null when it is no timestamp. */
export function instantOf(instants: Predicate['instants'], literal: Scalar): string | null {
  return typeof literal === 'string' && Object.hasOwn(instants, literal) ? instants[literal] : null;
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

/** A calendar window `[start, end)` from two ISO-8601 texts, kept as canonical instants. */
export function betweenWindow(start: string, end: string): TimeWindow {
  const from = parseTimestamp(start);
  const to = parseTimestamp(end);
  if (from === null || to === null) throw new Error(`not ISO-8601 instants: ${start}, ${end}`);
  return { kind: 'between', start: from, end: to };
}
