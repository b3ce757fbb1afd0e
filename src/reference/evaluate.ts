// The in-memory reference evaluator: the oracle the compiled SQL is proven against. It implements
// SPEC.md §2–§5 and docs/semantics.md directly over the rows of a SourceDataset, with plain loops
// and no knowledge of the SQL compiler. Clarity over speed. The rows at as_of and the entities are
// source-rows.ts, SQL trait results sql-trait-results.ts, the compute kinds aggregate-events.ts;
// this file evaluates the definitions over them.
import type { AudienceDefinition, ComputedTraitDefinition, Condition, Definition, Level, Project, SourceLayout, TimeWindow } from '../definitions/model.js';
import { DefinitionIndex, resolveTrait, type ResolvedTrait } from '../definitions/resolve.js';
import type { Catalog, CatalogTable, LogicalType } from '../warehouse/catalog.js';
import { aggregateEvents } from './aggregate-events.js';
import type { DefinitionResult, SourceDataset, TraitValue } from './dataset.js';
import { funnelHolds, type LaterStep } from './funnel.js';
import { entityKey, SourceRows, type LiveRow } from './source-rows.js';
import { readSqlTrait, type ReferenceOptions, type SqlTraitData } from './sql-trait-results.js';
import { evaluatePredicate, parseInstant, type ValueType } from './values.js';

export type { ReferenceOptions } from './sql-trait-results.js';

/** Evaluates every definition of the project at `asOf` (ISO-8601, UTC). */
export function evaluateReference(
  project: Project,
  dataset: SourceDataset,
  asOf: string,
  options: ReferenceOptions = {},
): Map<string, DefinitionResult> {
  return new ReferenceEvaluator(project, dataset, asOf, options).evaluateAll();
}

type TraitEntry = TraitValue | Readonly<Record<string, TraitValue>>;

class ReferenceEvaluator {
  private readonly layout: SourceLayout;
  private readonly asOfMs: number;
  private readonly index: DefinitionIndex;
  private readonly catalog: Catalog;
  private readonly rows: SourceRows;
  private readonly sqlTraits = new Map<string, SqlTraitData>();

  private readonly computedCache = new Map<string, Map<string, TraitValue>>();
  private readonly audienceCache = new Map<string, Set<string>>();
  private readonly audiencesInProgress = new Set<string>();
  private readonly resolutionCache = new Map<string, ResolvedTrait>();
  private readonly performedCache = new WeakMap<Condition, Map<string, number>>();
  private readonly quantifiedCache = new WeakMap<Condition, Set<string>>();

  constructor(
    private readonly project: Project,
    dataset: SourceDataset,
    asOf: string,
    options: ReferenceOptions,
  ) {
    this.layout = project.config.source;
    this.asOfMs = parseInstant(asOf);
    this.index = new DefinitionIndex(project.definitions);

    // SQL trait results (keys, values, and the associations of account-level ones).
    const sqlColumnTypes = new Map<string, ReadonlyMap<string, LogicalType>>();
    const sqlAssociations: [string, string][] = [];
    for (const definition of project.definitions) {
      if (definition.kind !== 'sql_trait') continue;
      const data = readSqlTrait(definition, options, sqlAssociations);
      this.sqlTraits.set(definition.name, data);
      sqlColumnTypes.set(definition.name, data.types);
    }

    // The catalog: the dataset's own columns, and the SQL trait columns as read above.
    const tables = new Map<string, CatalogTable>();
    for (const [name, table] of Object.entries(dataset.tables)) {
      tables.set(name, { name, columns: new Map(Object.entries(table.columns)) });
    }
    this.catalog = { known: true, tables, sqlTraitColumns: sqlColumnTypes };
    this.rows = new SourceRows(project, dataset, this.asOfMs, sqlAssociations);
  }

  evaluateAll(): Map<string, DefinitionResult> {
    const results = new Map<string, DefinitionResult>();
    for (const definition of this.project.definitions) {
      results.set(definition.name, this.evaluateDefinition(definition));
    }
    return results;
  }

