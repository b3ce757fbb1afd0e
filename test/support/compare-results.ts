// Compares an engine's answer with the reference evaluator's, and says exactly where they differ.
import type { DefinitionResult, TraitValue } from '../../src/reference/dataset.js';

type Value = TraitValue | Readonly<Record<string, TraitValue>> | undefined;

function closeNumber(a: number, b: number): boolean {
  if (a === b) return true;
  // Sums of decimals are exact, but a summand's rounding to 9 decimals and the total's conversion
  // to a double may differ in the last bit between engines and JavaScript; so may an avg's quotient.
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const identicalNumber = (a: number, b: number): boolean => a === b;

/**
 * Values as an engine returns them: numbers possibly as strings. Timestamps are not normalised:
 * every warehouse must give an instant the reference evaluator's text (ISO-8601 in UTC to the
 * millisecond), since that text is what the calls carry.
 */
function normalise(value: unknown): unknown {
  return value;
}

export function sameValue(a: Value, b: Value, sameNumber = closeNumber): boolean {
  const x = normalise(a ?? null);
  const y = normalise(b ?? null);
  if (typeof x === 'number' && typeof y === 'number') return sameNumber(x, y);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((item, i) => sameValue(item, y[i], sameNumber));
  if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((k) => sameValue((x as Record<string, TraitValue>)[k], (y as Record<string, TraitValue>)[k], sameNumber));
  }
  return x === y;
}

/** Every difference, as readable lines; empty when the two agree (numbers to 1e-9, as two engines or JavaScript may round). */
export function differences(expected: ReadonlyMap<string, DefinitionResult>, actual: ReadonlyMap<string, DefinitionResult>, limit = 20): string[] {
  return listDifferences(expected, actual, limit, closeNumber);
}

/**
 * Every difference between two answers of one engine, numbers compared bit for bit: an
 * incremental run and a full recomputation must agree exactly (a last-bit difference is a changed
 * trait sent for nothing).
 */
export function exactDifferences(expected: ReadonlyMap<string, DefinitionResult>, actual: ReadonlyMap<string, DefinitionResult>, limit = 20): string[] {
  return listDifferences(expected, actual, limit, identicalNumber);
}

function listDifferences(
  expected: ReadonlyMap<string, DefinitionResult>,
  actual: ReadonlyMap<string, DefinitionResult>,
  limit: number,
  sameNumber: (a: number, b: number) => boolean,
): string[] {
  const out: string[] = [];
  for (const [name, want] of expected) {
    const got = actual.get(name);
    if (!got) {
      out.push(`${name}: missing from the engine's answer`);
      continue;
    }
    if (want.kind === 'audience' && got.kind === 'audience') {
      const missing = [...want.members].filter((id) => !got.members.has(id)).sort();
      const extra = [...got.members].filter((id) => !want.members.has(id)).sort();
      if (missing.length > 0) out.push(`${name}: engine misses ${JSON.stringify(missing.slice(0, 10))}`);
      if (extra.length > 0) out.push(`${name}: engine adds ${JSON.stringify(extra.slice(0, 10))}`);
    } else if (want.kind === 'trait' && got.kind === 'trait') {
      const ids = new Set([...want.values.keys(), ...got.values.keys()]);
      for (const id of [...ids].sort()) {
        if (!want.values.has(id)) out.push(`${name}[${id}]: engine has an entity the reference does not`);
        else if (!got.values.has(id)) out.push(`${name}[${id}]: engine lacks the entity`);
        else if (!sameValue(want.values.get(id), got.values.get(id), sameNumber)) {
          out.push(`${name}[${id}]: expected ${JSON.stringify(want.values.get(id))}, engine gave ${JSON.stringify(got.values.get(id))}`);
        }
        if (out.length >= limit) return out;
      }
    } else {
      out.push(`${name}: expected a ${want.kind}, engine gave a ${got.kind}`);
    }
    if (out.length >= limit) return out;
  }
  return out;
}
