// Which definitions a run evaluates: names and --select patterns, read as dbt reads its node
// selection (SPEC §7); none means every definition of the project.
//
//   at_risk_accounts, at_risk_*     names, with the globs * and ?
//   path:audiences/churn.yml        a definition file, or every definition under a folder (path:traits)
//   kind:audience                   kind:computed_trait, kind:sql_trait (dbt's resource_type:)
//   level:account                   level:user
//   +name, name+, 2+name, name+1    with what it depends on (upstream), with what depends on it
//                                   (downstream), to that many steps
//   @name                           with everything downstream and everything that depends on
//   a,b                             what both select (dbt's intersection)
//
// Several patterns select what any of them selects (dbt's union). An audience depends on the
// audiences it names (in_audience) and the traits it compares (trait:), by name at either level,
// since a quantifier reads users' traits in an account audience.
import { conditionReferences } from '../definitions/condition-references.js';
import type { Definition, Project } from '../definitions/model.js';
import { unknownDefinition } from '../definitions/unknown-definition.js';
import { DiagnosticsError } from '../diagnostics/diagnostic.js';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

/** Upstream (what each definition depends on) and downstream (what depends on it), by name. */
function dependencyGraph(definitions: readonly Definition[]): { up: Map<string, Set<string>>; down: Map<string, Set<string>> } {
  const names = new Set(definitions.map((d) => d.name));
  const up = new Map<string, Set<string>>();
  const down = new Map<string, Set<string>>();
  for (const name of names) {
    up.set(name, new Set());
    down.set(name, new Set());
  }
  for (const d of definitions) {
    if (d.kind !== 'audience') continue;
    const named = new Set<string>();
    conditionReferences(d.where, named);
    for (const other of named) {
      if (!names.has(other) || other === d.name) continue;
      up.get(d.name)!.add(other);
      down.get(other)!.add(d.name);
    }
  }
  return { up, down };
}

/** `start` and what `edges` reach from it in at most `depth` steps (all of it when depth is null). */
function reach(start: Iterable<string>, edges: Map<string, Set<string>>, depth: number | null): Set<string> {
  const found = new Set(start);
  let frontier = [...found];
  for (let step = 0; frontier.length > 0 && (depth === null || step < depth); step += 1) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const other of edges.get(name) ?? []) {
        if (!found.has(other)) {
          found.add(other);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return found;
}

const METHODS = ['path', 'kind', 'level'] as const;

/** Whether a project-relative file is what `path:<value>` names: the file, a glob of files, or a folder above it. */
export function pathSelects(value: string, file: string): boolean {
  const folder = value.replace(/\/+$/, '');
  return globToRegExp(value).test(file) || file.startsWith(`${folder}/`);
}

/** The names one selector (no comma) picks, before its graph operators. */
function matchBase(definitions: readonly Definition[], base: string): string[] {
  const colon = base.indexOf(':');
  const method = colon > 0 ? base.slice(0, colon) : null;
  if (method !== null && (METHODS as readonly string[]).includes(method)) {
    const value = base.slice(colon + 1);
    const re = globToRegExp(value);
    return definitions
      .filter((d) => {
        switch (method as (typeof METHODS)[number]) {
          case 'path':
            return pathSelects(value, d.loc.file);
          case 'kind':
            return re.test(d.kind);
          case 'level':
            return re.test(d.level);
          default:
            return false;
        }
      })
      .map((d) => d.name);
  }
  const re = globToRegExp(base);
  return definitions.filter((d) => re.test(d.name)).map((d) => d.name);
}

/** One selector with its graph operators: `+x`, `x+`, `2+x+1`, `@x`. */
function matchSelector(definitions: readonly Definition[], graph: ReturnType<typeof dependencyGraph>, selector: string): Set<string> {
  const at = selector.startsWith('@');
  let rest = at ? selector.slice(1) : selector;
  const upstream = /^(\d*)\+/.exec(rest);
  if (upstream) rest = rest.slice(upstream[0].length);
  const downstream = /\+(\d*)$/.exec(rest);
  if (downstream) rest = rest.slice(0, -downstream[0].length);
  const base = matchBase(definitions, rest);
  if (at) return reach(reach(base, graph.down, null), graph.up, null);
  const depth = (digits: string) => (digits === '' ? null : Number(digits));
  const chosen = new Set(base);
  if (upstream) for (const name of reach(base, graph.up, depth(upstream[1]))) chosen.add(name);
  if (downstream) for (const name of reach(base, graph.down, depth(downstream[1]))) chosen.add(name);
  return chosen;
}

/**
 * What one --select pattern (a selector, or selectors joined by commas for what all of them
 * select) picks among the project's definitions, by name; the dependency graph is built once.
 * `quorum test --select` picks the cases that expect these.
 */
export function definitionSelector(project: Project): (pattern: string) => ReadonlySet<string> {
  const graph = dependencyGraph(project.definitions);
  return (pattern) => {
    const parts = pattern.split(',').filter((p) => p !== '');
    const matches = parts.map((part) => matchSelector(project.definitions, graph, part));
    return new Set(matches.length === 0 ? [] : [...matches[0]].filter((name) => matches.every((m) => m.has(name))));
  };
}

export function selectDefinitions(project: Project, patterns: readonly string[]): string[] {
  const names = project.definitions.map((d) => d.name);
  if (patterns.length === 0) return names;
  const select = definitionSelector(project);
  const chosen = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const hits = select(pattern);
    if (hits.size === 0) unmatched.push(pattern);
    for (const hit of hits) chosen.add(hit);
  }
  if (unmatched.length > 0) {
    throw new DiagnosticsError(unmatched.map((p) => unknownDefinition(project, p, { pattern: true })));
  }
  return names.filter((n) => chosen.has(n));
}
