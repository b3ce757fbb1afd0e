// What changed between two evaluations of the same definitions: who entered and exited each
// audience, which entities' trait values changed. It follows `quorum run`'s rules (SPEC §6): a
// definition without a previous evaluation is diffed against an empty snapshot, so its first
// run enters every member; a trait value that disappears becomes null; values are compared as
// their JSON text, as the state tables store them.
//
// TODO(sync): `quorum run` diffs snapshots in the warehouse (src/sync). When that diff can run
// on two in-memory results, time-travel steps should call it instead of this module, so that
// the tests prove the very logic that runs in production.
import type { DefinitionResult, TraitValue } from '../reference/dataset.js';

export type ResultValue = TraitValue | Readonly<Record<string, TraitValue>>;

export type DefinitionChange =
  | { readonly kind: 'audience'; readonly entered: readonly string[]; readonly exited: readonly string[] }
  | {
      readonly kind: 'trait';
      /** Entities whose value changed, with the value before (null when there was none) and after. */
      readonly changed: ReadonlyMap<string, { readonly before: ResultValue; readonly after: ResultValue }>;
    };

export type Results = ReadonlyMap<string, DefinitionResult>;

/** The changes of every definition of `next`; `previous` null (or missing a definition) is the first run. */
export function diffResults(previous: Results | null, next: Results): Map<string, DefinitionChange> {
  const changes = new Map<string, DefinitionChange>();
  for (const [name, result] of next) {
    const before = previous?.get(name);
    if (result.kind === 'audience') {
      const old = before?.kind === 'audience' ? before.members : new Set<string>();
      changes.set(name, {
        kind: 'audience',
        entered: sortIds([...result.members].filter((id) => !old.has(id))),
        exited: sortIds([...old].filter((id) => !result.members.has(id))),
      });
      continue;
    }
    const old = before?.kind === 'trait' ? before.values : new Map<string, ResultValue>();
    const changed = new Map<string, { before: ResultValue; after: ResultValue }>();
    for (const id of sortIds(new Set([...old.keys(), ...result.values.keys()]))) {
      const a = old.get(id) ?? null;
      const b = result.values.get(id) ?? null;
      if (canonicalJson(a) !== canonicalJson(b)) changed.set(id, { before: a, after: b });
    }
    changes.set(name, { kind: 'trait', changed });
  }
  return changes;
}

/** JSON text with object keys sorted, so that equal values have equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Ids in a stable, human order: numeric parts compare as numbers (u2 before u10). */
export function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0));
}
