// `quorum explain --plan`: the physical plan of a definition's member list, the statement that
// `quorum members` and `quorum run` send (no warehouse needed).
import { buildPhysicalPlan } from '../plan/physical/build-physical-plan.js';
import { incrementalDecisions, offlineIncrementalPass } from '../plan/physical/incremental-pass.js';
import type { PhysicalPlan } from '../plan/physical/physical-plan.js';
import { planFor, type CompileOptions } from './evaluate.js';

/** With the incremental pass's decisions: what a run keeps in state, at what grain, and why. */
export function physicalPlanOf(options: CompileOptions): PhysicalPlan {
  const plan = planFor(options);
  const enabled = options.project.config.incremental?.enabled ?? false;
  return { ...buildPhysicalPlan(plan, { kind: 'members' }), incremental: incrementalDecisions(offlineIncrementalPass(plan), enabled) };
}
