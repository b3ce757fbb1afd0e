// What every pass of the physical plan reads, and the small edits passes make to the CTE list.
import type { EventScan, Feature, Plan, PlanAudience, RankedTrait } from '../plan.js';
import { CTE } from './cte-names.js';
import { cteInput, tableInput, type Body, type PhysicalCte, type PhysicalInput, type PhysicalPlan } from './physical-plan.js';

export interface PassContext {
  readonly plan: Plan;
  readonly body: Body;
}

/** One decision: the plan so far in, the plan with that decision made out. */
export type PhysicalPass = (physical: PhysicalPlan, ctx: PassContext) => PhysicalPlan;

function named<T extends { readonly name: string }>(items: readonly T[], name: string, what: string): T {
  const found = items.find((i) => i.name === name);
  if (found === undefined) throw new Error(`internal error: the plan has no ${what} "${name}"`);
  return found;
}

export const scanNamed = (plan: Plan, name: string): EventScan => named(plan.scans, name, 'scan');
export const rankedNamed = (plan: Plan, name: string): RankedTrait => named(plan.ranked, name, 'ranked trait');
export const audienceNamed = (plan: Plan, name: string): PlanAudience => named(plan.audiences, name, 'audience');

export function featureNamed(plan: Plan, column: string): Feature {
  const found = plan.features.find((f) => f.column === column);
  if (found === undefined) throw new Error(`internal error: the plan has no feature "${column}"`);
  return found;
}

/**
 * What reading a source table takes: the table, and with identity stitching the identity CTE
 * (lower-identity.ts reads through it unless the catalog knows the table has no anonymous id).
 */
export function sourceInputs(plan: Plan, table: string): PhysicalInput[] {
  const identity = plan.identity;
  if (identity === null) return [tableInput(table)];
  const known = identity.tableColumns[table];
  if (known !== undefined && !known.includes(plan.layout.columns.anonymousId)) return [tableInput(table)];
  return [tableInput(table), cteInput(CTE.identityOwners)];
}

/** Inputs without repeats, in first-seen order. */
export function distinctInputs(inputs: readonly PhysicalInput[]): PhysicalInput[] {
  const seen = new Set<string>();
  return inputs.filter((i) => {
    const key = `${i.kind}:${i.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function withCtes(physical: PhysicalPlan, ctes: readonly PhysicalCte[]): PhysicalPlan {
  return { ...physical, ctes };
}

/** The plan's CTEs with `name` replaced by `replacement` (nothing: removed). */
export function replaceCte(ctes: readonly PhysicalCte[], name: string, ...replacement: PhysicalCte[]): PhysicalCte[] {
  const at = ctes.findIndex((c) => c.name === name);
  if (at < 0) throw new Error(`internal error: the physical plan has no CTE "${name}"`);
  return [...ctes.slice(0, at), ...replacement, ...ctes.slice(at + 1)];
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
