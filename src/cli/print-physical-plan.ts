// `quorum explain --plan` for a person: the statement's CTEs in order, each with its kind and
// strategy, what it reads and why the strategy applies.
import type { IncrementalDecisions } from '../plan/physical/incremental-pass.js';
import type { PhysicalPlan } from '../plan/physical/physical-plan.js';
import { gatesText } from '../plan/physical/read-gate.js';

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
  if (plan.incremental !== undefined) lines.push(...incrementalLines(plan.incremental));
  return `${lines.join('\n')}\n`;
}

function incrementalLines(decisions: IncrementalDecisions): string[] {
  const state = decisions.enabled ? 'on' : 'off (incremental.enabled: false)';
  const lines = [`incremental runs: ${state}; without a warehouse, each table is taken to have its arrival column`];
  for (const d of decisions.parts) {
    lines.push(`  ${d.part}  [${d.kind === 'partials' ? `partials, grain ${d.grain! % 86_400 === 0 ? `${d.grain! / 86_400} day` : `${d.grain} s`}` : 'recomputed each run'}]`);
    lines.push(`    why: ${d.reason}`);
  }
  lines.push(`  definitions: ${decisions.definitions.map((d) => (d.mode === 'incremental' ? `${d.name} incremental` : `${d.name} full (${d.reasons.join('; ')})`)).join('; ')}`);
  lines.push(`  entities recomputed: ${decisions.scopes.map((s) => `${s.name} ${s.covers} (${s.reason})`).join('; ')}`);
  lines.push(`  shared parts read: ${decisions.shared.map((r) => `${r.part} ${r.keys === 'all' ? `all (${r.reason})` : `${r.keys} only`}`).join('; ')}`);
  lines.push(`  users read: ${decisions.reads.map((r) => `${r.scan} ${r.users === 'all' ? `all (${r.reason})` : `${r.users} only`}`).join('; ')}`);
  const gates = gatesText([...decisions.shared.map((r) => ({ name: r.part, gate: r.gate })), ...decisions.reads.map((r) => ({ name: r.scan, gate: r.gate }))]);
  if (gates !== null) lines.push(`  ${gates}`);
  return lines;
}

export function printPhysicalPlan(name: string, plan: PhysicalPlan): void {
  process.stdout.write(physicalPlanText(name, plan));
}
