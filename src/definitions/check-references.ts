// Checks that need the whole project (and, when known, the warehouse catalog): names are
// unique, references resolve at the right level, audiences do not depend on themselves,
// destinations exist, and every table, column and literal fits the warehouse.
import { error, warning, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Catalog, LogicalType } from '../warehouse/catalog.js';
import { didYouMean } from './did-you-mean.js';
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
  Scalar,
  SourceLocation,
  SqlTraitDefinition,
} from './model.js';
import { keyLocation, sqlLocators } from './parse-definition.js';
import { SOURCE_ROLES, sourceTable } from './parse-sql.js';
import { parseTimestamp } from './parse-values.js';
import { DefinitionIndex, resolveTrait, sqlTraitColumns, type ResolvedTrait } from './resolve.js';
import { snakeCase } from './snake-case.js';

export function checkProject(project: Project, catalog: Catalog): Diagnostic[] {
  return new ProjectChecker(project, catalog).run();
}

/** Where a definition is, for messages: `audiences/a.yml:3:1`. */
export function where(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

const KIND_NAMES: Readonly<Record<Definition['kind'], string>> = {
  audience: 'audience',
  computed_trait: 'computed trait',
  sql_trait: 'SQL trait',
};

export function subjectOf(definition: Definition): string {
  return `${KIND_NAMES[definition.kind]} "${definition.name}"`;
}

interface TreeContext {
  readonly audience: AudienceDefinition;
  readonly level: Level;
  /** The quantifier the tree is inside of, if any. */
  readonly quantifier: string | null;
}

interface Edge {
  readonly from: AudienceDefinition;
  readonly to: AudienceDefinition;
  readonly loc: SourceLocation;
}

class ProjectChecker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly index: DefinitionIndex;
  private readonly edges: Edge[] = [];
  private readonly reportedTables = new Set<string>();

  constructor(
    private readonly project: Project,
    private readonly catalog: Catalog,
  ) {
    this.index = new DefinitionIndex(project.definitions);
  }

  run(): Diagnostic[] {
    this.checkDuplicates();
    for (const definition of this.project.definitions) {
      this.checkSync(definition);
      switch (definition.kind) {
        case 'audience':
          if (definition.level === 'account') this.requireTable(this.layout.tables.groups, definition.loc, `${subjectOf(definition)} is account level, so it reads account membership`);
          this.walk(definition.where, { audience: definition, level: definition.level, quantifier: null });
          break;
        case 'computed_trait':
          this.checkComputedTrait(definition);
          break;
        case 'sql_trait':
          this.checkSqlTrait(definition);
          break;
        default: {
          const never: never = definition;
          throw new Error(`unhandled definition ${String(never)}`);
        }
      }
    }
    this.checkCycles();
    return this.diagnostics;
  }

  private get layout() {
    return this.project.config.source;
  }

  private report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  // -------------------------------------------------------------------------------------------
  // Names

  private checkDuplicates(): void {
    for (const name of this.index.names()) {
      const all = this.index.all(name);
      for (const later of all.slice(1)) {
        const first = all[0];
        this.report(
          error(
            'duplicate_name',
            later.loc,
            `the name "${name}" is defined twice: as ${subjectOf(first).replace(/ ".*"$/, '')} at ${where(first.loc)} and as ${subjectOf(later).replace(/ ".*"$/, '')} here.`,
            'rename one of them; names are unique across audiences and traits because they become the keys of traits in the calls quorum sends',
          ),
        );
      }
    }
  }

  private checkSync(definition: Definition): void {
    const names = Object.keys(this.project.config.destinations);
    for (const target of definition.sync) {
      if (names.includes(target.to)) continue;
      const suggestion = didYouMean(target.to, names);
      this.report(
        error(
          'unknown_reference',
          target.loc,
          `${subjectOf(definition)} syncs to the destination "${target.to}", which quorum.yml does not define${names.length ? ` (it defines ${names.map((n) => `"${n}"`).join(', ')})` : ''}.`,
          suggestion ? `did you mean "${suggestion}"?` : `add "${target.to}" under destinations: in quorum.yml, e.g. ${target.to}: { type: stdout }`,
        ),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Audience trees

  private walk(condition: Condition, ctx: TreeContext): void {
    switch (condition.kind) {
      case 'all':
      case 'any':
        for (const child of condition.children) this.walk(child, ctx);
        return;
      case 'not':
        this.walk(condition.child, ctx);
        return;
      case 'trait':
        this.checkTraitLeaf(condition, ctx);
        return;
      case 'in_audience':
        this.checkInAudience(condition, ctx);
        return;
      case 'performed':
        if (ctx.level === 'account') {
          this.report(
            error(
              'level_mismatch',
              condition.loc,
              `${this.treeSubject(ctx)} uses "performed: ${eventName(condition.event)}", but events are performed by users, and this condition is evaluated for accounts.`,
              `wrap it in a quantifier, e.g. any_user: { performed: ${eventName(condition.event)} }, or count the account's events with an account-level computed trait`,
            ),
          );
        }
        this.checkEvents(condition.event, condition.filters, condition.loc, `${this.treeSubject(ctx)}`);
        return;
      case 'quantifier':
        if (ctx.level === 'user') {
          this.report(
            error(
              'level_mismatch',
              condition.loc,
              `${this.treeSubject(ctx)} uses "${condition.quantifier}", but quantifiers over an account's users work only in account-level audiences, and this condition is evaluated for users.`,
              `write the user condition directly, or make the audience level: account`,
            ),
          );
        }
        this.requireTable(this.layout.tables.groups, condition.loc, `"${condition.quantifier}" reads account membership`);
        this.walk(condition.condition, { ...ctx, level: 'user', quantifier: condition.quantifier });
        return;
      default: {
        const never: never = condition;
        throw new Error(`unhandled condition ${String(never)}`);
      }
    }
  }

  private treeSubject(ctx: TreeContext): string {
    return ctx.quantifier
      ? `the user-level condition inside "${ctx.quantifier}" of audience "${ctx.audience.name}"`
      : `${ctx.audience.level}-level audience "${ctx.audience.name}"`;
  }

  private customTable(level: Level): string {
    return level === 'user' ? this.layout.tables.identifies : this.layout.tables.groups;
  }

  private checkTraitLeaf(condition: Extract<Condition, { kind: 'trait' }>, ctx: TreeContext): void {
    const { trait, loc } = condition;
    const table = this.customTable(ctx.level);
    const resolution = resolveTrait(trait, ctx.level, this.index, this.layout, this.catalog);
    if (resolution.ok) {
      const resolved = resolution.trait;
      if (resolved.kind === 'custom' && !this.catalog.known) {
        // Offline every unknown name is taken as a custom trait; a trait defined only at the
        // other level is still certainly a mismatch, and a near miss is probably a typo.
        const other: Level = ctx.level === 'user' ? 'account' : 'user';
        const elsewhere = this.index.all(trait.split('.')[0]).find((d) => d.kind !== 'audience' && d.level === other);
        if (elsewhere) {
          this.reportTraitLevel(trait, other, ctx, loc);
          return;
        }
        this.warnLikelyTypo(trait, ctx, loc);
      }
      this.checkLiterals(condition.predicate, this.traitType(resolved), `trait "${trait}"`, describeTrait(resolved, table), loc);
      return;
    }
    switch (resolution.reason) {
      case 'ambiguous': {
        const found = this.index.all(trait.split('.')[0]).filter((d) => d.level === ctx.level && d.kind !== 'audience');
        this.report(
          error(
            'ambiguous_reference',
            loc,
            `${this.treeSubject(ctx)} uses trait "${trait}", which names more than one trait at ${ctx.level} level: ${found.map((d) => `${subjectOf(d)} at ${where(d.loc)}`).join(' and ')}.`,
            'rename one of them so that every trait name means one thing',
          ),
        );
        return;
      }
      case 'level_mismatch':
        this.reportTraitLevel(trait, resolution.otherLevel ?? (ctx.level === 'user' ? 'account' : 'user'), ctx, loc);
        return;
      case 'unknown': {
        if (this.catalog.known && !this.catalog.tables.has(table)) {
          this.requireTable(table, loc, `custom ${ctx.level} traits are columns of ${table}`);
          return;
        }
        const candidates = [
          ...this.project.definitions.filter((d) => d.kind !== 'audience' && d.level === ctx.level).map((d) => d.name),
          ...(this.catalog.tables.get(table)?.columns.keys() ?? []),
        ];
        const suggestion = didYouMean(trait, candidates);
        const sqlBase = this.index.all(trait.split('.')[0]).find((d): d is SqlTraitDefinition => d.kind === 'sql_trait' && d.level === ctx.level);
        const message = sqlBase
          ? `${this.treeSubject(ctx)} uses trait "${trait}", but SQL trait "${sqlBase.name}" returns the columns ${sqlTraitColumns(sqlBase, this.catalog).map((c) => `"${c}"`).join(', ')}, so quorum cannot tell which column "${trait}" means.`
          : `${this.treeSubject(ctx)} uses trait "${trait}", which is not a computed or SQL trait at ${ctx.level} level, and table "${table}" has no column "${trait}" for a custom trait.`;
        this.report(
          error(
            sqlBase ? 'unknown_reference' : 'missing_column',
            loc,
            message,
            suggestion
              ? `did you mean "${suggestion}"?`
              : sqlBase
                ? `name the column: trait: ${sqlBase.name}.<column>`
                : `define it (computed_trait: ${trait}) or check the spelling against the columns of ${table}`,
          ),
        );
        return;
      }
      default: {
        const never: never = resolution.reason;
        throw new Error(`unhandled resolution ${String(never)}`);
      }
    }
  }

  private reportTraitLevel(trait: string, other: Level, ctx: TreeContext, loc: SourceLocation): void {
    const hint = ctx.level === 'user'
      ? `to use an account's trait for its users, define an account-level audience with { trait: ${trait}, ... } and write { in_audience: <that audience> } here`
      : `wrap it in a quantifier over the account's users, e.g. any_user: { trait: ${trait}, ... } (or all_users / no_user)`;
    this.report(
      error(
        'level_mismatch',
        loc,
        `${this.treeSubject(ctx)} is evaluated for ${ctx.level === 'user' ? 'users' : 'accounts'}, but trait "${trait}" is ${other} level (${this.describeName(trait, other)}).`,
        hint,
      ),
    );
  }

  private warnLikelyTypo(trait: string, ctx: TreeContext, loc: SourceLocation): void {
    const names = this.project.definitions.filter((d) => d.kind !== 'audience').map((d) => d.name);
    const suggestion = didYouMean(trait, names);
    if (suggestion === null) return;
    this.report(
      warning(
        'unknown_reference',
        loc,
        `${this.treeSubject(ctx)} uses trait "${trait}", which is not a defined trait, so it is read as the custom trait (column) "${trait}" of ${this.customTable(ctx.level)}; without the warehouse's catalog quorum cannot check that the column exists.`,
        `did you mean "${suggestion}"?`,
      ),
    );
  }

  /** What a trait name is at a level, for messages. */
  private describeName(name: string, level: Level): string {
    const base = name.split('.')[0];
    const defined = this.index.all(base).find((d) => d.kind !== 'audience' && d.level === level);
    if (defined) return `${subjectOf(defined)} at ${where(defined.loc)}`;
    return `a column of ${this.customTable(level)}`;
  }

  private checkInAudience(condition: Extract<Condition, { kind: 'in_audience' }>, ctx: TreeContext): void {
    const key = condition.negated ? 'not_in_audience' : 'in_audience';
    const target = this.index.audience(condition.audience);
    if (!target) {
      const other = this.index.get(condition.audience);
      const audiences = this.project.definitions.filter((d) => d.kind === 'audience').map((d) => d.name);
      const suggestion = didYouMean(condition.audience, audiences);
      this.report(
        error(
          'unknown_reference',
          condition.loc,
          other
            ? `${this.treeSubject(ctx)} uses "${key}: ${condition.audience}", but "${condition.audience}" is a ${KIND_NAMES[other.kind]} (${where(other.loc)}), not an audience.`
            : `${this.treeSubject(ctx)} uses "${key}: ${condition.audience}", but no audience has that name.`,
          suggestion ? `did you mean "${suggestion}"?` : other ? `compare the trait instead: { trait: ${condition.audience}, ... }` : `define it in audiences/${condition.audience}.yml or check the spelling`,
        ),
      );
      return;
    }
    this.edges.push({ from: ctx.audience, to: target, loc: condition.loc });
    if (ctx.level === 'account' && target.level === 'user') {
      this.report(
        error(
          'level_mismatch',
          condition.loc,
          `${this.treeSubject(ctx)} is evaluated for accounts, but "${key}: ${target.name}" names a user-level audience (${where(target.loc)}).`,
          `ask about the account's users with a quantifier, e.g. any_user: { ${key}: ${target.name} }`,
        ),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cycles

  private checkCycles(): void {
    const out = new Map<AudienceDefinition, Edge[]>();
    for (const edge of this.edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
    const state = new Map<AudienceDefinition, 'open' | 'done'>();
    const stack: Edge[] = [];
    const seen = new Set<string>();
    const visit = (node: AudienceDefinition): void => {
      state.set(node, 'open');
      for (const edge of out.get(node) ?? []) {
        const status = state.get(edge.to);
        if (status === 'open') {
          const start = stack.findIndex((e) => e.from === edge.to);
          const cycle = [...(start >= 0 ? stack.slice(start) : []), edge];
          this.reportCycle(cycle, seen);
        } else if (status === undefined) {
          stack.push(edge);
          visit(edge.to);
          stack.pop();
        }
      }
      state.set(node, 'done');
    };
    for (const definition of this.project.definitions) {
      if (definition.kind === 'audience' && !state.has(definition)) visit(definition);
    }
  }

  private reportCycle(cycle: Edge[], seen: Set<string>): void {
    // Start the chain at the alphabetically first audience, so one cycle is reported once.
    let first = 0;
    cycle.forEach((e, i) => {
      if (e.from.name < cycle[first].from.name) first = i;
    });
    const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
    const chain = [...rotated.map((e) => e.from.name), rotated[0].from.name].join(' -> ');
    if (seen.has(chain)) return;
    seen.add(chain);
    const steps = rotated.map((e) => `${e.from.name} uses ${e.to.name} at ${where(e.loc)}`).join('; ');
    this.report(
      error(
        'cycle',
        rotated[0].loc,
        `audience "${rotated[0].from.name}" depends on itself: ${chain} (${steps}).`,
        'break the cycle: an audience cannot be defined in terms of its own membership; remove one of these in_audience conditions',
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Traits

  private checkComputedTrait(definition: ComputedTraitDefinition): void {
    const subject = subjectOf(definition);
    if (definition.level === 'account') this.requireTable(this.layout.tables.groups, definition.loc, `${subject} is account level, so it reads account membership`);
    const table = this.checkEvents(definition.event, definition.filters, keyLocation(definition, 'event'), subject);
    if (table === null || !this.catalog.known) return;
    const columns = this.catalog.tables.get(table)!.columns;
    if (definition.property !== null && !columns.has(definition.property)) {
      const suggestion = didYouMean(definition.property, columns.keys());
      this.report(
        error(
          'missing_column',
          keyLocation(definition, 'property'),
          `${subject} computes ${definition.compute} of property "${definition.property}", but the event table "${table}" has no column "${definition.property}".`,
          suggestion ? `did you mean "${suggestion}"?` : `check the property's name: Segment writes it in snake case (e.g. plan.tier -> plan_tier)`,
        ),
      );
    }
    if (definition.scope === 'group_context' && definition.level === 'account' && !columns.has(this.layout.columns.contextGroupId)) {
      this.report(
        error(
          'missing_column',
          keyLocation(definition, 'scope'),
          `${subject} has scope: group_context, but the event table "${table}" has no column "${this.layout.columns.contextGroupId}".`,
          'remove scope: group_context, or send context.groupId with the events',
        ),
      );
    }
  }

  /** Checks an event's table and its property filters; the table name when it exists. */
  private checkEvents(event: EventRef, filters: readonly PropertyFilter[], loc: SourceLocation, subject: string): string | null {
    if (!this.catalog.known) return null;
    const table = this.eventTable(event);
    const reason = event.kind === 'track' ? `events "${event.name}" are read from table "${table}" (the event name in snake case)` : `${event.kind} views are read from table "${table}"`;
    if (!this.requireTable(table, loc, `${subject}: ${reason}`)) return null;
    const columns = this.catalog.tables.get(table)!.columns;
    for (const filter of filters) {
      const type = columns.get(filter.property);
      if (type === undefined) {
        const suggestion = didYouMean(filter.property, columns.keys());
        this.report(
          error(
            'missing_column',
            filter.loc,
            `${subject} filters on property "${filter.property}", but the event table "${table}" has no column "${filter.property}".`,
            suggestion ? `did you mean "${suggestion}"?` : 'check the property\'s name: Segment writes it in snake case (e.g. plan.tier -> plan_tier)',
          ),
        );
        continue;
      }
      this.checkLiterals(filter.predicate, type, `property "${filter.property}"`, `column "${filter.property}" of ${table}`, filter.loc);
    }
    return table;
  }

  private eventTable(event: EventRef): string {
    switch (event.kind) {
      case 'track':
        return snakeCase(event.name);
      case 'page':
        return this.layout.tables.pages;
      case 'screen':
        return this.layout.tables.screens;
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${String(never)}`);
      }
    }
  }

  private checkSqlTrait(definition: SqlTraitDefinition): void {
    if (!this.catalog.known) return;
    const locate = sqlLocators.get(definition);
    for (const part of definition.template) {
      if (part.kind !== 'source') continue;
      const role = part.table;
      const table = sourceTable(this.layout, role);
      const loc = locate ? locate(part.offset) : definition.loc;
      if (!this.catalog.tables.has(table)) {
        const suggestion = didYouMean(table, this.catalog.tables.keys());
        this.report(
          error(
            'missing_table',
            loc,
            `${subjectOf(definition)} reads {{ source('${role}') }}, but the source schema "${this.layout.schema}" has no table "${table}".`,
            suggestion ? `did you mean "${suggestion}"?` : 'check the name against the tables of the source schema; event tables are the event name in snake case',
          ),
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Warehouse

  /** Reports a missing table once (at its first use); true when the table exists. */
  private requireTable(table: string, loc: SourceLocation, reason: string): boolean {
    if (!this.catalog.known || this.catalog.tables.has(table)) return true;
    if (this.reportedTables.has(table)) return false;
    this.reportedTables.add(table);
    const suggestion = didYouMean(table, this.catalog.tables.keys());
    this.report(
      error(
        'missing_table',
        loc,
        `the source schema "${this.layout.schema}" has no table "${table}" (${reason}).`,
        suggestion
          ? `did you mean "${suggestion}"? (event tables are named after the event in snake case)`
          : 'check source.schema in quorum.yml, or send the event at least once so that the warehouse has its table',
      ),
    );
    return false;
  }

  private traitType(trait: ResolvedTrait): LogicalType {
    switch (trait.kind) {
      case 'custom':
        return trait.type;
      case 'sql':
        return this.catalog.sqlTraitColumns.get(trait.definition.name)?.get(trait.column) ?? 'unknown';
      case 'computed': {
        const d = trait.definition;
        switch (d.compute) {
          case 'count':
          case 'unique_count':
            return 'integer';
          case 'sum':
          case 'avg':
            return 'number';
          case 'unique_list':
            return 'list';
          case 'min':
          case 'max':
          case 'first':
          case 'last':
          case 'most_frequent':
            return d.property === null ? 'unknown' : this.catalog.tables.get(this.eventTable(d.event))?.columns.get(d.property) ?? 'unknown';
          default: {
            const never: never = d.compute;
            throw new Error(`unhandled compute ${String(never)}`);
          }
        }
      }
      default: {
        const never: never = trait;
        throw new Error(`unhandled trait ${String(never)}`);
      }
    }
  }

  private checkLiterals(predicate: Predicate, type: LogicalType, what: string, holder: string, loc: SourceLocation): void {
    if (predicate.op === 'exists' || type === 'unknown' || type === 'string' || type === 'list') return;
    const values: readonly Scalar[] = Array.isArray(predicate.value) ? predicate.value : [predicate.value as Scalar];
    for (const value of values) {
      if (castable(value, type)) continue;
      this.report(
        error(
          'uncastable_literal',
          loc,
          `${what} holds ${TYPE_NAMES[type]} (${holder}), but the condition compares it with ${JSON.stringify(value)} (${predicate.op}), which is not ${ARTICLE_TYPE_NAMES[type]}.`,
          TYPE_HINTS[type],
        ),
      );
      return;
    }
  }
}

const TYPE_NAMES: Readonly<Record<LogicalType, string>> = {
  string: 'text', number: 'numbers', integer: 'whole numbers', boolean: 'booleans', timestamp: 'timestamps', list: 'lists', unknown: 'values',
};
const ARTICLE_TYPE_NAMES: Readonly<Record<LogicalType, string>> = {
  string: 'text', number: 'a number', integer: 'a number', boolean: 'a boolean', timestamp: 'an ISO-8601 timestamp', list: 'a list', unknown: 'a value',
};
const TYPE_HINTS: Readonly<Record<LogicalType, string>> = {
  string: 'write text',
  number: 'write a number, e.g. 10 or 2.5 (without quotes)',
  integer: 'write a number, e.g. 10 (without quotes)',
  boolean: 'write true or false',
  timestamp: 'write an ISO-8601 date or timestamp, e.g. 2024-01-31 or 2024-01-31T12:00:00Z',
  list: 'write a list',
  unknown: 'write a value of the column\'s type',
};

/** Whether a YAML literal can be cast to a column of `type` (as SQL's CAST would, strictly). */
export function castable(value: Scalar, type: LogicalType): boolean {
  switch (type) {
    case 'string':
    case 'list':
    case 'unknown':
      return true;
    case 'number':
    case 'integer':
      return typeof value === 'number' || (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value));
    case 'boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value.trim()));
    case 'timestamp':
      return typeof value === 'string' && parseTimestamp(value) !== null;
    default: {
      const never: never = type;
      throw new Error(`unhandled type ${String(never)}`);
    }
  }
}

function describeTrait(trait: ResolvedTrait, table: string): string {
  switch (trait.kind) {
    case 'custom':
      return `column "${trait.column}" of ${table}`;
    case 'computed':
      return `computed trait, ${trait.definition.compute}`;
    case 'sql':
      return `column "${trait.column}" of SQL trait "${trait.definition.name}"`;
    default: {
      const never: never = trait;
      throw new Error(`unhandled trait ${String(never)}`);
    }
  }
}

function eventName(event: EventRef): string {
  return event.kind === 'track' ? event.name : event.name === null ? event.kind : `${event.kind} (name: ${event.name})`;
}

export { SOURCE_ROLES };
