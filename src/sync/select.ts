// Which definitions a run evaluates: names and --select patterns (globs with `*` and `?`, as dbt's
// node selection matches names); none means every definition of the project.
import type { Project } from '../definitions/model.js';
import { unknownDefinition } from '../definitions/unknown-definition.js';
import { DiagnosticsError } from '../diagnostics/diagnostic.js';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

export function selectDefinitions(project: Project, patterns: readonly string[]): string[] {
  const names = project.definitions.map((d) => d.name);
  if (patterns.length === 0) return names;
  const chosen = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const re = globToRegExp(pattern);
    const hits = names.filter((n) => re.test(n));
    if (hits.length === 0) unmatched.push(pattern);
    for (const hit of hits) chosen.add(hit);
  }
  if (unmatched.length > 0) {
    throw new DiagnosticsError(
      unmatched.map((p) => unknownDefinition(project, p, { pattern: true })),
    );
  }
  return names.filter((n) => chosen.has(n));
}
