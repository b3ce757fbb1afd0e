// A definition's dependency hash (SPEC §6.1): the definition together with every definition and
// quorum.yml key it depends on (the source layout with event_time and arrival_time, identity
// stitching) and the state format version. A run whose hash differs from the one the committed
// snapshot was computed with runs full, since partials kept under the old meaning are worthless.
//
// What cannot change an answer is left out, so that it does not force a full run: where a
// definition is written (file, line), its description, its destinations, its schedule and its
// max_exit_fraction.
import { createHash } from 'node:crypto';
import { conditionReferences } from '../definitions/condition-references.js';
import type { Definition, Project } from '../definitions/model.js';
import { IDENTITY_OFF } from '../definitions/parse-identity.js';

const IRRELEVANT = new Set(['loc', 'description', 'sync', 'schedule', 'maxExitFraction']);

/** The definition and every definition it reaches through trait and audience references, by name. */
export function dependencyClosure(project: Project, name: string): Definition[] {
  const byName = new Map<string, Definition[]>();
  for (const d of project.definitions) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const seen = new Set<string>();
  const pending = [name];
  const out: Definition[] = [];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const d of byName.get(next) ?? []) {
      out.push(d);
      if (d.kind !== 'audience') continue;
      const refs = new Set<string>();
      conditionReferences(d.where, refs);
      pending.push(...refs);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.level.localeCompare(b.level) || a.kind.localeCompare(b.kind));
}

/** JSON with object keys sorted and the keys that cannot change an answer dropped. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key, v]) => !IRRELEVANT.has(key) && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, v]) => [key, canonical(v)]));
}

export function dependencyHash(project: Project, name: string, stateFormatVersion: number): string {
  const { source, identity } = project.config;
  const text = JSON.stringify(
    canonical({
      stateFormatVersion,
      source,
      identity: identity ?? IDENTITY_OFF,
      definitions: dependencyClosure(project, name),
    }),
  );
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
