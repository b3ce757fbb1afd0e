// `quorum explain --plan` for a person: the statement's CTEs in order, each with its kind and
// strategy, what it reads and why the strategy applies.
import type { PhysicalPlan } from '../plan/physical/physical-plan.js';

export function physicalPlanText(name: string, plan: PhysicalPlan): string {
  const width = String(plan.ctes.length).length;
  const lines = [`physical plan of ${name} as of ${plan.asOf}: ${plan.ctes.length} CTEs, then the member list`];
  plan.ctes.forEach((cte, i) => {
    const reads = cte.inputs.map((input) => (input.kind === 'table' ? `${input.name} (table)` : input.name));
    lines.push(`${String(i + 1).padStart(width)}. ${cte.name}  [${cte.kind}: ${cte.strategy}]`);
    lines.push(`${' '.repeat(width + 2)}reads: ${reads.length === 0 ? 'nothing' : reads.join(', ')}`);
    lines.push(`${' '.repeat(width + 2)}why: ${cte.reason}`);
  });
  lines.push(`outputs: ${plan.outputs.map((o) => `${o.name} (${o.kind}, ${o.level}) from ${o.cte}`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}

export function printPhysicalPlan(name: string, plan: PhysicalPlan): void {
  process.stdout.write(physicalPlanText(name, plan));
}
