// Definitions -> plan. Collects the closure of what the requested definitions need, resolves every
// name once (through definitions/resolve.ts, as validation does) and gives each distinct
// computation one home, so shared traits and audiences are computed once per statement.
import { assertNever } from '../diagnostics/assert-never.js';
import { DefinitionIndex, resolveTrait, sqlTraitAssociatesUsers, sqlTraitColumns } from '../definitions/resolve.js';
import type {
  AudienceDefinition,
  ComputedTraitDefinition,
  Condition,
  Definition,
  EventRef,
  Level,
  Predicate,
  Project,
  PropertyFilter,
  SqlTraitDefinition,
  TimeWindow,
} from '../definitions/model.js';
import { audienceCycles } from '../definitions/checks/cycles-check.js';
import { computedValueType, eventTable } from '../definitions/event-table.js';
import { named } from '../definitions/subject.js';
import { unknownDefinition } from '../definitions/unknown-definition.js';
import { planIdentity } from './plan-identity.js';
import { DiagnosticsError, diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { CTE } from './physical/cte-names.js';
import type { Catalog, LogicalType } from '../warehouse/catalog.js';
import type {
  EventMatch,
  EventScan,
  Feature,
  Measure,
  Plan,
  PlanAudience,
  PlanCondition,
  PlanFilter,
  PlanFunnel,
  PlanOutput,
  PlanSqlTrait,
  RankedTrait,
} from './plan.js';

export interface PlanRequest {
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
  /** Definition names to output; their dependencies are planned too. */
  readonly targets: readonly string[];
  /** Extra trait columns to output at a level (`quorum members --columns email`), by trait name. */
  readonly extraTraits?: { readonly level: Level; readonly names: readonly string[] };
}


export function eventMatch(event: EventRef, project: Project): EventMatch {
  const { columns } = project.config.source;
  switch (event.kind) {
    case 'track':
      return { table: eventTable(event, project.config.source), column: columns.eventText, value: event.name };
    case 'page':
    case 'screen':
      return { table: eventTable(event, project.config.source), column: columns.name, value: event.name };
    default:
      return assertNever(event, 'definition node');
  }
}

function describeEvent(event: EventRef): string {
  return event.kind === 'track' ? event.name : `${event.kind}${event.name === null ? '' : ` ${event.name}`}`;
}

function describePredicate(p: Predicate): string {
  return `${p.op} ${JSON.stringify(p.value)}${p.ignoreCase ? ' (ignore case)' : ''}`;
}

function describeWindow(window: TimeWindow | null): string {
  return window === null ? '' : window.kind === 'within' ? ` within ${window.text}` : ` between ${window.start} and ${window.end}`;
}

function describeFilters(filters: readonly PropertyFilter[]): string {
  return filters.length === 0 ? '' : ` where ${filters.map((f) => `${f.property} ${describePredicate(f.predicate)}`).join(' and ')}`;
}

/** "a and b and c", shortened when long: labels are for people reading a breakdown. */
function joinLabels(labels: readonly string[], word: 'and' | 'or'): string {
  if (labels.length === 0) return word === 'and' ? 'always' : 'never';
  if (labels.length === 1) return labels[0];
  const text = labels.map((l) => (/ (and|or) /.test(l) ? `(${l})` : l)).join(` ${word} `);
  return text.length <= 120 ? text : `${word === 'and' ? 'all' : 'any'} of ${labels.length} conditions`;
}

class PlanBuilder {
  private readonly index: DefinitionIndex;
  private readonly features = new Map<string, Feature>();
  private readonly scans = new Map<string, { name: string; level: Level; table: string; measures: Map<string, Measure> }>();
  private readonly ranked = new Map<string, RankedTrait>();
  private readonly rankedByComputation = new Map<string, string>();
  private readonly funnels = new Map<string, PlanFunnel>();
  private readonly sqlTraits = new Map<string, PlanSqlTrait>();
  private readonly customTraits = { user: new Set<string>(), account: new Set<string>() };
  private readonly audiences = new Map<string, PlanAudience>();
  private readonly diagnostics: Diagnostic[] = [];
  private counter = 0;

  constructor(private readonly request: PlanRequest) {
    this.index = new DefinitionIndex(request.project.definitions);
  }

  build(): Plan {
    const { project, catalog } = this.request;
    // Audiences are planned depth-first through in_audience: a cycle would never end.
    const cycles = audienceCycles(project.definitions, this.index);
    if (cycles.length > 0) throw new DiagnosticsError(cycles);
    // Associations from SQL traits are part of every evaluation's membership (docs/semantics.md).
    for (const d of project.definitions) {
      if (d.kind === 'sql_trait' && sqlTraitAssociatesUsers(d, catalog)) this.sqlTrait(d);
    }
    const outputs: PlanOutput[] = [];
    for (const name of this.request.targets) {
      const definition = this.index.get(name);
      if (!definition) {
        this.diagnostics.push(unknownDefinition(this.request.project, name));
        continue;
      }
      outputs.push(this.output(definition));
    }
    const extra = this.request.extraTraits;
    for (const name of extra?.names ?? []) {
      const feature = this.traitFeature(name, extra!.level, null);
      if (feature) outputs.push({ kind: 'trait', name: `column:${name}`, level: extra!.level, columns: [{ name, feature: feature.column }] });
    }
    if (this.diagnostics.length > 0) throw new DiagnosticsError(this.diagnostics);
    const { tables } = project.config.source;
    const tablesRead = [tables.identifies, tables.groups, ...[...this.scans.values()].map((s) => s.table), ...[...this.ranked.values()].map((r) => r.match.table)];
    return {
      asOf: this.request.asOf,
      layout: project.config.source,
      identity: planIdentity(project, catalog, [...new Set(tablesRead)]),
      userUniverseTables: this.userUniverseTables(),
      customTraits: { user: [...this.customTraits.user], account: [...this.customTraits.account] },
      scans: [...this.scans.values()].map((s) => ({ name: s.name, level: s.level, table: s.table, measures: [...s.measures.values()] }) satisfies EventScan),
      ranked: [...this.ranked.values()],
      funnels: [...this.funnels.values()],
      sqlTraits: [...this.sqlTraits.values()],
      features: [...this.features.values()],
      audiences: [...this.audiences.values()],
      outputs,
      columnTypes: this.columnTypes(),
    };
  }

  private columnTypes(): Record<string, Record<string, LogicalType>> {
    const read = new Set([...this.userUniverseTables(), ...[...this.scans.values()].map((s) => s.table), ...[...this.ranked.values()].map((r) => r.match.table), ...this.funnelTables()]);
    const out: Record<string, Record<string, LogicalType>> = {};
    for (const name of read) {
      const table = this.request.catalog.tables.get(name);
      if (table) out[name] = Object.fromEntries(table.columns);
    }
    return out;
  }

  private userUniverseTables(): string[] {
    const { tables } = this.request.project.config.source;
    const always = [tables.identifies, tables.groups, tables.tracks];
    const optional = [tables.pages, tables.screens];
    const { catalog } = this.request;
    if (!catalog.known) {
      const used = new Set([...this.scans.values()].map((s) => s.table));
      for (const r of this.ranked.values()) used.add(r.match.table);
      for (const t of this.funnelTables()) used.add(t);
      return [...always, ...optional.filter((t) => used.has(t))];
    }
    return [...always, ...optional].filter((t) => catalog.tables.has(t));
  }

  private funnelTables(): string[] {
    return [...this.funnels.values()].flatMap((f) => f.steps.map((s) => s.match.table));
  }

  /** A funnel leaf: one shared CTE per distinct funnel, a 0/1 feature per step for preview's breakdown. */
  private funnel(c: Extract<Condition, { kind: 'funnel' }>, file: string): PlanCondition {
    const steps = c.steps.map((step) => {
      const match = eventMatch(step.event, this.request.project);
      return { match, window: step.window, filters: this.filters(match, step.filters), negated: step.negated };
    });
    const key = JSON.stringify(steps);
    let funnel = this.funnels.get(key);
    if (!funnel) {
      funnel = { name: `funnel:${this.funnels.size + 1}`, steps, file };
      this.funnels.set(key, funnel);
    }
    const cte = funnel.name;
    const labels = c.steps.map((step, i) => {
      const verb = `${i === 0 ? '' : 'then '}${step.negated ? 'not performed' : 'performed'}`;
      return `${verb} ${describeEvent(step.event)}${describeWindow(step.window)}${describeFilters(step.filters)}`;
    });
    // explain's values are keyed by a feature's label: each names its funnel by its steps (two
    // funnels may share a step's text, never all of them), not by the plan's internal CTE name
    const whole = labels.join(', ');
    const counts = labels.map((text, i) => {
      const label = `step ${i + 1}: ${text}`;
      const feature = this.feature(`funnel:${cte}:${i + 1}`, (column) => ({
        column,
        level: 'user',
        type: 'integer',
        source: { kind: 'funnel', cte: CTE.funnelStep(cte, i + 1), step: i + 1, final: i === labels.length - 1 },
        label: `step ${i + 1} of ${whole}`,
      }));
      return { kind: 'count' as const, feature: feature.column, op: 'at_least' as const, n: 1, label };
    });
    return { kind: 'funnel', steps: counts, label: labels.join(', ') };
  }

  private output(definition: Definition): PlanOutput {
    switch (definition.kind) {
      case 'audience':
        this.audience(definition);
        return { kind: 'audience', name: definition.name, level: definition.level };
      case 'computed_trait':
        return { kind: 'trait', name: definition.name, level: definition.level, columns: [{ name: definition.name, feature: this.computedTrait(definition).column }] };
      case 'sql_trait': {
        const columns = sqlTraitColumns(definition, this.request.catalog);
        return {
          kind: 'trait',
          name: definition.name,
          level: definition.level,
          columns: columns.map((c) => ({ name: c, feature: this.sqlTraitFeature(definition, c).column })),
        };
      }
      default:
        return assertNever(definition, 'definition node');
    }
  }

  private next(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  private feature(key: string, make: (column: string) => Feature): Feature {
    let feature = this.features.get(key);
    if (!feature) {
      feature = make(this.next('f'));
      this.features.set(key, feature);
    }
    return feature;
  }

  private columnType(table: string, column: string | null): LogicalType {
    if (column === null) return 'unknown';
    return this.request.catalog.tables.get(table)?.columns.get(column) ?? 'unknown';
  }

  private filters(match: EventMatch, filters: readonly PropertyFilter[]): PlanFilter[] {
    return filters.map((f) => ({ column: f.property, predicate: f.predicate, type: this.columnType(match.table, f.property) }));
  }

  private measure(level: Level, partial: Omit<Measure, 'column'>): { scan: string; measure: string } {
    const scanKey = `${level}|${partial.match.table}`;
    let scan = this.scans.get(scanKey);
    if (!scan) {
      scan = { name: `events:${level}:${partial.match.table}`, level, table: partial.match.table, measures: new Map() };
      this.scans.set(scanKey, scan);
    }
    const measureKey = JSON.stringify(partial);
    let measure = scan.measures.get(measureKey);
    if (!measure) {
      measure = { ...partial, column: `m_${scan.measures.size + 1}` };
      scan.measures.set(measureKey, measure);
    }
    return { scan: scan.name, measure: measure.column };
  }

  computedTrait(d: ComputedTraitDefinition): Feature {
    const match = eventMatch(d.event, this.request.project);
    const filters = this.filters(match, d.filters);
    const groupContext = d.level === 'account' && d.scope === 'group_context';
    const propertyType = this.columnType(match.table, d.property);
    return this.feature(`computed:${d.level}:${d.name}`, (column) => {
      const label = d.name;
      switch (d.compute) {
        case 'most_frequent':
        case 'first':
        case 'last': {
          // Two traits that rank the same events the same way share one ranking CTE.
          const computation = JSON.stringify({ level: d.level, compute: d.compute, property: d.property, match, window: d.window, filters, groupContext, minFrequency: d.minFrequency });
          const shared = this.rankedByComputation.get(computation);
          if (shared) return { column, level: d.level, type: propertyType, source: { kind: 'ranked', cte: shared }, label };
          const cte = `trait:${d.name}`;
          this.rankedByComputation.set(computation, cte);
          this.ranked.set(cte, {
            name: cte,
            trait: d.name,
            level: d.level,
            compute: d.compute,
            property: d.property ?? '',
            match,
            window: d.window,
            filters,
            groupContext,
            minFrequency: d.minFrequency,
            file: d.loc.file,
          });
          return { column, level: d.level, type: propertyType, source: { kind: 'ranked', cte }, label };
        }
        case 'count':
        case 'sum':
        case 'avg':
        case 'min':
        case 'max':
        case 'unique_count':
        case 'unique_list': {
          const aggregate = d.compute === 'unique_count' ? 'count_distinct' : d.compute === 'unique_list' ? 'sorted_distinct_list' : d.compute;
          const property = d.compute === 'count' ? null : d.property;
          const ref = this.measure(d.level, { aggregate, property, match, window: d.window, filters, groupContext });
          const whenMissing = d.compute === 'count' || d.compute === 'sum' || d.compute === 'unique_count' ? 'zero' : d.compute === 'unique_list' ? 'empty_list' : 'null';
          return { column, level: d.level, type: computedValueType(d.compute, propertyType), source: { kind: 'measure', scan: ref.scan, measure: ref.measure, whenMissing }, label };
        }
        default:
          return assertNever(d.compute, 'definition node');
      }
    });
  }

  private sqlTrait(d: SqlTraitDefinition): PlanSqlTrait {
    const cte = `sql_trait:${d.name}`;
    let trait = this.sqlTraits.get(cte);
    if (!trait) {
      trait = {
        name: cte,
        trait: d.name,
        level: d.level,
        template: d.template,
        columns: sqlTraitColumns(d, this.request.catalog),
        associatesUsers: sqlTraitAssociatesUsers(d, this.request.catalog),
        file: d.loc.file,
      };
      this.sqlTraits.set(cte, trait);
    }
    return trait;
  }

  private sqlTraitFeature(d: SqlTraitDefinition, column: string): Feature {
    const trait = this.sqlTrait(d);
    const type = this.request.catalog.sqlTraitColumns.get(d.name)?.get(column) ?? 'unknown';
    return this.feature(`sql:${d.level}:${d.name}:${column}`, (name) => ({
      column: name,
      level: d.level,
      type,
      source: { kind: 'sql_trait', cte: trait.name, column },
      label: column === d.name ? d.name : `${d.name}.${column}`,
    }));
  }

  private customTrait(level: Level, column: string, type: LogicalType): Feature {
    this.customTraits[level].add(column);
    return this.feature(`custom:${level}:${column}`, (name) => ({ column: name, level, type, source: { kind: 'custom_trait', column }, label: column }));
  }

  private traitFeature(name: string, level: Level, loc: Condition['loc'] | null, owner: string | null = null): Feature | null {
    const resolution = resolveTrait(name, level, this.index, this.request.project.config.source, this.request.catalog);
    if (!resolution.ok) {
      // checkProject reports these with their reasons first; a plan of an unchecked project still says where.
      const by = owner === null ? '' : `audience "${owner}": `;
      const found = this.index.all(name.split('.')[0]).filter((d) => d.kind !== 'audience' && d.level === level).map(named);
      this.diagnostics.push(
        resolution.reason === 'ambiguous'
          ? diagnostic('ambiguous_reference', { name, by: `${by}a condition`, level, found }, loc)
          : resolution.reason === 'level_mismatch'
            ? diagnostic('level_mismatch', { rule: 'plan', by, trait: name, level }, loc)
            : diagnostic('unknown_reference', { kind: 'plan_trait', name, by, level }, loc),
      );
      return null;
    }
    const t = resolution.trait;
    return t.kind === 'computed' ? this.computedTrait(t.definition) : t.kind === 'sql' ? this.sqlTraitFeature(t.definition, t.column) : this.customTrait(level, t.column, t.type);
  }

  private audience(d: AudienceDefinition): void {
    if (this.audiences.has(d.name)) return;
    const quantifiers: Extract<PlanCondition, { kind: 'quantifier' }>[] = [];
    const condition = this.condition(d.where, d.level, d, quantifiers);
    this.audiences.set(d.name, { name: d.name, level: d.level, file: d.loc.file, condition, quantifiers });
  }

  private referencedAudience(name: string, from: AudienceDefinition, at: Condition): AudienceDefinition | null {
    const target = this.index.audience(name);
    if (!target) {
      this.diagnostics.push(diagnostic('unknown_reference', { kind: 'plan_audience', name, by: from.name }, at.loc));
      return null;
    }
    this.audience(target);
    return target;
  }

  private condition(
    c: Condition,
    level: Level,
    owner: AudienceDefinition,
    quantifiers: Extract<PlanCondition, { kind: 'quantifier' }>[],
  ): PlanCondition {
    switch (c.kind) {
      case 'all':
      case 'any': {
        const children = c.children.map((child) => this.condition(child, level, owner, quantifiers));
        return { kind: c.kind, children, label: joinLabels(children.map((child) => child.label), c.kind === 'all' ? 'and' : 'or') };
      }
      case 'not': {
        const child = this.condition(c.child, level, owner, quantifiers);
        return { kind: 'not', child, label: `not (${child.label})` };
      }
      case 'trait': {
        const label = `${c.trait} ${describePredicate(c.predicate)}`;
        const feature = this.traitFeature(c.trait, level, c.loc, owner.name);
        if (!feature) return { kind: 'all', children: [], label };
        return { kind: 'compare', feature: feature.column, op: c.predicate.op, value: c.predicate.value, ignoreCase: c.predicate.ignoreCase, instants: c.predicate.instants, type: feature.type, label };
      }
      case 'performed': {
        const match = eventMatch(c.event, this.request.project);
        const ref = this.measure('user', { aggregate: 'count', property: null, match, window: c.window, filters: this.filters(match, c.filters), groupContext: false });
        const windowText = describeWindow(c.window);
        const filterText = describeFilters(c.filters);
        const label = `performed ${describeEvent(c.event)}${windowText}${filterText} ${c.count.op} ${c.count.n}`;
        const feature = this.feature(`measure:${ref.scan}:${ref.measure}`, (column) => ({
          column,
          level: 'user',
          type: 'integer',
          source: { kind: 'measure', scan: ref.scan, measure: ref.measure, whenMissing: 'zero' },
          label: `count of ${describeEvent(c.event)}${windowText}${filterText}`,
        }));
        return { kind: 'count', feature: feature.column, op: c.count.op, n: c.count.n, label };
      }
      case 'funnel':
        return this.funnel(c, owner.loc.file);
      case 'in_audience': {
        const target = this.referencedAudience(c.audience, owner, c);
        const positive: PlanCondition =
          target && target.level !== level
            ? { kind: 'member_of_account_audience', audience: c.audience, label: `in account audience ${c.audience}` }
            : { kind: 'member', audience: c.audience, label: `in audience ${c.audience}` };
        return c.negated ? { kind: 'not', child: positive, label: `not in audience ${c.audience}` } : positive;
      }
      case 'quantifier': {
        const inner = this.condition(c.condition, 'user', owner, quantifiers);
        const column = `q_${quantifiers.length + 1}`;
        const amount = c.atLeast === null ? '' : 'count' in c.atLeast ? ` ${c.atLeast.count}` : ` ${c.atLeast.percent}%`;
        const node = { kind: 'quantifier' as const, quantifier: c.quantifier, atLeast: c.atLeast, column, condition: inner, label: `${c.quantifier}${amount} (${inner.label})` };
        quantifiers.push(node);
        return node;
      }
      default:
        return assertNever(c, 'definition node');
    }
  }
}

export function buildPlan(request: PlanRequest): Plan {
  return new PlanBuilder(request).build();
}
