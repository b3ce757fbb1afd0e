// Computed traits in the reference evaluator (SPEC §3): each compute kind over the events of one
// entity, with plain loops. Ties go to the smaller id (first / last) or the smaller value.
import type { ComputedTraitDefinition } from '../definitions/model.js';
import type { LogicalType } from '../warehouse/catalog.js';
import type { TraitValue } from './dataset.js';
import { idWins, type LiveRow } from './source-rows.js';
import { compareValues, finiteOrNull, formatInstant, toComparable, toInstant, type Comparable } from './values.js';

/** One computed trait's value over one entity's events (SPEC §3), `type` the property's type. */
export function aggregateEvents(definition: ComputedTraitDefinition, events: readonly LiveRow[], type: LogicalType, idColumn: string): TraitValue {
  if (definition.compute === 'count') return events.length;
  const property = definition.property!;
  const output = (value: unknown): TraitValue => {
    if (value === null || value === undefined) return null;
    if (type === 'timestamp') return formatInstant(toInstant(value));
    if (typeof value === 'bigint') return Number(value);
    return value as TraitValue;
  };
  const present = events.map((e) => finiteOrNull(e.row[property])).filter((v) => v !== null && v !== undefined);
  const comparable = (value: unknown): Comparable => toComparable(value, type);

  switch (definition.compute) {
    case 'sum':
    case 'avg': {
      // As the warehouse adds them (src/sql/exact-sum.ts): in billionths, exactly.
      const summands = present.map((value) => billionths(value, type)).filter((b): b is bigint => b !== null);
      if (definition.compute === 'avg' && summands.length === 0) return null;
      const total = fromBillionths(summands.reduce((a, b) => a + b, 0n));
      return definition.compute === 'sum' ? total : total / summands.length;
    }
    case 'min':
    case 'max': {
      let best: unknown = null;
      for (const value of present) {
        if (best === null) {
          best = value;
          continue;
        }
        const order = compareValues(comparable(value), comparable(best));
        if (definition.compute === 'min' ? order < 0 : order > 0) best = value;
      }
      return output(best);
    }
    case 'most_frequent': {
      const counts = new Map<Comparable, { value: unknown; count: number }>();
      for (const value of present) {
        const key = comparable(value);
        const entry = counts.get(key) ?? { value, count: 0 };
        entry.count += 1;
        counts.set(key, entry);
      }
      let best: { key: Comparable; value: unknown; count: number } | null = null;
      for (const [key, entry] of counts) {
        if (entry.count < definition.minFrequency) continue;
        if (
          best === null ||
          entry.count > best.count ||
          (entry.count === best.count && compareValues(key, best.key) < 0)
        ) {
          best = { key, ...entry };
        }
      }
      return best === null ? null : output(best.value);
    }
    case 'first':
    case 'last': {
      let chosen: LiveRow | null = null;
      for (const live of events) {
        if (chosen === null) {
          chosen = live;
          continue;
        }
        const timeOrder = live.time - chosen.time;
        const better =
          (definition.compute === 'first' ? timeOrder < 0 : timeOrder > 0) ||
          (timeOrder === 0 && idWins(live.row[idColumn], chosen.row[idColumn], 'smaller'));
        if (better) chosen = live;
      }
      return chosen === null ? null : output(finiteOrNull(chosen.row[property]));
    }
    case 'unique_list':
    case 'unique_count': {
      const distinct = new Map<Comparable, unknown>();
      for (const value of present) {
        const key = comparable(value);
        if (!distinct.has(key)) distinct.set(key, value);
      }
      if (definition.compute === 'unique_count') return distinct.size;
      const keys = [...distinct.keys()].sort(compareValues);
      return keys.map((key) => output(distinct.get(key)) as string | number | boolean);
    }
    default:
      throw new Error(`unknown compute kind ${definition.compute as string}`);
  }
}

const SUMMAND_LIMIT = 1e18;

/**
 * A summand in billionths: an integer exactly, any other number rounded to 9 decimals (half away
 * from zero, as the warehouses cast a double to DECIMAL(38, 9)); null for what the warehouse leaves
 * out (NaN, the infinities, magnitudes of 10^18 and more).
 */
function billionths(value: unknown, type: LogicalType): bigint | null {
  if (typeof value === 'bigint') return value * 1_000_000_000n;
  const n = toComparable(value, type) as number;
  // an integer column is summed as it is, whatever its magnitude (exact-sum.ts)
  if (type === 'integer' && Number.isInteger(n)) return BigInt(n) * 1_000_000_000n;
  if (!(n > -SUMMAND_LIMIT && n < SUMMAND_LIMIT)) return null;
  // toFixed gives the exact decimal nearest the double below 10^21, so no digit comes from rounding twice.
  return BigInt(n.toFixed(9).replace('.', ''));
}

/** The double nearest a total in billionths (what CAST(total AS DOUBLE) gives). */
function fromBillionths(total: bigint): number {
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(10, '0');
  return Number(`${negative ? '-' : ''}${digits.slice(0, -9)}.${digits.slice(-9)}`);
}
