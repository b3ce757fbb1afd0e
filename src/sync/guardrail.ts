// The max_exit_fraction guardrail (SPEC §6): an audience that would lose more than the fraction of
// its members delivers nothing and keeps its old snapshot, until the run is repeated with
// --allow-mass-exit. A breach is data; the real run and the dry run each word it from the data.
import { conditionReferences } from '../definitions/condition-references.js';
import type { Project } from '../definitions/model.js';
import type { DefinitionCounts, SyncDefinition } from './diff-sql.js';
import type { DefinitionSummary } from './run-types.js';

export type GuardrailBreach =
  | { readonly kind: 'exits'; readonly name: string; readonly exited: number; readonly previous: number; readonly fraction: number; readonly limit: number }
  /** An audience that reads a blocked one (in_audience / not_in_audience), blocked with it. */
  | { readonly kind: 'reads_blocked'; readonly name: string; readonly blocked: string };

/**
 * Every breach of a run's definitions. An audience that reads a blocked audience is blocked too:
 * it was evaluated against the membership the guardrail refused, which destinations never hear
 * of, so its calls would contradict what they were told (users in both `power_users` and
 * `not_in_audience: power_users`). Blocking is transitive.
 */
export function guardrailBreaches(project: Project, definitions: readonly SyncDefinition[], counts: ReadonlyMap<string, DefinitionCounts>, allowMassExit: boolean): Map<string, GuardrailBreach> {
  const breaches = new Map<string, GuardrailBreach>();
  for (const d of definitions) {
    const breach = guardrailBreach(project, d, counts.get(d.name)!, allowMassExit);
    if (breach !== null) breaches.set(d.name, breach);
  }
  for (let grew = breaches.size > 0; grew; ) {
    grew = false;
    for (const d of definitions) {
      const definition = project.definitions.find((x) => x.name === d.name);
      if (breaches.has(d.name) || definition?.kind !== 'audience') continue;
      const reads = new Set<string>();
      conditionReferences(definition.where, reads);
      const blocked = [...reads].find((name) => breaches.has(name));
      if (blocked === undefined) continue;
      breaches.set(d.name, { kind: 'reads_blocked', name: d.name, blocked });
      grew = true;
    }
  }
  return breaches;
}

export function guardrailBreach(project: Project, d: SyncDefinition, counts: DefinitionCounts, allowMassExit: boolean): GuardrailBreach | null {
  if (d.kind !== 'audience' || allowMassExit || counts.previous === 0) return null;
  const definition = project.definitions.find((x) => x.name === d.name);
  const limit = (definition?.kind === 'audience' ? definition.maxExitFraction : null) ?? project.config.maxExitFraction;
  const fraction = counts.exited / counts.previous;
  if (fraction <= limit) return null;
  return { kind: 'exits', name: d.name, exited: counts.exited, previous: counts.previous, fraction, limit };
}

/** What the breach did (`run`) or what a real run would do (`dry-run`). */
export function breachMessage(breach: GuardrailBreach, mode: 'run' | 'dry-run'): string {
  const consequence =
    mode === 'run' ? 'nothing was delivered for it and its previous snapshot is kept' : 'a real run would deliver nothing for it and keep its previous snapshot';
  if (breach.kind === 'reads_blocked') {
    return `audience "${breach.name}" reads audience "${breach.blocked}", which the guardrail blocked, and is blocked with it; ${consequence}`;
  }
  return (
    `audience "${breach.name}" would lose ${breach.exited} of its ${breach.previous} members (${(breach.fraction * 100).toFixed(1)}%), ` +
    `more than max_exit_fraction ${breach.limit}; ${consequence}`
  );
}

/**
 * One definition's line of the run's output. A blocked definition keeps its old snapshot, so a real
 * run reports its previous size; a dry run reports the size it found.
 */
export function definitionSummary(counts: DefinitionCounts, breach: GuardrailBreach | null, mode: 'run' | 'dry-run'): Omit<DefinitionSummary, 'name'> {
  return {
    size: breach && mode === 'run' ? counts.previous : counts.size,
    entered: counts.entered,
    exited: counts.exited,
    changed: counts.changed,
    status: breach ? 'blocked' : 'ok',
    ...(breach ? { message: breachMessage(breach, mode) } : {}),
  };
}