  private evaluateDefinition(definition: Definition): DefinitionResult {
    switch (definition.kind) {
      case 'audience':
        return { kind: 'audience', level: definition.level, members: this.audienceMembers(definition.name) };
      case 'computed_trait':
        return { kind: 'trait', level: definition.level, values: this.computedValues(definition) };
      case 'sql_trait': {
        const data = this.sqlTraits.get(definition.name)!;
        const values = new Map<string, TraitEntry>();
        for (const entity of this.rows.universe(definition.level)) {
          const row = data.values.get(entity);
          if (data.columns.length === 1) {
            values.set(entity, row?.[data.columns[0]] ?? null);
          } else {
            const record: Record<string, TraitValue> = {};
            for (const column of data.columns) record[column] = row?.[column] ?? null;
            values.set(entity, record);
          }
        }
        return { kind: 'trait', level: definition.level, values };
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Computed traits

  private propertyType(definition: ComputedTraitDefinition): LogicalType {
    return definition.property === null ? 'unknown' : this.rows.columnType(this.rows.eventTable(definition.event), definition.property);
  }

  private computedType(definition: ComputedTraitDefinition): ValueType {
    switch (definition.compute) {
      case 'count':
      case 'unique_count':
        return { type: 'integer' };
      case 'sum':
      case 'avg':
        return { type: 'number' };
      case 'unique_list':
        return { type: 'list', element: this.propertyType(definition) };
      default:
        return { type: this.propertyType(definition) };
    }
  }

  private computedValues(definition: ComputedTraitDefinition): Map<string, TraitValue> {
    const cached = this.computedCache.get(definition.name);
    if (cached) return cached;
    const byUser = this.rows.matchingEvents(definition.event, definition.window, definition.filters);
    const values = new Map<string, TraitValue>();
    if (definition.level === 'user') {
      for (const user of this.rows.users) values.set(user, aggregateEvents(definition, byUser.get(user) ?? [], this.propertyType(definition), this.layout.columns.id));
    } else {
      const contextColumn = this.layout.columns.contextGroupId;
      for (const account of this.rows.accounts) {
        const events: LiveRow[] = [];
        for (const user of this.rows.usersOf(account)) {
          for (const live of byUser.get(user) ?? []) {
            if (definition.scope === 'group_context') {
              const context = entityKey(live.row[contextColumn]);
              if (context !== null && context !== account) continue;
            }
            events.push(live);
          }
        }
        values.set(account, aggregateEvents(definition, events, this.propertyType(definition), this.layout.columns.id));
      }
    }
    this.computedCache.set(definition.name, values);
    return values;
  }

  // -------------------------------------------------------------------------------------------
  // Audiences

  private audienceMembers(name: string): Set<string> {
    const cached = this.audienceCache.get(name);
    if (cached) return cached;
    const definition: AudienceDefinition | undefined = this.index.audience(name);
    if (!definition) throw new Error(`unknown audience ${name}`);
    if (this.audiencesInProgress.has(name)) throw new Error(`audience ${name} depends on itself`);
    this.audiencesInProgress.add(name);
    const members = new Set<string>();
    for (const entity of this.rows.universe(definition.level)) {
      if (this.holds(definition.where, definition.level, entity)) members.add(entity);
    }
    this.audiencesInProgress.delete(name);
    this.audienceCache.set(name, members);
    return members;
  }

  private holds(condition: Condition, level: Level, entity: string): boolean {
    switch (condition.kind) {
      case 'all':
        return condition.children.every((child) => this.holds(child, level, entity));
      case 'any':
        return condition.children.some((child) => this.holds(child, level, entity));
      case 'not':
        return !this.holds(condition.child, level, entity);
      case 'trait': {
        const { value, type } = this.traitValue(condition.trait, level, entity);
        return evaluatePredicate(value, type, condition.predicate);
      }
      case 'in_audience': {
        const target = this.index.audience(condition.audience);
        if (!target) throw new Error(`unknown audience ${condition.audience}`);
        const members = this.audienceMembers(condition.audience);
        let member: boolean;
        if (target.level === level) {
          member = members.has(entity);
        } else if (level === 'user' && target.level === 'account') {
          member = [...this.rows.accountsOf(entity)].some((account) => members.has(account));
        } else {
          throw new Error(`account-level audience cannot use user-level audience ${condition.audience}`);
        }
        return condition.negated ? !member : member;
      }
      case 'performed': {
        if (level !== 'user') throw new Error('performed is a user-level condition');
        const count = this.performedCount(condition).get(entity) ?? 0;
        const { op, n } = condition.count;
        if (op === 'at_least') return count >= n;
        if (op === 'at_most') return count <= n;
        return count === n;
      }
      case 'funnel': {
        if (level !== 'user') throw new Error('a funnel is a user-level condition');
        return this.funnelUsers(condition).has(entity);
      }
      case 'quantifier': {
        if (level !== 'account') throw new Error('quantifiers are account-level conditions');
        const satisfied = this.quantified(condition.condition);
        const users = this.rows.usersOf(entity);
        let matching = 0;
        for (const user of users) if (satisfied.has(user)) matching += 1;
        switch (condition.quantifier) {
          case 'any_user':
            return matching >= 1;
          case 'all_users':
            return users.size >= 1 && matching === users.size;
          case 'no_user':
            return matching === 0;
          case 'at_least_users': {
            const atLeast = condition.atLeast;
            if (atLeast === null) throw new Error('at_least_users needs count or percent');
            if ('count' in atLeast) return matching >= atLeast.count;
            return users.size >= 1 && 100 * matching >= atLeast.percent * users.size;
          }
        }
      }
    }
  }

  /** The users (of the whole user universe) that satisfy a quantifier's user-level condition. */
  private quantified(condition: Condition): Set<string> {
    let satisfied = this.quantifiedCache.get(condition);
    if (!satisfied) {
      satisfied = new Set(this.rows.users.filter((user) => this.holds(condition, 'user', user)));
      this.quantifiedCache.set(condition, satisfied);
    }
    return satisfied;
  }

  private performedCount(condition: Extract<Condition, { kind: 'performed' }>): Map<string, number> {
    let counts = this.performedCache.get(condition);
    if (!counts) {
      counts = new Map();
      for (const [user, events] of this.rows.matchingEvents(condition.event, condition.window, condition.filters)) {
        counts.set(user, events.length);
      }
      this.performedCache.set(condition, counts);
    }
    return counts;
  }

  /** The users for whom a funnel holds (see funnel.ts for its meaning). */
  private funnelUsers(condition: Extract<Condition, { kind: 'funnel' }>): Set<string> {
    let users = this.quantifiedCache.get(condition);
    if (!users) {
      const timesOf = (step: (typeof condition.steps)[number], window: TimeWindow | null) =>
        new Map([...this.rows.matchingEvents(step.event, window, step.filters)].map(([user, rows]) => [user, rows.map((r) => r.time)]));
      const [first, ...rest] = condition.steps;
      const later: LaterStep[] = rest.map((step) => ({
        times: timesOf(step, null),
        seconds: step.window?.kind === 'within' ? step.window.seconds : 0,
        negated: step.negated,
      }));
      users = new Set();
      for (const [user, times] of timesOf(first, first.window)) if (funnelHolds(user, times, later, this.asOfMs)) users.add(user);
      this.quantifiedCache.set(condition, users);
    }
    return users;
  }

  private traitValue(name: string, level: Level, entity: string): { value: unknown; type: ValueType } {
    const cacheKey = `${level}\u0000${name}`;
    let trait = this.resolutionCache.get(cacheKey);
    if (!trait) {
      const resolution = resolveTrait(name, level, this.index, this.layout, this.catalog);
      if (!resolution.ok) throw new Error(`trait ${name} at ${level} level: ${resolution.reason}`);
      trait = resolution.trait;
      this.resolutionCache.set(cacheKey, trait);
    }
    switch (trait.kind) {
      case 'computed':
        return {
          value: this.computedValues(trait.definition).get(entity) ?? null,
          type: this.computedType(trait.definition),
        };
      case 'sql': {
        const data = this.sqlTraits.get(trait.definition.name)!;
        const type = data.types.get(trait.column) ?? 'unknown';
        return {
          value: data.values.get(entity)?.[trait.column] ?? null,
          type: type === 'list' ? { type, element: 'unknown' } : { type },
        };
      }
      case 'custom':
        return {
          value: this.rows.customValue(level, trait.column, entity),
          type: trait.type === 'list' ? { type: 'list', element: 'string' } : { type: trait.type },
        };
    }
  }
}
