// `quorum explain --plan`: the physical plan of a definition's member list, the statement that
// `quorum members` and `quorum run` send (no warehouse needed).
import { buildPhysicalPlan } from '../plan/physical/build-physical-plan.js';
import type { PhysicalPlan } from '../plan/physical/physical-plan.js';
import { planFor, type CompileOptions } from './evaluate.js';

export function physicalPlanOf(options: CompileOptions): PhysicalPlan {
  return buildPhysicalPlan(planFor(options), { kind: 'members' });
}
