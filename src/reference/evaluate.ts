// The in-memory reference evaluator: the oracle the compiled SQL is proven against. It implements
// SPEC.md §2–§5 and docs/semantics.md directly over the rows of a SourceDataset, with plain loops
// and no knowledge of the SQL compiler. Clarity over speed.
import type {
  AudienceDefinition,
  ComputedTraitDefinition,
  Condition,
  Definition,
  EventRef,
  Level,
  Project,
  PropertyFilter,
  SourceLayout,
  SqlTraitDefinition,
  TimeWindow,
} from '../definitions/model.js';
import { DefinitionIndex, resolveTrait, SQL_TRAIT_KEY_COLUMNS, type ResolvedTrait } from '../definitions/resolve.js';
import { stitches } from '../definitions/parse-identity.js';
import { snakeCase } from '../definitions/snake-case.js';
import type { Catalog, CatalogTable, LogicalType } from '../warehouse/catalog.js';
import { funnelHolds, type LaterStep } from './funnel.js';
import type { DefinitionResult, SourceDataset, SourceRow, TraitValue } from './dataset.js';
import { owners, stitchRow, type Owner } from './identity.js';
import {
  compareCodePoints,
  compareValues,
  evaluatePredicate,
  formatInstant,
  parseInstant,
  toComparable,
  toInstant,
  type Comparable,
  type ValueType,
} from './values.js';

export interface ReferenceOptions {
  /** Result rows of each SQL trait's query (run elsewhere), by trait name. Missing = no rows. */
  readonly sqlTraitRows?: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  /**
   * Types of SQL trait result columns, by trait name (as a connector would describe them).
   * Without it the types are inferred from the values (Date -> timestamp, number -> number, ...).
   */
  readonly sqlTraitColumnTypes?: ReadonlyMap<string, ReadonlyMap<string, LogicalType>>;
}

/** Evaluates every definition of the project at `asOf` (ISO-8601, UTC). */
export function evaluateReference(
  project: Project,
  dataset: SourceDataset,
  asOf: string,
  options: ReferenceOptions = {},
): Map<string, DefinitionResult> {
  return new ReferenceEvaluator(project, dataset, asOf, options).evaluateAll();
}

/** A source row that exists at as_of, with its event time in epoch milliseconds. */
interface LiveRow {
  readonly row: SourceRow;
  readonly time: number;
}

interface SqlTraitData {
  readonly columns: readonly string[];
  readonly types: ReadonlyMap<string, LogicalType>;
  readonly values: ReadonlyMap<string, Readonly<Record<string, TraitValue>>>;
}

type TraitEntry = TraitValue | Readonly<Record<string, TraitValue>>;

/**
 * Whether a row's id wins a tie against the current one: the smaller id (first / last) or the
 * greater id (latest custom trait). Ids order by code point, numerically when both are numbers;
 * a null id never wins.
 */
function idWins(candidate: unknown, current: unknown, want: 'smaller' | 'greater'): boolean {
  if (candidate === null || candidate === undefined) return false;
  if (current === null || current === undefined) return true;
  const order =
    typeof candidate === 'number' && typeof current === 'number'
      ? candidate - current
      : compareCodePoints(String(candidate), String(current));
  return want === 'smaller' ? order < 0 : order > 0;
}

/** Normalizes a value that came out of a SQL engine to a TraitValue. */
function normalizeSqlValue(value: unknown): TraitValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return formatInstant(value.getTime());
  if (Array.isArray(value)) {
    return value.map((v) => normalizeSqlValue(v)).filter((v): v is string | number | boolean => v !== null && !Array.isArray(v));
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function inferType(values: readonly unknown[]): LogicalType {
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (value instanceof Date) return 'timestamp';
    if (typeof value === 'bigint') return 'integer';
    if (typeof value === 'number') return 'number';
    if (typeof value === 'boolean') return 'boolean';
    if (typeof value === 'string') return 'string';
    if (Array.isArray(value)) return 'list';
  }
  return 'unknown';
}

