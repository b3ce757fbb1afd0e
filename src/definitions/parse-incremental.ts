// quorum.yml `incremental:` and `source.arrival_time` (SPEC §6.1): how a run finds the rows that are
// new to it, and when it reconciles with a full recomputation instead.
import type { IncrementalConfig } from './model.js';
import { COLUMN_PATTERN, parseDuration, readBoolean, scalarOf } from './parse-values.js';
import { describe, truncate, type MapEntry, type YamlFile } from './yaml-source.js';

export const INCREMENTAL_KEYS = ['enabled', 'arrival_lag', 'full_every', 'verify_every'] as const;

/** An hour covers a loader that writes rows up to an hour out of order (docs/operating.md, "Choosing arrival_lag"). */
export const DEFAULT_ARRIVAL_LAG_SECONDS = 3600;

export const INCREMENTAL_DEFAULTS: IncrementalConfig = {
  enabled: false,
  arrivalLagSeconds: DEFAULT_ARRIVAL_LAG_SECONDS,
  fullEverySeconds: null,
  verifyEverySeconds: null,
};

/** `incremental: { enabled, arrival_lag, full_every, verify_every }`; every key optional. Null after a diagnostic. */
export function parseIncremental(y: YamlFile, entry: MapEntry | undefined): IncrementalConfig | null {
  if (!entry || y.isNull(entry.value)) return INCREMENTAL_DEFAULTS;
  const entries = y.map(entry.value, entry.valueLoc, '"incremental"', 'arrival_lag: 1h, full_every: 7d, verify_every: 1d');
  if (!entries) return null;
  y.checkKeys(entries, INCREMENTAL_KEYS, '"incremental"');
  const enabledEntry = entries.get('enabled');
  const enabled = enabledEntry ? readBoolean(y, enabledEntry, '"incremental"') : INCREMENTAL_DEFAULTS.enabled;
  const lag = readDurationSetting(y, entries.get('arrival_lag'), true);
  const fullEvery = readDurationSetting(y, entries.get('full_every'), false);
  const verifyEvery = readDurationSetting(y, entries.get('verify_every'), false);
  if (enabled === null || lag === null || fullEvery === null || verifyEvery === null) return null;
  return {
    enabled,
    arrivalLagSeconds: lag === undefined ? DEFAULT_ARRIVAL_LAG_SECONDS : lag,
    fullEverySeconds: fullEvery ?? null,
    verifyEverySeconds: verifyEvery ?? null,
    loc: enabledEntry?.keyLoc ?? entry.keyLoc,
  };
}

/**
 * A duration such as 1h or 7d; undefined when absent, null after a diagnostic. `arrival_lag` may be
 * 0 (a loader that writes in arrival order); the schedules must be positive.
 */
function readDurationSetting(y: YamlFile, entry: MapEntry | undefined, zeroAllowed: boolean): number | undefined | null {
  if (!entry) return undefined;
  const value = scalarOf(entry.value);
  if (typeof value === 'number' && value === 0 && zeroAllowed) return 0;
  // a zero where only a positive duration will do: said as such, not as a missing unit
  if (!zeroAllowed && ((typeof value === 'number' && value === 0) || (typeof value === 'string' && /^\s*0+\s*[smhdw]?\s*$/.test(value)))) {
    const problem = `is ${describe(entry.value)}, but it must be longer than zero (leave it out for the default)`;
    return y.error('invalid_value', { form: 'rule', what: `"incremental": "${entry.key}"`, problem, fix: 'write a positive whole number and a unit, e.g. 1h or 7d' }, entry.valueLoc);
  }
  if (typeof value !== 'string') {
    const fix = typeof value === 'number' ? `add a unit: ${value}s, ${value}m, ${value}h or ${value}d` : 'write a whole number and a unit: s, m, h, d or w, e.g. 1h';
    return y.error('wrong_type', { form: 'expected', what: '"incremental"', key: entry.key, expected: 'a duration such as 1h', found: describe(entry.value), fix }, entry.valueLoc);
  }
  if (zeroAllowed && /^\s*0\s*[smhdw]?\s*$/.test(value)) return 0;
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    return y.error('invalid_value', { form: 'rule', what: `"incremental": "${entry.key}"`, problem: `is "${truncate(value)}", which is not a duration`, fix: 'write a whole number and a unit: s, m, h, d or w, e.g. 1h or 7d' }, entry.valueLoc);
  }
  return parsed.seconds;
}

/** `source.arrival_time`: one column name; absent: the preset's choice per table (source-layout.ts). */
export function readArrivalTime(y: YamlFile, entry: MapEntry | undefined): string | undefined | null {
  if (!entry) return undefined;
  const value = scalarOf(entry.value);
  if (typeof value !== 'string') {
    return y.error('wrong_type', { form: 'expected', what: '"source"', key: 'arrival_time', expected: 'a column name', found: describe(entry.value), fix: 'name the column that records when a row was loaded, e.g. uuid_ts' }, entry.valueLoc);
  }
  if (!COLUMN_PATTERN.test(value)) {
    return y.error('invalid_value', { form: 'rule', what: '"source": "arrival_time"', problem: `is "${truncate(value)}", which is not a plain column name`, fix: 'use letters, digits and underscores, e.g. uuid_ts or loaded_at' }, entry.valueLoc);
  }
  return value;
}
