// What the diff and the outbox need to know about each compiled definition: its kind and level,
// its computation id, and the destinations it syncs to as quorum.yml configures them.
import type { Definition, Project } from '../definitions/model.js';
import type { Plan } from '../plan/plan.js';
import { computationId } from './calls.js';
import type { ResolvedTarget, SyncDefinition } from './diff-sql.js';

function resolveTargets(project: Project, definition: Definition): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (const target of definition.sync) {
    const config = project.config.destinations[target.to];
    if (!config) continue; // `quorum validate` reports it; nothing to send it to
    out.push({
      destination: target.to,
      calls: target.calls,
      trackEvents: target.trackEvents,
      groupIdentity: config.type === 'segment' ? config.groupIdentity : 'anonymous',
    });
  }
  return out;
}

export function syncDefinitions(project: Project, plan: Plan): SyncDefinition[] {
  const byName = new Map(project.definitions.map((d) => [d.name, d]));
  const out: SyncDefinition[] = [];
  for (const output of plan.outputs) {
    const d = byName.get(output.name);
    if (!d) continue;
    const columns = output.kind === 'trait' ? output.columns.map((c) => c.name) : [];
    out.push({
      name: d.name,
      kind: d.kind === 'audience' ? 'audience' : 'trait',
      level: d.level,
      multiColumn: columns.length > 1,
      ...(columns.length > 1 ? { columnNames: columns } : {}),
      computationId: computationId(d),
      targets: resolveTargets(project, d),
    });
  }
  return out;
}