function sameValue(a: TraitValue, b: TraitValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function entityKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

class ReferenceEvaluator {
  private readonly layout: SourceLayout;
  private readonly asOfMs: number;
  private readonly index: DefinitionIndex;
  private readonly catalog: Catalog;

  private readonly liveRows = new Map<string, LiveRow[]>();
  private readonly sqlTraits = new Map<string, SqlTraitData>();
  /** Membership both ways. */
  private readonly usersOfAccount = new Map<string, Set<string>>();
  private readonly accountsOfUser = new Map<string, Set<string>>();
  /** Universes, sorted by code point. */
  private readonly users: string[];
  private readonly accounts: string[];

  private readonly customCache = new Map<string, Map<string, unknown>>();
  private readonly eventCache = new Map<string, LiveRow[]>();
  private readonly computedCache = new Map<string, Map<string, TraitValue>>();
  private readonly audienceCache = new Map<string, Set<string>>();
  private readonly audiencesInProgress = new Set<string>();
  private readonly resolutionCache = new Map<string, ResolvedTrait>();
  private readonly performedCache = new WeakMap<Condition, Map<string, number>>();
  private readonly quantifiedCache = new WeakMap<Condition, Set<string>>();

  constructor(
    private readonly project: Project,
    private readonly dataset: SourceDataset,
    asOf: string,
    private readonly options: ReferenceOptions,
  ) {
    this.layout = project.config.source;
    this.asOfMs = parseInstant(asOf);
    this.index = new DefinitionIndex(project.definitions);

    // Source rows that exist at as_of: event time present and <= as_of. With identity stitching
    // (SPEC §2.1) a row without a user_id is its anonymous_id's owner's row, in every table.
    const identity = project.config.identity;
    const owned = stitches(identity) ? owners(dataset, this.layout, identity.conflict, this.asOfMs) : new Map<string, Owner>();
    for (const [name, table] of Object.entries(dataset.tables)) {
      const live: LiveRow[] = [];
      for (const row of table.rows) {
        const raw = row[this.layout.eventTime];
        if (raw === null || raw === undefined) continue;
        const time = toInstant(raw);
        if (time <= this.asOfMs) live.push({ row: stitchRow(row, this.layout, owned), time });
      }
      this.liveRows.set(name, live);
    }

    // SQL trait results (keys, values, and the associations of account-level ones).
    const sqlColumnTypes = new Map<string, ReadonlyMap<string, LogicalType>>();
    const sqlAssociations: [string, string][] = [];
    for (const definition of project.definitions) {
      if (definition.kind !== 'sql_trait') continue;
      const data = this.readSqlTrait(definition, sqlAssociations);
      this.sqlTraits.set(definition.name, data);
      sqlColumnTypes.set(definition.name, data.types);
    }

    // The catalog: the dataset's own columns, and the SQL trait columns as read above.
    const tables = new Map<string, CatalogTable>();
    for (const [name, table] of Object.entries(dataset.tables)) {
      tables.set(name, { name, columns: new Map(Object.entries(table.columns)) });
    }
    this.catalog = { known: true, tables, sqlTraitColumns: sqlColumnTypes };

    // Universes and membership.
    const { columns, tables: names } = this.layout;
    const users = new Set<string>();
    for (const table of [names.identifies, names.groups, names.tracks, names.pages, names.screens]) {
      for (const { row } of this.live(table)) {
        const user = entityKey(row[columns.userId]);
        if (user !== null) users.add(user);
      }
    }
    const accounts = new Set<string>();
    for (const { row } of this.live(names.groups)) {
      const account = entityKey(row[columns.groupId]);
      if (account === null) continue;
      accounts.add(account);
      const user = entityKey(row[columns.userId]);
      if (user !== null) this.associate(user, account);
    }
    // An anonymous_id's owner was seen with it on a row at or before as_of.
    for (const owner of owned.values()) users.add(owner.user);
    for (const [user, account] of sqlAssociations) {
      users.add(user);
      this.associate(user, account);
    }
    this.users = [...users].sort(compareCodePoints);
    this.accounts = [...accounts].sort(compareCodePoints);
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
        for (const entity of this.universe(definition.level)) {
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
  // Entities

  private live(table: string): readonly LiveRow[] {
    return this.liveRows.get(table) ?? [];
  }

  private universe(level: Level): readonly string[] {
    return level === 'user' ? this.users : this.accounts;
  }

  private associate(user: string, account: string): void {
    if (!this.usersOfAccount.has(account)) this.usersOfAccount.set(account, new Set());
    this.usersOfAccount.get(account)!.add(user);
    if (!this.accountsOfUser.has(user)) this.accountsOfUser.set(user, new Set());
    this.accountsOfUser.get(user)!.add(account);
  }

  private usersOf(account: string): ReadonlySet<string> {
    return this.usersOfAccount.get(account) ?? new Set();
  }

  private accountsOf(user: string): ReadonlySet<string> {
    return this.accountsOfUser.get(user) ?? new Set();
  }

  // -------------------------------------------------------------------------------------------
  // SQL traits

  private readSqlTrait(definition: SqlTraitDefinition, associations: [string, string][]): SqlTraitData {
    const rows = this.options.sqlTraitRows?.get(definition.name) ?? [];
    const keyColumns: readonly string[] = SQL_TRAIT_KEY_COLUMNS;

    // Trait columns: every non-key column of the result; without rows, as declared, else the name.
    let columns: string[] = [];
    for (const row of rows) {
      for (const column of Object.keys(row)) {
        if (!keyColumns.includes(column) && !columns.includes(column)) columns.push(column);
      }
    }
    if (columns.length === 0) columns = definition.columns ? [...definition.columns] : [definition.name];

    const declaredTypes = this.options.sqlTraitColumnTypes?.get(definition.name);
    const types = new Map<string, LogicalType>();
    for (const column of columns) {
      types.set(column, declaredTypes?.get(column) ?? inferType(rows.map((row) => row[column])));
    }

    const key = definition.level === 'user' ? 'user_id' : 'group_id';
    const values = new Map<string, Record<string, TraitValue>>();
    for (const row of rows) {
      const entity = entityKey(row[key]);
      if (entity === null) continue;
      if (definition.level === 'account') {
        const user = entityKey(row.user_id);
        if (user !== null) associations.push([user, entity]);
      }
      const record: Record<string, TraitValue> = {};
      for (const column of columns) record[column] = normalizeSqlValue(row[column]);
      const previous = values.get(entity);
      if (previous) {
        for (const column of columns) {
          if (!sameValue(previous[column], record[column])) {
            throw new Error(
              `SQL trait ${definition.name} returned ${key} ${JSON.stringify(entity)} twice with different values of ${column}`,
            );
          }
        }
      } else {
        values.set(entity, record);
      }
    }
    return { columns, types, values };
  }

  // -------------------------------------------------------------------------------------------
  // Custom traits: the latest non-null value, latest = greatest (event time, id)

  private customValue(level: Level, column: string, entity: string): unknown {
    const cacheKey = `${level}\u0000${column}`;
    let values = this.customCache.get(cacheKey);
    if (!values) {
      const table = level === 'user' ? this.layout.tables.identifies : this.layout.tables.groups;
      const keyColumn = level === 'user' ? this.layout.columns.userId : this.layout.columns.groupId;
      const idColumn = this.layout.columns.id;
      const best = new Map<string, LiveRow>();
      for (const live of this.live(table)) {
        const key = entityKey(live.row[keyColumn]);
        const value = live.row[column];
        if (key === null || value === null || value === undefined) continue;
        const current = best.get(key);
        const later =
          !current ||
          live.time > current.time ||
          (live.time === current.time && idWins(live.row[idColumn], current.row[idColumn], 'greater'));
        if (later) best.set(key, live);
      }
      values = new Map([...best].map(([key, live]) => [key, live.row[column]]));
      this.customCache.set(cacheKey, values);
    }
    return values.get(entity) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  private eventTable(ref: EventRef): string {
    if (ref.kind === 'track') return snakeCase(ref.name);
    return ref.kind === 'page' ? this.layout.tables.pages : this.layout.tables.screens;
  }

  private columnType(table: string, column: string): LogicalType {
    return this.dataset.tables[table]?.columns[column] ?? 'unknown';
  }

  /** Every attributed event (non-null user_id) of the reference that exists at as_of. */
  private eventRows(ref: EventRef): LiveRow[] {
    const cacheKey = `${ref.kind}\u0000${ref.name ?? ''}\u0000${ref.name === null ? 'all' : 'named'}`;
    let rows = this.eventCache.get(cacheKey);
    if (!rows) {
      const { userId, eventText, name } = this.layout.columns;
      rows = this.live(this.eventTable(ref)).filter(({ row }) => {
        if (entityKey(row[userId]) === null) return false;
        if (ref.kind === 'track') return row[eventText] === ref.name;
        return ref.name === null || row[name] === ref.name;
      });
      this.eventCache.set(cacheKey, rows);
    }
    return rows;
  }

  private inWindow(time: number, window: TimeWindow | null): boolean {
    if (window === null) return true;
    if (window.kind === 'within') return time > this.asOfMs - window.seconds * 1000 && time <= this.asOfMs;
    return time >= parseInstant(window.start) && time < parseInstant(window.end);
  }

  private matchingEvents(ref: EventRef, window: TimeWindow | null, filters: readonly PropertyFilter[]): Map<string, LiveRow[]> {
    const table = this.eventTable(ref);
    const byUser = new Map<string, LiveRow[]>();
    for (const live of this.eventRows(ref)) {
      if (!this.inWindow(live.time, window)) continue;
      const passes = filters.every((filter) =>
        evaluatePredicate(live.row[filter.property] ?? null, { type: this.columnType(table, filter.property) }, filter.predicate),
      );
      if (!passes) continue;
      const user = entityKey(live.row[this.layout.columns.userId])!;
      if (!byUser.has(user)) byUser.set(user, []);
      byUser.get(user)!.push(live);
    }
    return byUser;
  }

  // -------------------------------------------------------------------------------------------
  // Computed traits

  private propertyType(definition: ComputedTraitDefinition): LogicalType {
    return definition.property === null ? 'unknown' : this.columnType(this.eventTable(definition.event), definition.property);
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
    const byUser = this.matchingEvents(definition.event, definition.window, definition.filters);
    const values = new Map<string, TraitValue>();
    if (definition.level === 'user') {
      for (const user of this.users) values.set(user, this.aggregate(definition, byUser.get(user) ?? []));
    } else {
      const contextColumn = this.layout.columns.contextGroupId;
      for (const account of this.accounts) {
        const events: LiveRow[] = [];
        for (const user of this.usersOf(account)) {
          for (const live of byUser.get(user) ?? []) {
            if (definition.scope === 'group_context') {
              const context = entityKey(live.row[contextColumn]);
              if (context !== null && context !== account) continue;
            }
            events.push(live);
          }
        }
        values.set(account, this.aggregate(definition, events));
      }
    }
    this.computedCache.set(definition.name, values);
    return values;
  }

  private aggregate(definition: ComputedTraitDefinition, events: readonly LiveRow[]): TraitValue {
    if (definition.compute === 'count') return events.length;
    const property = definition.property!;
    const type = this.propertyType(definition);
    const output = (value: unknown): TraitValue => {
      if (value === null || value === undefined) return null;
      if (type === 'timestamp') return formatInstant(toInstant(value));
      if (typeof value === 'bigint') return Number(value);
      return value as TraitValue;
    };
    const present = events.map((e) => e.row[property]).filter((v) => v !== null && v !== undefined);
    const comparable = (value: unknown): Comparable => toComparable(value, type);

    switch (definition.compute) {
      case 'sum': {
        let sum = 0;
        for (const value of present) sum += comparable(value) as number;
        return sum;
      }
      case 'avg': {
        if (present.length === 0) return null;
        let sum = 0;
        for (const value of present) sum += comparable(value) as number;
        return sum / present.length;
      }
      case 'min':
      case 'max': {
        let best: unknown = null;
        for (const value of present) {
          if (best === null) {
            best = value;
            continue;
          }
          const order = compareValues(comparable(value), comparable(best));
          if (definition.compute === 'min' ? order < 0 : order > 0) best = value;
        }
        return output(best);
      }
      case 'most_frequent': {
        const counts = new Map<Comparable, { value: unknown; count: number }>();
        for (const value of present) {
          const key = comparable(value);
          const entry = counts.get(key) ?? { value, count: 0 };
          entry.count += 1;
          counts.set(key, entry);
        }
        let best: { key: Comparable; value: unknown; count: number } | null = null;
        for (const [key, entry] of counts) {
          if (entry.count < definition.minFrequency) continue;
          if (
            best === null ||
            entry.count > best.count ||
            (entry.count === best.count && compareValues(key, best.key) < 0)
          ) {
            best = { key, ...entry };
          }
        }
        return best === null ? null : output(best.value);
      }
      case 'first':
      case 'last': {
        const idColumn = this.layout.columns.id;
        let chosen: LiveRow | null = null;
        for (const live of events) {
          if (chosen === null) {
            chosen = live;
            continue;
          }
          const timeOrder = live.time - chosen.time;
          const better =
            (definition.compute === 'first' ? timeOrder < 0 : timeOrder > 0) ||
            (timeOrder === 0 && idWins(live.row[idColumn], chosen.row[idColumn], 'smaller'));
          if (better) chosen = live;
        }
        return chosen === null ? null : output(chosen.row[property]);
      }
      case 'unique_list':
      case 'unique_count': {
        const distinct = new Map<Comparable, unknown>();
        for (const value of present) {
          const key = comparable(value);
          if (!distinct.has(key)) distinct.set(key, value);
        }
        if (definition.compute === 'unique_count') return distinct.size;
        const keys = [...distinct.keys()].sort(compareValues);
        return keys.map((key) => output(distinct.get(key)) as string | number | boolean);
      }
      default:
        throw new Error(`unknown compute kind ${definition.compute as string}`);
    }
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
    for (const entity of this.universe(definition.level)) {
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
          member = [...this.accountsOf(entity)].some((account) => members.has(account));
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
        const users = this.usersOf(entity);
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
      satisfied = new Set(this.users.filter((user) => this.holds(condition, 'user', user)));
      this.quantifiedCache.set(condition, satisfied);
    }
    return satisfied;
  }

  private performedCount(condition: Extract<Condition, { kind: 'performed' }>): Map<string, number> {
    let counts = this.performedCache.get(condition);
    if (!counts) {
      counts = new Map();
      for (const [user, events] of this.matchingEvents(condition.event, condition.window, condition.filters)) {
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
        new Map([...this.matchingEvents(step.event, window, step.filters)].map(([user, rows]) => [user, rows.map((r) => r.time)]));
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
          value: this.customValue(level, trait.column, entity),
          type: trait.type === 'list' ? { type: 'list', element: 'string' } : { type: trait.type },
        };
    }
  }
}
