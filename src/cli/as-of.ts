// `--as-of`: only real instants. `Date.parse` rolls impossible dates over (2024-02-30 becomes
// 2024-03-01) and reads an offset-less time as local; quorum evaluates at exactly the instant the
// user wrote, or refuses it, so every field is checked against the calendar here.

/** The instant as an ISO string, or why the text is not one (a sentence to follow the quoted text). */
export type AsOfResult = { readonly iso: string } | { readonly problem: string };

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export const AS_OF_FORMAT =
  'a date (2024-06-01, midnight UTC) or an ISO-8601 instant (2024-06-01T12:00:00Z, 2024-06-01T14:00:00+02:00; without an offset the time is UTC)';

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function readAsOf(text: string): AsOfResult {
  const m = SHAPE.exec(text.trim());
  if (!m) return { problem: 'is not a date or an ISO-8601 timestamp' };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return { problem: `has month ${m[2]}; months run from 01 to 12` };
  if (day < 1 || day > daysIn(year, month)) {
    return { problem: `is not a real date: ${MONTHS[month - 1]} ${year} has ${daysIn(year, month)} days` };
  }
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hour > 23) return { problem: `has hour ${m[4]}; hours run from 00 to 23` };
  if (minute > 59) return { problem: `has minute ${m[5]}; minutes run from 00 to 59` };
  if (second > 59) return { problem: `has second ${m[6]}; seconds run from 00 to 59` };
  const fraction = m[7] ?? '';
  if (/[1-9]/.test(fraction.slice(3))) {
    return { problem: 'is more precise than a millisecond, which is as precise as quorum evaluates; round it to 3 decimals' };
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4) || '0')];
    if (oh > 23 || om > 59) return { problem: `has the offset ${zone}, which is not a time zone offset` };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, millis);
  instant.setTime(instant.getTime() - offsetMinutes * 60_000);
  return { iso: instant.toISOString() };
}
