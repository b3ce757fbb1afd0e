// Audiences that depend on themselves through in_audience / not_in_audience. The one cycle
// search of quorum: validation reports what it finds, and planning refuses a project with any.
import { assertNever } from '../../diagnostics/assert-never.js';
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { AudienceDefinition, Condition, Definition, SourceLocation } from '../model.js';
import { DefinitionIndex } from '../resolve.js';

interface Edge {
  readonly from: AudienceDefinition;
  readonly to: AudienceDefinition;
  readonly loc: SourceLocation;
}

function audienceEdges(from: AudienceDefinition, condition: Condition, index: DefinitionIndex, out: Edge[]): void {
  switch (condition.kind) {
    case 'all':
    case 'any':
      for (const child of condition.children) audienceEdges(from, child, index, out);
      return;
    case 'not':
      audienceEdges(from, condition.child, index, out);
      return;
    case 'quantifier':
      audienceEdges(from, condition.condition, index, out);
      return;
    case 'in_audience': {
      const to = index.audience(condition.audience);
      if (to) out.push({ from, to, loc: condition.loc });
      return;
    }
    case 'trait':
    case 'performed':
    case 'funnel':
      return;
    default:
      assertNever(condition, 'condition');
  }
}

/** One diagnostic per cycle, each reported once, starting at its alphabetically first audience. */
export function audienceCycles(definitions: readonly Definition[], index = new DefinitionIndex(definitions)): Diagnostic[] {
  const out = new Map<AudienceDefinition, Edge[]>();
  for (const d of definitions) {
    if (d.kind !== 'audience') continue;
    const edges: Edge[] = [];
    audienceEdges(d, d.where, index, edges);
    out.set(d, edges);
  }
  const found: Diagnostic[] = [];
  const seen = new Set<string>();
  const state = new Map<AudienceDefinition, 'open' | 'done'>();
  const stack: Edge[] = [];
  const visit = (node: AudienceDefinition): void => {
    state.set(node, 'open');
    for (const edge of out.get(node) ?? []) {
      const status = state.get(edge.to);
      if (status === 'open') {
        const start = stack.findIndex((e) => e.from === edge.to);
        const cycle = cycleDiagnostic([...(start >= 0 ? stack.slice(start) : []), edge], seen);
        if (cycle) found.push(cycle);
      } else if (status === undefined) {
        stack.push(edge);
        visit(edge.to);
        stack.pop();
      }
    }
    state.set(node, 'done');
  };
  for (const d of out.keys()) if (!state.has(d)) visit(d);
  return found;
}

function cycleDiagnostic(cycle: Edge[], seen: Set<string>): Diagnostic | null {
  let first = 0;
  cycle.forEach((e, i) => {
    if (e.from.name < cycle[first].from.name) first = i;
  });
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  const key = rotated.map((e) => e.from.name).join(' -> ');
  if (seen.has(key)) return null;
  seen.add(key);
  const steps = rotated.map((e) => ({ from: e.from.name, to: e.to.name, loc: e.loc }));
  return diagnostic('cycle', { audience: rotated[0].from.name, steps }, rotated[0].loc);
}
