// The strict --as-of reader: real calendar instants only, never a silent roll-over.
import { describe, expect, it } from 'vitest';
import { readAsOf } from '../../src/cli/as-of.js';
import { parseAsOf, UsageError } from '../../src/cli/options.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const iso = (text: string) => readAsOf(text);

describe('readAsOf', () => {
  it('reads a date as midnight UTC', () => {
    expect(iso('2024-06-01')).toEqual({ iso: '2024-06-01T00:00:00.000Z' });
  });

  it('reads a time without an offset as UTC, never local time', () => {
    expect(iso('2024-06-01T12:30')).toEqual({ iso: '2024-06-01T12:30:00.000Z' });
    expect(iso('2024-06-01 12:30:15')).toEqual({ iso: '2024-06-01T12:30:15.000Z' });
  });

  it('applies offsets in every ISO-8601 spelling', () => {
    for (const text of ['2024-06-01T14:00:00+02:00', '2024-06-01T14:00:00+0200', '2024-06-01T14:00:00+02']) {
      expect(iso(text), text).toEqual({ iso: '2024-06-01T12:00:00.000Z' });
    }
    expect(iso('2024-06-01T00:30:00-05:30')).toEqual({ iso: '2024-06-01T06:00:00.000Z' });
    expect(iso('2024-06-01T00:00:00z')).toEqual({ iso: '2024-06-01T00:00:00.000Z' });
    // an offset that crosses a year boundary
    expect(iso('2024-01-01T01:00:00+03:00')).toEqual({ iso: '2023-12-31T22:00:00.000Z' });
  });

  it('keeps fractional seconds to the millisecond and refuses finer ones', () => {
    expect(iso('2024-06-01T00:00:00.5Z')).toEqual({ iso: '2024-06-01T00:00:00.500Z' });
    expect(iso('2024-06-01T00:00:00,25Z')).toEqual({ iso: '2024-06-01T00:00:00.250Z' });
    expect(iso('2024-06-01T00:00:00.123000Z')).toEqual({ iso: '2024-06-01T00:00:00.123Z' });
    expect(iso('2024-06-01T00:00:00.1234Z')).toEqual({ problem: expect.stringContaining('more precise than a millisecond') });
  });

  it('knows leap years: divisible by 4, except centuries, except every 400 years', () => {
    expect(iso('2024-02-29')).toEqual({ iso: '2024-02-29T00:00:00.000Z' });
    expect(iso('2000-02-29')).toEqual({ iso: '2000-02-29T00:00:00.000Z' });
    expect(iso('2023-02-29')).toEqual({ problem: 'is not a real date: February 2023 has 28 days' });
    expect(iso('1900-02-29')).toEqual({ problem: 'is not a real date: February 1900 has 28 days' });
    expect(iso('2024-02-30')).toEqual({ problem: 'is not a real date: February 2024 has 29 days' });
  });

  it('refuses every impossible field instead of rolling it over', () => {
    expect(iso('2024-04-31')).toEqual({ problem: 'is not a real date: April 2024 has 30 days' });
    expect(iso('2024-00-10')).toEqual({ problem: 'has month 00; months run from 01 to 12' });
    expect(iso('2024-06-00')).toEqual({ problem: 'is not a real date: June 2024 has 30 days' });
    expect(iso('2024-06-01T24:00:00Z')).toEqual({ problem: 'has hour 24; hours run from 00 to 23' });
    expect(iso('2024-06-01T12:60:00Z')).toEqual({ problem: 'has minute 60; minutes run from 00 to 59' });
    expect(iso('2024-06-01T12:00:60Z')).toEqual({ problem: 'has second 60; seconds run from 00 to 59' });
    expect(iso('2024-06-01T12:00:00+24:00')).toEqual({ problem: 'has the offset +24:00, which is not a time zone offset' });
  });

  it('refuses what is not a timestamp at all', () => {
    for (const text of ['yesterday', '2024-6-1', '06/01/2024', '1717200000', '2024-06-01T', '2024-06-01T12', '2024-06-01 T12:00', '']) {
      expect(iso(text), text).toEqual({ problem: 'is not a date or an ISO-8601 timestamp' });
    }
  });

  it('agrees with Date for every valid day of four years', () => {
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000 + 3_600_000 + 61_001) {
      const expected = new Date(t).toISOString();
      expect(iso(expected)).toEqual({ iso: expected });
    }
  });
});

describe('parseAsOf', () => {
  it('is now without --as-of', () => {
    expect(parseAsOf(undefined, new Date('2024-06-01T00:00:00Z'))).toBe('2024-06-01T00:00:00.000Z');
  });

  it('is a usage error with the accepted format as its hint', () => {
    const error = (() => {
      try {
        parseAsOf('2024-02-30');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('--as-of "2024-02-30" is not a real date: February 2024 has 29 days.');
    expect((error as UsageError).hint).toContain('quorum help as-of');
  });
});

describe('--as-of on a command that cannot honour it', () => {
  // refused before the project is read: this one does not exist
  const nowhere = '/nonexistent/quorum-as-of-project';
  it.each(['history', 'history x', 'report', 'state check', 'state verify', 'state repair --from last', 'schedule', 'test', 'init /nonexistent/quorum-as-of-init'])('quorum %s: a usage error, exit 2', async (command) => {
    const result = await cliIn(nowhere, ...command.split(' '), '--as-of', '2024-06-01');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error\[usage\]: quorum (history|report|state \w+|schedule|test|init) .*; --as-of does not apply \(/);
  });
});
