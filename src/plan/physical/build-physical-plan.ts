// Logical plan -> physical plan: the general form of the statement (initial-plan.ts), then one
// pass per decision, in order. A pass reads the plan so far and returns it with its decision
// made; adding a decision is one file and one line below.
import type { Plan } from '../plan.js';
import { initialPlan } from './initial-plan.js';
import { memberListPass } from './member-list-pass.js';
import type { PhysicalPass } from './pass-context.js';
import type { Body, PhysicalPlan } from './physical-plan.js';
import { preAggregationPass } from './pre-aggregation-pass.js';
import { quantifierStrategyPass } from './quantifier-strategy-pass.js';
import { rankedTraitsPass } from './ranked-traits-pass.js';
import { sharedScansPass } from './shared-scans-pass.js';
import { userUniversePass } from './user-universe-pass.js';

export const PASSES: readonly { readonly name: string; readonly run: PhysicalPass }[] = [
  // what a member list may skip comes first: the passes after it see which users are listed
  { name: 'member list', run: memberListPass },
  { name: 'user universe', run: userUniversePass },
  { name: 'per-user pre-aggregation', run: preAggregationPass },
  { name: 'shared scans', run: sharedScansPass },
  { name: 'ranked traits', run: rankedTraitsPass },
  { name: 'quantifier strategy', run: quantifierStrategyPass },
];

export function buildPhysicalPlan(plan: Plan, body: Body = { kind: 'members' }): PhysicalPlan {
  const ctx = { plan, body };
  return PASSES.reduce((physical, pass) => pass.run(physical, ctx), initialPlan(ctx));
}
