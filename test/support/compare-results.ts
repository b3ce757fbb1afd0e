// Compares an engine's answer with the reference evaluator's, and says exactly where they differ.
import type { DefinitionResult, TraitValue } from '../../src/reference/dataset.js';

type Value = TraitValue | Readonly<Record<string, TraitValue>> | undefined;

function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  // avg and sums of decimals may differ in the last bits between engines and JavaScript
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Values as an engine returns them: timestamps as text, numbers possibly as strings. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(value)) {
    const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
    const time = Date.parse(iso.endsWith('Z') || /[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(time)) return `ts:${time}`;
  }
  return value;
}

export function sameValue(a: Value, b: Value): boolean {
  const x = normalise(a ?? null);
  const y = normalise(b ?? null);
  if (typeof x === 'number' && typeof y === 'number') return sameNumber(x, y);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((item, i) => sameValue(item, y[i]));
  if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((k) => sameValue((x as Record<string, TraitValue>)[k], (y as Record<string, TraitValue>)[k]));
  }
  return x === y;
}

/** Every difference, as readable lines; empty when the two agree. */
export function differences(expected: ReadonlyMap<string, DefinitionResult>, actual: ReadonlyMap<string, DefinitionResult>, limit = 20): string[] {
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
        else if (!sameValue(want.values.get(id), got.values.get(id))) {
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
