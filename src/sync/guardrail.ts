// The max_exit_fraction guardrail (SPEC §6): an audience that would lose more than the fraction of
// its members delivers nothing and keeps its old snapshot, until the run is repeated with
// --allow-mass-exit. A breach is data; the real run and the dry run each word it from the data.
import type { Project } from '../definitions/model.js';
import type { DefinitionCounts, SyncDefinition } from './diff-sql.js';
import type { DefinitionSummary } from './run-types.js';

export interface GuardrailBreach {
  readonly name: string;
  readonly exited: number;
  readonly previous: number;
  readonly fraction: number;
  readonly limit: number;
}

export function guardrailBreach(project: Project, d: SyncDefinition, counts: DefinitionCounts, allowMassExit: boolean): GuardrailBreach | null {
  if (d.kind !== 'audience' || allowMassExit || counts.previous === 0) return null;
  const definition = project.definitions.find((x) => x.name === d.name);
  const limit = (definition?.kind === 'audience' ? definition.maxExitFraction : null) ?? project.config.maxExitFraction;
  const fraction = counts.exited / counts.previous;
  if (fraction <= limit) return null;
  return { name: d.name, exited: counts.exited, previous: counts.previous, fraction, limit };
}

/** What the breach did (`run`) or what a real run would do (`dry-run`). */
export function breachMessage(breach: GuardrailBreach, mode: 'run' | 'dry-run'): string {
  const consequence =
    mode === 'run' ? 'nothing was delivered for it and its previous snapshot is kept' : 'a real run would deliver nothing for it and keep its previous snapshot';
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
