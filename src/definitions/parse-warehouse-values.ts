// `warehouse.connect_timeout` (SPEC §8), read for every warehouse type.
import { scalarOf } from './parse-values.js';
import { describe, type MapEntry, type YamlFile } from './yaml-source.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
/** Longer than an hour is a hang, not a timeout. */
const MAX_MS = 3_600_000;

/**
 * `warehouse.connect_timeout`: how long connecting may take before quorum gives up and names the
 * cause. A number of seconds, or a duration such as 30s, 500ms, 2m. In ms, or null after a diagnostic.
 */
export function readConnectTimeout(y: YamlFile, entry: MapEntry): number | null {
  const value = scalarOf(entry.value);
  let ms: number | null = null;
  if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  }
  if (ms === null || !Number.isFinite(ms) || ms <= 0 || ms > MAX_MS) {
    const fix = 'write a number of seconds or a duration such as 30s, 500ms or 2m (the default is 30s)';
    return y.error('invalid_value', { form: 'rule', what: '"warehouse": "connect_timeout"', problem: `is ${describe(entry.value)}, not a time between 1 ms and 1 hour`, fix }, entry.valueLoc);
  }
  return Math.round(ms);
}

