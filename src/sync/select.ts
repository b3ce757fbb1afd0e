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
// since a quantifier reads users' traits in an account audience. A method quorum does not read
// (dbt's tag:, config.materialized:) is a usage error that lists those it does, not a name that
// matches nothing.
import path from 'node:path';
import { conditionReferences } from '../definitions/condition-references.js';
import { didYouMean } from '../definitions/did-you-mean.js';
import type { Definition, Project } from '../definitions/model.js';
import { unknownDefinition } from '../definitions/unknown-definition.js';
import { assertNever } from '../diagnostics/assert-never.js';
import { diagnostic, DiagnosticsError, type Diagnostic } from '../diagnostics/diagnostic.js';

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
type Method = (typeof METHODS)[number];

/** One selector (no comma) as read: what it matches, and its graph operators. */
interface Selector {
  /** null: a name or glob */
  readonly method: Method | null;
  readonly value: string;
  /** @x */
  readonly at: boolean;
  /** +x and n+x: absent without the +, null without a depth */
  readonly upstream?: number | null;
  readonly downstream?: number | null;
}

/** A selector, or the method before its colon that quorum does not read. */
function parseSelector(text: string): Selector | { readonly unsupported: string } {
  const at = text.startsWith('@');
  let rest = at ? text.slice(1) : text;
  const depth = (digits: string) => (digits === '' ? null : Number(digits));
  const up = /^(\d*)\+/.exec(rest);
  if (up) rest = rest.slice(up[0].length);
  const down = /\+(\d*)$/.exec(rest);
  if (down) rest = rest.slice(0, -down[0].length);
  const operators = { at, ...(up ? { upstream: depth(up[1]) } : {}), ...(down ? { downstream: depth(down[1]) } : {}) };
  // a definition's name never holds a colon: what comes before one is a method
  const colon = rest.indexOf(':');
  if (colon < 0) return { method: null, value: rest, ...operators };
  const method = rest.slice(0, colon);
  if (!(METHODS as readonly string[]).includes(method)) return { unsupported: method };
  return { method: method as Method, value: rest.slice(colon + 1), ...operators };
}

function unsupportedMethod(pattern: string, method: string): Diagnostic {
  const suggestion = didYouMean(method, METHODS);
  return diagnostic(
    'usage',
    {
      problem: `--select ${pattern}: "${method}:" is not a selector method quorum supports`,
      fix: `${suggestion === null ? '' : `did you mean "${suggestion}:"? `}quorum selects by name or glob (at_risk_*), path:, kind: and level:, with +name, name+, 2+name, @name and a,b`,
    },
    null,
  );
}

/** `path:./traits/` is `path:traits`: the value as the project-relative paths of definitions are written. */
function projectRelative(value: string): string {
  const normal = path.posix.normalize(value.replaceAll('\\', '/')).replace(/^\.\//, '');
  return normal === '.' ? '' : normal;
}

/** Whether a project-relative file is what `path:<value>` names: the file, a glob of files, or a folder above it. */
export function pathSelects(value: string, file: string): boolean {
  const relative = projectRelative(value);
  if (relative === '') return true; // path:. is the whole project
  const folder = relative.replace(/\/+$/, '');
  return globToRegExp(relative).test(file) || file.startsWith(`${folder}/`);
}

/** The names a selector picks, before its graph operators. */
function matchBase(definitions: readonly Definition[], selector: Selector): string[] {
  const re = globToRegExp(selector.value);
  const matches = (d: Definition): boolean => {
    switch (selector.method) {
      case null:
        return re.test(d.name);
      case 'path':
        return pathSelects(selector.value, d.loc.file);
      case 'kind':
        return re.test(d.kind);
      case 'level':
        return re.test(d.level);
      default:
        return assertNever(selector.method, 'selector method');
    }
  };
  return definitions.filter(matches).map((d) => d.name);
}

/** A selector with its graph operators: `+x`, `x+`, `2+x+1`, `@x`. */
function matchSelector(definitions: readonly Definition[], graph: ReturnType<typeof dependencyGraph>, selector: Selector): Set<string> {
  const base = matchBase(definitions, selector);
  if (selector.at) return reach(reach(base, graph.down, null), graph.up, null);
  const chosen = new Set(base);
  if (selector.upstream !== undefined) for (const name of reach(base, graph.up, selector.upstream)) chosen.add(name);
  if (selector.downstream !== undefined) for (const name of reach(base, graph.down, selector.downstream)) chosen.add(name);
  return chosen;
}

/** The names a pattern picks, or why quorum cannot read it. */
export type PatternMatch = { readonly names: ReadonlySet<string> } | { readonly problem: Diagnostic };

/**
 * What one --select pattern (a selector, or selectors joined by commas for what all of them
 * select) picks among the project's definitions, by name; the dependency graph is built once.
 * `quorum test --select` picks the cases that expect these.
 */
export function definitionSelector(project: Project): (pattern: string) => PatternMatch {
  const graph = dependencyGraph(project.definitions);
  return (pattern) => {
    const matches: Set<string>[] = [];
    for (const part of pattern.split(',').filter((p) => p !== '')) {
      const selector = parseSelector(part);
      if ('unsupported' in selector) return { problem: unsupportedMethod(pattern, selector.unsupported) };
      matches.push(matchSelector(project.definitions, graph, selector));
    }
    return { names: new Set(matches.length === 0 ? [] : [...matches[0]].filter((name) => matches.every((m) => m.has(name)))) };
  };
}

export function selectDefinitions(project: Project, patterns: readonly string[]): string[] {
  const names = project.definitions.map((d) => d.name);
  if (patterns.length === 0) return names;
  const select = definitionSelector(project);
  const chosen = new Set<string>();
  const unmatched: string[] = [];
  const problems: Diagnostic[] = [];
  for (const pattern of patterns) {
    const match = select(pattern);
    if ('problem' in match) problems.push(match.problem);
    else if (match.names.size === 0) unmatched.push(pattern);
    else for (const name of match.names) chosen.add(name);
  }
  // a pattern quorum cannot read is a usage error (exit 2), reported before what matched nothing
  if (problems.length > 0) throw new DiagnosticsError(problems);
  if (unmatched.length > 0) {
    throw new DiagnosticsError(unmatched.map((p) => unknownDefinition(project, p, { pattern: true })));
  }
  return names.filter((n) => chosen.has(n));
}
