// Plan -> SQL AST. One WITH statement: universes and memberships, one scan per event table and
// level (every measure of that table is a conditional aggregate of that scan), a features row per
// entity and level, then one CTE per audience. The body is chosen by the caller: members of the
// outputs, a per-condition breakdown, or every value behind one entity.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Level, Predicate, Scalar, SourceLayout, SqlTemplatePart, TimeWindow } from '../definitions/model.js';
import { instantOf } from '../definitions/literal-instants.js';
import { sourceTable } from '../definitions/parse-sql.js';
import type {
  Feature,
  Measure,
  Plan,
  PlanAudience,
  PlanCondition,
  PlanFilter,
  PlanFunnelStep,
  PlanSqlTrait,
  RankedTrait,
  ValueType,
} from '../plan/plan.js';
import {
  aggregate,
  and,
  between,
  bin,
  bool,
  caseWhen,
  cast,
  coalesce,
  codePointOrder,
  col,
  countAll,
  emptyList,
  FALSE,
  firstPerGroup,
  inQuery,
  isNull,
  join,
  jsonObject,
  latestNonNull,
  listContains,
  lowerCase,
  NULL,
  not,
  num,
  oneOf,
  or,
  select,
  str,
  stringMatch,
  subquery,
  table,
  toJsonText,
  ts,
  union,
  withCtes,
  type CommonTableExpression,
  type Expr,
  type FirstPerGroup,
  type FromItem,
  type Query,
  type Select,
  type SelectColumn,
  type TemplateQuery,
  type With,
} from './ast.js';
import { funnelCtes, funnelStepCte } from './lower-funnel.js';
import { identityCtes, identityUsers, stitchedSource } from './lower-identity.js';
import { membersOnlyUserRows } from './lower-performers.js';


export const CTE = {
  userUniverse: 'universe:user',
  accountUniverse: 'universe:account',
  memberships: 'memberships',
  customTraits: (level: Level) => `custom_traits:${level}`,
  features: (level: Level) => `features:${level}`,
  audience: (name: string) => `audience:${name}`,
  quantifiers: (name: string) => `quantifiers:${name}`,
  sharedQuantifiers: 'quantifiers',
} as const;

export type Body =
  | { readonly kind: 'members' }
  | { readonly kind: 'breakdown'; readonly audience: string }
  | { readonly kind: 'explain'; readonly audience: string; readonly id: string };

/** Condition nodes of an audience in pre-order, with the column each one gets in breakdown / explain. */
export interface LabelledCondition {
  readonly column: string;
  readonly label: string;
  readonly depth: number;
  readonly node: PlanCondition;
}

export function labelConditions(condition: PlanCondition): LabelledCondition[] {
  const out: LabelledCondition[] = [];
  const walk = (node: PlanCondition, depth: number) => {
    out.push({ column: `c_${out.length + 1}`, label: node.label, depth, node });
    if (node.kind === 'all' || node.kind === 'any') node.children.forEach((child) => walk(child, depth + 1));
    else if (node.kind === 'funnel') node.steps.forEach((step) => walk(step, depth + 1));
    else if (node.kind === 'not') walk(node.child, depth + 1);
  };
  walk(condition, 0);
  return out;
}

// -----------------------------------------------------------------------------------------------
// Literals: a YAML value cast to the column's type (docs/semantics.md "Literal types").

const NO_INSTANTS: Predicate['instants'] = {};

/** A literal of the column's type; a timestamp is the instant the definition's loader parsed (`instants`). */
export function literalFor(value: Scalar, type: ValueType, instants: Predicate['instants'] = NO_INSTANTS): Expr {
  if (value === null) return NULL;
  switch (type) {
    case 'string':
      return str(typeof value === 'string' ? value : String(value));
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? num(n) : literalFor(value, 'unknown');
    }
    case 'boolean':
      if (typeof value === 'boolean') return bool(value);
      if (value === 'true' || value === 'false') return bool(value === 'true');
      return literalFor(value, 'unknown');
    case 'timestamp': {
      const instant = instantOf(instants, value);
      return instant !== null ? ts(instant) : literalFor(value, 'unknown');
    }
    case 'list':
    case 'unknown':
      if (typeof value === 'number') return num(value);
      if (typeof value === 'boolean') return bool(value);
      return str(value);
    default:
      return assertNever(type, 'plan node');
  }
}

function scalarsOf(value: Predicate['value']): readonly Scalar[] {
  return Array.isArray(value) ? value : [value as Scalar];
}

/** The comparison, true / false / NULL as SQL has it; the caller makes it two-valued. */
function positiveComparison(subject: Expr, op: Predicate['op'], value: Predicate['value'], ignoreCase: boolean, type: ValueType, instants: Predicate['instants']): Expr {
  const fold = (e: Expr): Expr => (ignoreCase ? lowerCase(e) : e);
  const literalType: ValueType = type === 'list' ? 'unknown' : type;
  const lit = (v: Scalar) => literalFor(v, literalType, instants);
  const one = () => lit(scalarsOf(value)[0]);
  switch (op) {
    case 'equals':
    case 'not_equals':
      return bin('=', fold(subject), fold(one()));
    case 'in':
    case 'not_in':
      return oneOf(fold(subject), scalarsOf(value).map((v) => fold(lit(v))));
    case 'lt':
      return bin('<', subject, one());
    case 'lte':
      return bin('<=', subject, one());
    case 'gt':
      return bin('>', subject, one());
    case 'gte':
      return bin('>=', subject, one());
    case 'between': {
      const [low, high] = scalarsOf(value);
      return between(subject, lit(low), lit(high));
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return stringMatch(op, fold(subject), fold(literalFor(scalarsOf(value)[0], 'string')));
    case 'exists':
      return isNull(subject, value !== false);
    case 'includes':
      return listContains(subject, literalFor(scalarsOf(value)[0], 'unknown'));
    default:
      return assertNever(op, 'plan node');
  }
}

/** Two-valued: NULL becomes false, and the negative operators are exact complements. */
export function comparison(subject: Expr, op: Predicate['op'], value: Predicate['value'], ignoreCase: boolean, type: ValueType, instants: Predicate['instants']): Expr {
  if (op === 'exists') return positiveComparison(subject, op, value, ignoreCase, type, instants);
  const positive = coalesce(positiveComparison(subject, op, value, ignoreCase, type, instants), FALSE);
  return op === 'not_equals' || op === 'not_in' ? not(positive) : positive;
}

/**
 * A SQL trait's template with its holes filled: each source the layout's table in the source
 * schema (an event table is its own name), as_of a timestamp literal.
 */
export function sqlTraitQuery(template: readonly SqlTemplatePart[], layout: SourceLayout, asOf: string): TemplateQuery {
  const parts = template.map((part): TemplateQuery['parts'][number] => {
    switch (part.kind) {
      case 'text':
        return { kind: 'text', text: part.text };
      case 'as_of':
        return { kind: 'literal', literal: { type: 'timestamp', value: asOf } };
      case 'source':
        return { kind: 'table', schema: layout.schema, name: sourceTable(layout, part.table) };
      default:
        return assertNever(part);
    }
  });
  return { kind: 'template', parts };
}

// -----------------------------------------------------------------------------------------------

/** The groups an account-level scan pre-aggregates per user: (user, [context account], [value]). */
interface PreAggregationKey {
  readonly property: string | null;
  readonly context: boolean;
}

class Lowering {
  private readonly featuresByColumn = new Map<string, Feature>();
  private readonly audiencesByName = new Map<string, PlanAudience>();

  /** Audiences whose quantifiers are counted in the shared quantifiers CTE, and their columns there. */
  private readonly sharedQuantifiers = new Set<string>();
  private readonly quantifierColumns = new Map<PlanCondition, string>();

  /** Account audiences that are "at least N users satisfy C" and nothing else (see matchingUsersOnly). */
  private readonly matchingOnly = new Set<string>();

  /** Account audiences that are one quantifier which no account without users satisfies (see quantifierAlone). */
  private readonly quantifierOnly = new Set<string>();

  /** Funnel features no condition of a member list reads: the users who reached the steps before the last. */
  private readonly unreadFeatures = new Set<string>();

  /** A member list's users when it may skip the user universe (see membersOnlyUserRows), else null. */
  private readonly performerRows: FromItem | null;

  constructor(
    private readonly plan: Plan,
    membersOnly = false,
  ) {
    for (const f of plan.features) this.featuresByColumn.set(f.column, f);
    for (const f of plan.features) {
      const s = f.source;
      if (membersOnly && s.kind === 'funnel' && !s.final) this.unreadFeatures.add(f.column);
    }
    for (const a of plan.audiences) this.audiencesByName.set(a.name, a);
    this.performerRows = membersOnly ? membersOnlyUserRows(plan, 'u') : null;
    if (membersOnly && !plan.sqlTraits.some((t) => t.associatesUsers)) {
      for (const a of plan.audiences) {
        if (Lowering.matchingUsersOnly(a)) this.matchingOnly.add(a.name);
        else if (Lowering.quantifierAlone(a)) this.quantifierOnly.add(a.name);
      }
    }
    const shared = this.sharedQuantifierAudiences().filter((a) => !this.matchingOnly.has(a.name));
    // One audience alone keeps its own CTE (and its plan's column names): nothing to share.
    if (shared.length > 1) {
      shared.forEach((a, i) => {
        this.sharedQuantifiers.add(a.name);
        for (const q of a.quantifiers) this.quantifierColumns.set(q, `a${i + 1}_${q.column}`);
      });
    }
  }

  /**
   * Only a user-level output needs every user. When users are read only through accounts'
   * quantifiers, the users of the memberships are enough, and the scan of every event table
   * for user ids is skipped.
   */
  private get needsUserUniverse(): boolean {
    return this.performerRows === null && this.plan.outputs.some((o) => o.level === 'user');
  }

  private membershipUsers(): FromItem {
    const userId = col(this.layout.columns.userId, 'mu');
    return subquery(select({ distinct: true, columns: [{ expr: userId, alias: 'id' }], from: table(CTE.memberships, 'mu') }), 'u');
  }

  /** A source column's value, ordered by code point when the catalog says it is a string. */
  private ordered(expr: Expr, table: string, column: string | null): Expr {
    return column !== null && this.plan.columnTypes[table]?.[column] === 'string' ? codePointOrder(expr) : expr;
  }

  /** Aggregates whose answer depends on string order. */
  private static readonly ORDER_SENSITIVE: ReadonlySet<string> = new Set(['min', 'max', 'sorted_distinct_list']);

  private get layout() {
    return this.plan.layout;
  }

  /** A source table, read through the identity mapping when stitching is on (lower-identity.ts). */
  private source(name: string, alias: string): FromItem {
    return stitchedSource(this.plan, name, alias);
  }

  private eventTime(alias: string): Expr {
    return col(this.layout.eventTime, alias);
  }

  /** Rows that exist at as_of. */
  private existsAtAsOf(alias: string): Expr {
    return bin('<=', this.eventTime(alias), ts(this.plan.asOf));
  }

  private windowCondition(window: TimeWindow | null, alias: string): Expr[] {
    if (window === null) return [];
    if (window.kind === 'within') {
      const lower = new Date(Date.parse(this.plan.asOf) - window.seconds * 1000).toISOString();
      return [bin('>', this.eventTime(alias), ts(lower))];
    }
    return [
      bin('>=', this.eventTime(alias), ts(window.start)),
      bin('<', this.eventTime(alias), ts(window.end)),
    ];
  }

  /**
   * The earliest instant any of these windows reaches back to, so that a scan reads only the rows
   * some measure can use; null when one of them has no lower bound.
   */
  private earliestWindowStart(windows: readonly (TimeWindow | null)[]): { at: string; inclusive: boolean } | null {
    let earliest: { time: number; inclusive: boolean } | null = null;
    for (const window of windows) {
      if (window === null) return null;
      const start =
        window.kind === 'within'
          ? { time: Date.parse(this.plan.asOf) - window.seconds * 1000, inclusive: false }
          : { time: Date.parse(window.start), inclusive: true };
      if (earliest === null || start.time < earliest.time || (start.time === earliest.time && start.inclusive)) earliest = start;
    }
    return earliest === null ? null : { at: new Date(earliest.time).toISOString(), inclusive: earliest.inclusive };
  }

  private filterConditions(filters: readonly PlanFilter[], alias: string): Expr[] {
    return filters.map((f) => comparison(col(f.column, alias), f.predicate.op, f.predicate.value, f.predicate.ignoreCase, f.type, f.predicate.instants));
  }

  /** A measure's condition without the conjuncts its scan's WHERE (`narrowing`) already holds; null when none is left. */
  private measureFilter(m: Measure | RankedTrait, alias: string, narrowing: readonly Expr[], extra: readonly Expr[] = []): Expr | null {
    const implied = new Set(narrowing.map((e) => JSON.stringify(e)));
    const parts = [...this.matchParts(m, alias), ...extra].filter((e) => !implied.has(JSON.stringify(e)));
    return parts.length === 0 ? null : and(...parts);
  }

  private matchCondition(m: Measure | RankedTrait, alias: string): Expr {
    return and(...this.matchParts(m, alias));
  }

  private matchParts(m: Pick<Measure, 'match' | 'window' | 'filters' | 'groupContext'>, alias: string): Expr[] {
    const parts: Expr[] = [];
    if (m.match.value !== null) parts.push(bin('=', col(m.match.column, alias), str(m.match.value)));
    parts.push(...this.windowCondition(m.window, alias), ...this.filterConditions(m.filters, alias));
    if (m.groupContext) {
      const context = col(this.layout.columns.contextGroupId, alias);
      parts.push(or(isNull(context), bin('=', context, col(this.layout.columns.groupId, 'm'))));
    }
    return parts;
  }

  /** FROM clause of an event scan: the user's own events, or the account's users' events. */
  private eventSource(level: Level, tableName: string): { from: FromItem; joins: Select['joins']; entity: Expr; where: Expr } {
    const userId = col(this.layout.columns.userId, 'e');
    const where = and(this.existsAtAsOf('e'), isNull(userId, true));
    if (level === 'user') return { from: this.source(tableName, 'e'), joins: [], entity: userId, where };
    return {
      from: table(CTE.memberships, 'm'),
      joins: [join('INNER', this.source(tableName, 'e'), bin('=', userId, col(this.layout.columns.userId, 'm')))],
      entity: col(this.layout.columns.groupId, 'm'),
      where,
    };
  }

  // --- CTEs --------------------------------------------------------------------------------

  private sqlTraitCte(t: PlanSqlTrait): CommonTableExpression {
    return { name: t.name, comment: `sql_trait: ${t.trait} (${t.file})`, query: sqlTraitQuery(t.template, this.layout, this.plan.asOf) };
  }

  private universeCtes(): CommonTableExpression[] {
    const { columns, tables } = this.layout;
    const userSelects: Query[] = this.plan.userUniverseTables.map((name) =>
      select({
        distinct: true,
        columns: [{ expr: col(columns.userId, 's'), alias: 'id' }],
        from: table(name, 's', this.layout.schema),
        where: and(this.existsAtAsOf('s'), isNull(col(columns.userId, 's'), true)),
      }),
    );
    const owners = identityUsers(this.plan);
    if (owners !== null) userSelects.push(owners);
    const associations = this.plan.sqlTraits.filter((t) => t.associatesUsers);
    for (const t of associations) {
      userSelects.push(
        select({
          columns: [{ expr: col('user_id', 's'), alias: 'id' }],
          from: table(t.name, 's'),
          where: isNull(col('user_id', 's'), true),
        }),
      );
    }
    const membershipSelects: Query[] = [
      select({
        distinct: true,
        columns: [
          { expr: col(columns.groupId, 'g'), alias: columns.groupId },
          { expr: col(columns.userId, 'g'), alias: columns.userId },
        ],
        from: this.source(tables.groups, 'g'),
        where: and(this.existsAtAsOf('g'), isNull(col(columns.groupId, 'g'), true), isNull(col(columns.userId, 'g'), true)),
      }),
      ...associations.map((t) =>
        select({
          columns: [
            { expr: col('group_id', 's'), alias: columns.groupId },
            { expr: col('user_id', 's'), alias: columns.userId },
          ],
          from: table(t.name, 's'),
          where: and(isNull(col('group_id', 's'), true), isNull(col('user_id', 's'), true)),
        }),
      ),
    ];
    return [
      ...(this.needsUserUniverse
        ? [
            {
              name: CTE.userUniverse,
              comment: 'every user_id seen at or before as_of',
              query: union(userSelects, false),
            } as const,
          ]
        : []),
      {
        name: CTE.accountUniverse,
        comment: 'every group_id seen at or before as_of',
        query: select({
          distinct: true,
          columns: [{ expr: col(columns.groupId, 'g'), alias: 'id' }],
          from: table(tables.groups, 'g', this.layout.schema),
          where: and(this.existsAtAsOf('g'), isNull(col(columns.groupId, 'g'), true)),
        }),
      },
      {
        name: CTE.memberships,
        comment: 'user <-> account pairs, many-to-many',
        query: union(membershipSelects, false),
      },
    ];
  }

  private customTraitCte(level: Level, traitColumns: readonly string[]): CommonTableExpression {
    const { columns, tables } = this.layout;
    const key = col(level === 'user' ? columns.userId : columns.groupId, 's');
    const order = [
      { expr: this.eventTime('s'), direction: 'DESC' as const },
      {
        expr: this.ordered(col(columns.id, 's'), level === 'user' ? tables.identifies : tables.groups, columns.id),
        direction: 'DESC' as const,
      },
    ];
    const sourceTable = this.source(level === 'user' ? tables.identifies : tables.groups, 's');
    if (traitColumns.length === 1) {
      // One trait: the latest row where it is not null, a ranking each warehouse has a plan for
      // (DISTINCT ON on Postgres), instead of an aggregate over every row of the entity.
      const trait = traitColumns[0];
      const latest: FirstPerGroup = firstPerGroup({
        from: sourceTable,
        joins: [],
        where: and(this.existsAtAsOf('s'), isNull(key, true), isNull(col(trait, 's'), true)),
        group: key,
        value: col(trait, 's'),
        orderBy: [
          { ...order[0], type: 'timestamp' },
          { ...order[1], type: 'other' },
        ],
        manyRowsPerGroup: false,
      });
      return {
        name: CTE.customTraits(level),
        comment: `latest non-null ${level} trait at as_of`,
        query: select({
          columns: [
            { expr: col('id', 't'), alias: 'id' },
            { expr: col('value', 't'), alias: trait },
          ],
          from: subquery(latest, 't'),
        }),
      };
    }
    return {
      name: CTE.customTraits(level),
      comment: `latest non-null ${level} traits at as_of`,
      query: select({
        columns: [
          { expr: key, alias: 'id' },
          ...traitColumns.map((c) => ({ expr: latestNonNull(col(c, 's'), order), alias: c })),
        ],
        from: sourceTable,
        where: and(this.existsAtAsOf('s'), isNull(key, true)),
        groupBy: [key],
      }),
    };
  }

  /** Rows a scan may use at all: its event names and the earliest window of its measures (and of what shares it). */
  private scanNarrowing(scan: Plan['scans'][number], alias: string, sharing: readonly (Measure | RankedTrait)[] = []): Expr[] {
    const uses = [...scan.measures, ...sharing];
    const matchValues = [...new Set(uses.map((m) => m.match.value))];
    const narrowing: Expr[] =
      matchValues.includes(null) || new Set(uses.map((m) => m.match.column)).size > 1
        ? []
        : matchValues.length === 1
          ? [bin('=', col(scan.measures[0].match.column, alias), str(matchValues[0] as string))]
          : [oneOf(col(scan.measures[0].match.column, alias), matchValues.map((v) => str(v as string)))];
    const earliest = this.earliestWindowStart(uses.map((m) => m.window));
    if (earliest !== null) narrowing.push(bin(earliest.inclusive ? '>=' : '>', this.eventTime(alias), ts(earliest.at)));
    return narrowing;
  }

  /**
   * How an account-level scan is pre-aggregated per user, or undefined when it is not. Per-user
   * groups (and per context account, for group_context) are never more than the events and usually
   * far fewer. Groups per (user, value) for a distinct measure can be nearly as many as the events
   * (a dashboard id, say): then the groups cost a second hash of every event for nothing, and the
   * events are better joined to the memberships directly. They are only formed when a user-level
   * most_frequent of the same property needs those very counts anyway. Two distinct properties
   * would multiply the groups.
   */
  private preAggregationKey(scan: Plan['scans'][number]): PreAggregationKey | undefined {
    if (scan.level !== 'account') return undefined;
    const context = scan.measures.some((m) => m.groupContext);
    const distinct = new Set(scan.measures.filter((m) => Lowering.isDistinct(m)).map((m) => m.property as string));
    if (distinct.size === 0) return { property: null, context };
    if (distinct.size > 1 || context) return undefined;
    const property = [...distinct][0];
    return this.mostFrequentTraitsOn(scan.table, property).length > 0 ? { property, context } : undefined;
  }

  /** User-level most_frequent traits over a table's property: they count (user, value) groups. */
  private mostFrequentTraitsOn(tableName: string, property: string): RankedTrait[] {
    return this.plan.ranked.filter(
      (r) => r.compute === 'most_frequent' && r.level === 'user' && !r.groupContext && r.match.table === tableName && r.property === property,
    );
  }

  private static isDistinct(m: Measure): boolean {
    return m.aggregate === 'count_distinct' || m.aggregate === 'sorted_distinct_list';
  }

  /**
   * The user-level scan of the same table, when each of its measures can be combined from the
   * account scan's per-user groups: the table is then read once for both levels.
   */
  private userScanSharing(scan: Plan['scans'][number]): Plan['scans'][number] | undefined {
    const key = this.preAggregationKey(scan);
    if (key === undefined) return undefined;
    const userScan = this.plan.scans.find((s) => s.level === 'user' && s.table === scan.table);
    if (userScan === undefined) return undefined;
    const combinable = userScan.measures.every((m) => !m.groupContext && (!Lowering.isDistinct(m) || m.property === key.property));
    return combinable ? userScan : undefined;
  }

  private sharedAccountScanOf(userScan: Plan['scans'][number]): Plan['scans'][number] | undefined {
    return this.plan.scans.find((s) => s.level === 'account' && this.userScanSharing(s) === userScan);
  }

  /**
   * A measure as the combination of its partial aggregates over one entity's per-user groups;
   * `partial` adds a partial to the groups' query and names it. count / sum / min / max combine
   * exactly, avg as the total sum over the total count (the same mean, up to float rounding), a
   * distinct measure counts or lists the keys its partial count saw. `only` restricts which groups
   * an entity combines (group_context: the events of the account's context, or of none).
   */
  private partialMeasure(
    scanTable: string,
    m: Measure,
    prefix: string,
    narrowing: readonly Expr[],
    only: Expr | null,
    partial: (expr: Expr, alias: string) => string,
  ): Expr {
    const property = m.property === null ? null : col(m.property, 'e');
    // The context condition reads the account: it is applied when the groups meet the memberships.
    const filter = this.measureFilter({ ...m, groupContext: false }, 'e', narrowing, property === null ? [] : [isNull(property, true)]);
    const name = `${prefix}${m.column}`;
    const total = (alias: string): Expr => aggregate('sum', col(alias, 'p'), only);
    const byOrder = (e: Expr) => (m.property === null ? e : this.ordered(e, scanTable, m.property));
    const counted = () => partial(countAll(filter), name);
    switch (m.aggregate) {
      case 'count':
        return total(counted());
      case 'sum':
        return total(partial(aggregate('sum', property, filter), name));
      case 'min':
      case 'max':
        return aggregate(m.aggregate, byOrder(col(partial(aggregate(m.aggregate, byOrder(property!), filter), name), 'p')), only);
      case 'avg': {
        const sum = total(partial(aggregate('sum', property, filter), `${name}_sum`));
        const count = total(partial(countAll(filter), `${name}_count`));
        const quotient = bin('/', cast(sum, 'number'), cast(count, 'number'));
        return caseWhen([{ when: bin('>', count, num(0)), then: quotient }]);
      }
      case 'count_distinct':
      case 'sorted_distinct_list': {
        const k = col('k', 'p');
        const seen = bin('>', col(counted(), 'p'), num(0));
        return aggregate(m.aggregate, m.aggregate === 'sorted_distinct_list' ? byOrder(k) : k, only === null ? seen : and(seen, only));
      }
      default:
        return assertNever(m.aggregate, 'plan node');
    }
  }

  /**
   * An account-level scan in two steps, as an expert writes it: the events are aggregated per user
   * (and per distinct value, and per context account for group_context) first, and only those
   * partial aggregates meet the memberships, so the join sees one row per group instead of one per
   * event. The user-level measures of the same table and user-level most_frequent traits of the
   * same property are more partials of the same groups: one read of the table for all of them.
   */
  private preAggregatedScanCte(scan: Plan['scans'][number], key: PreAggregationKey): CommonTableExpression[] {
    const { columns } = this.layout;
    const userId = col(columns.userId, 'e');
    const context = col(columns.contextGroupId, 'e');
    const account = col(columns.groupId, 'm');
    const ranked = this.rankedSharing(scan);
    const userScan = this.userScanSharing(scan);
    const narrowing = this.scanNarrowing(scan, 'e', [...ranked, ...(userScan?.measures ?? [])]);
    const inContext = or(isNull(col('ctx', 'p')), bin('=', col('ctx', 'p'), account));
    const partials: SelectColumn[] = [];
    const aliasOf = new Map<string, string>();
    // Measures of both levels often aggregate the same rows (the same window and filters): one partial each.
    const partial = (expr: Expr, alias: string): string => {
      const key = JSON.stringify(expr);
      const known = aliasOf.get(key);
      if (known !== undefined) return known;
      aliasOf.set(key, alias);
      partials.push({ expr, alias });
      return alias;
    };
    const accountColumns: SelectColumn[] = scan.measures.map((m) => ({
      expr: this.partialMeasure(scan.table, m, 'p_', narrowing, m.groupContext ? inContext : null, partial),
      alias: m.column,
    }));
    const userColumns: SelectColumn[] = (userScan?.measures ?? []).map((m) => ({
      expr: this.partialMeasure(scan.table, m, 'pu_', narrowing, null, partial),
      alias: m.column,
    }));
    for (const r of ranked) {
      const property = col(r.property, 'e');
      partials.push({
        expr: countAll(this.measureFilter(r, 'e', narrowing, [isNull(property, true)])),
        alias: Lowering.rankedPartial(r),
      });
    }
    const keys: SelectColumn[] = [
      { expr: userId, alias: 'user_id' },
      ...(key.context ? [{ expr: context, alias: 'ctx' }] : []),
      ...(key.property === null ? [] : [{ expr: col(key.property, 'e'), alias: 'k' }]),
    ];
    const perUser = select({
      columns: [...keys, ...partials],
      from: this.source(scan.table, 'e'),
      where: and(this.existsAtAsOf('e'), isNull(userId, true), ...narrowing),
      groupBy: keys.map((k) => k.expr),
    });
    const shared = ranked.length > 0 || userScan !== undefined;
    const perUserFrom: FromItem = shared ? table(Lowering.perUserCte(scan), 'p') : subquery(perUser, 'p');
    const ctes: CommonTableExpression[] = [];
    if (shared) {
      const names = [...(userScan ? ['its user-level measures'] : []), ...ranked.map((r) => r.trait)].join(', ');
      ctes.push({
        name: Lowering.perUserCte(scan),
        comment: `one scan of ${scan.table} per (${keys.map((k) => k.alias).join(', ')}), shared by its account-level measures and ${names}`,
        query: perUser,
      });
    }
    ctes.push({
      name: scan.name,
      comment: `one scan of ${scan.table} for every ${scan.level}-level measure on it, pre-aggregated per user`,
      query: select({
        columns: [{ expr: account, alias: 'id' }, ...accountColumns],
        from: table(CTE.memberships, 'm'),
        joins: [join('INNER', perUserFrom, bin('=', col('user_id', 'p'), col(columns.userId, 'm')))],
        groupBy: [account],
      }),
    });
    if (userScan !== undefined) {
      ctes.push({
        name: userScan.name,
        comment: `every user-level measure on ${scan.table}, from the same per-user groups`,
        query: select({
          columns: [{ expr: col('user_id', 'p'), alias: 'id' }, ...userColumns],
          from: table(Lowering.perUserCte(scan), 'p'),
          groupBy: [col('user_id', 'p')],
        }),
      });
    }
    return ctes;
  }

  private static perUserCte(scan: Plan['scans'][number]): string {
    return `${scan.name}:per_user`;
  }

  private static rankedPartial(r: RankedTrait): string {
    return `p_${r.name}`;
  }

  /**
   * User-level most_frequent traits that count the very (user, value) groups an account-level scan
   * of the same table pre-aggregates: they become one more partial count of that scan, and the
   * events are grouped once for both.
   */
  private rankedSharing(scan: Plan['scans'][number]): RankedTrait[] {
    const key = this.preAggregationKey(scan);
    return key === undefined || key.property === null ? [] : this.mostFrequentTraitsOn(scan.table, key.property);
  }

  private sharedScanOf(r: RankedTrait): Plan['scans'][number] | undefined {
    return this.plan.scans.find((scan) => this.rankedSharing(scan).includes(r));
  }

  private scanCtes(scan: Plan['scans'][number]): CommonTableExpression[] {
    if (scan.level === 'user' && this.sharedAccountScanOf(scan) !== undefined) return [];
    const key = this.preAggregationKey(scan);
    if (key !== undefined) return this.preAggregatedScanCte(scan, key);
    const source = this.eventSource(scan.level, scan.table);
    const narrowing = this.scanNarrowing(scan, 'e');
    const measures: SelectColumn[] = scan.measures.map((m) => {
      const property = m.property === null ? null : col(m.property, 'e');
      // Every aggregate but the list skips nulls itself; a FILTER that only says so slows DuckDB's
      // COUNT(DISTINCT) down by a fifth.
      const filter = this.measureFilter(m, 'e', narrowing, m.aggregate === 'sorted_distinct_list' ? [isNull(property!, true)] : []);
      const arg =
        property !== null && Lowering.ORDER_SENSITIVE.has(m.aggregate) ? this.ordered(property, scan.table, m.property) : property;
      return { expr: aggregate(m.aggregate, arg, filter), alias: m.column };
    });
    return [
      {
        name: scan.name,
        comment: `one scan of ${scan.table} for every ${scan.level}-level measure on it`,
        query: select({
          columns: [{ expr: source.entity, alias: 'id' }, ...measures],
          from: source.from,
          joins: source.joins,
          where: and(source.where, ...narrowing),
          groupBy: [source.entity],
        }),
      },
    ];
  }

  /** Per entity, the value seen most often (ties: the smallest) among counted (id, value, frequency) rows. */
  private mostFrequentOf(counted: Select, r: RankedTrait): FirstPerGroup {
    return {
      kind: 'first_per_group',
      from: subquery(counted, 'c'),
      joins: [],
      where: null,
      group: col('id', 'c'),
      value: col('value', 'c'),
      orderBy: [
        { expr: col('frequency', 'c'), direction: 'DESC', type: 'number' },
        { expr: this.ordered(col('value', 'c'), r.match.table, r.property), direction: 'ASC', type: 'other' },
      ],
      // One row per (user, value) seen: a handful per user.
      manyRowsPerGroup: false,
    };
  }

  private rankedCte(r: RankedTrait): CommonTableExpression {
    const source = this.eventSource(r.level, r.match.table);
    const where = and(source.where, this.matchCondition(r, 'e'));
    const value = col(r.property, 'e');
    let query: FirstPerGroup;
    const shared = r.compute === 'most_frequent' ? this.sharedScanOf(r) : undefined;
    if (shared !== undefined) {
      const frequency = col(Lowering.rankedPartial(r), 'p');
      const counted = select({
        columns: [
          { expr: col('user_id', 'p'), alias: 'id' },
          { expr: col('k', 'p'), alias: 'value' },
          { expr: frequency, alias: 'frequency' },
        ],
        from: table(Lowering.perUserCte(shared), 'p'),
        where: and(bin('>', frequency, num(0)), bin('>=', frequency, num(r.minFrequency))),
      });
      query = this.mostFrequentOf(counted, r);
    } else if (r.compute === 'most_frequent') {
      const counted = select({
        columns: [
          { expr: source.entity, alias: 'id' },
          { expr: value, alias: 'value' },
          { expr: countAll(), alias: 'frequency' },
        ],
        from: source.from,
        joins: source.joins,
        where: and(where, isNull(value, true)),
        groupBy: [source.entity, value],
        having: bin('>=', countAll(), num(r.minFrequency)),
      });
      query = this.mostFrequentOf(counted, r);
    } else {
      query = firstPerGroup({
        from: source.from,
        joins: source.joins,
        where,
        group: source.entity,
        value,
        orderBy: [
          { expr: this.eventTime('e'), direction: r.compute === 'first' ? 'ASC' : 'DESC', type: 'timestamp' },
          { expr: this.ordered(col(this.layout.columns.id, 'e'), r.match.table, this.layout.columns.id), direction: 'ASC', type: 'other' },
        ],
        manyRowsPerGroup: true,
      });
    }
    return { name: r.name, comment: `computed_trait: ${r.trait} (${r.file})`, query };
  }

  private featureExpr(f: Feature, aliases: Map<string, string>): Expr {
    const s = f.source;
    switch (s.kind) {
      case 'custom_trait':
        return col(s.column, aliases.get(CTE.customTraits(f.level)) ?? '');
      case 'measure': {
        const value = col(s.measure, aliases.get(s.scan) ?? '');
        if (s.whenMissing === 'zero') return coalesce(value, num(0));
        if (s.whenMissing === 'empty_list') return coalesce(value, emptyList('string'));
        return value;
      }
      case 'ranked':
        return col('value', aliases.get(s.cte) ?? '');
      case 'sql_trait':
        return col(s.column, aliases.get(s.cte) ?? '');
      case 'funnel':
        return coalesce(col('reached', aliases.get(s.cte) ?? ''), num(0));
      default:
        return assertNever(s, 'plan node');
    }
  }

  /**
   * Every feature of a level, one row per entity of `rows` (keyed by `key`), with `extra` columns
   * of the rows kept: the features CTE, or the user features of every membership row.
   */
  private featuresQuery(level: Level, rows: FromItem, key: Expr, extra: readonly SelectColumn[]): Select {
    const features = this.plan.features.filter((f) => f.level === level && !this.unreadFeatures.has(f.column));
    const joinedCtes: string[] = [];
    const sqlKeyed = new Map<string, Query>();
    for (const f of features) {
      const s = f.source;
      const cte = s.kind === 'custom_trait' ? CTE.customTraits(level) : s.kind === 'measure' ? s.scan : s.cte;
      if (!joinedCtes.includes(cte)) joinedCtes.push(cte);
      if (s.kind === 'sql_trait' && !sqlKeyed.has(cte)) {
        const trait = this.plan.sqlTraits.find((t) => t.name === cte)!;
        const key = level === 'user' ? 'user_id' : 'group_id';
        sqlKeyed.set(
          cte,
          select({
            distinct: true,
            columns: [{ expr: col(key, 't'), alias: 'id' }, ...trait.columns.map((c) => ({ expr: col(c, 't'), alias: c }))],
            from: table(cte, 't'),
          }),
        );
      }
    }
    const aliases = new Map(joinedCtes.map((cte, i) => [cte, `j${i + 1}`]));
    return select({
      columns: [{ expr: key, alias: 'id' }, ...extra, ...features.map((f) => ({ expr: this.featureExpr(f, aliases), alias: f.column }))],
      from: rows,
      joins: joinedCtes.map((cte) => {
        const alias = aliases.get(cte)!;
        const keyed = sqlKeyed.get(cte);
        return {
          type: 'LEFT' as const,
          from: keyed ? subquery(keyed, alias) : table(cte, alias),
          on: bin('=', col('id', alias), key),
        };
      }),
    });
  }

  private featuresCte(level: Level): CommonTableExpression {
    return {
      name: CTE.features(level),
      comment: `every value the ${level}-level conditions read, one row per ${level}`,
      query: this.featuresQuery(
        level,
        level === 'account'
          ? table(CTE.accountUniverse, 'u')
          : this.performerRows !== null
            ? this.performerRows
            : this.needsUserUniverse
              ? table(CTE.userUniverse, 'u')
              : this.membershipUsers(),
        col('id', 'u'),
        [],
      ),
    };
  }

  /**
   * The features:user CTE is needed by user-level outputs and user-level audiences. Without them,
   * users are only read through quantifiers, which join each membership row to the user features
   * directly (no DISTINCT list of users, no second join).
   */
  private get needsUserFeatures(): boolean {
    return this.needsUserUniverse || this.plan.audiences.some((a) => a.level === 'user');
  }

  /** Rows a quantifier aggregate reads: one per membership, with the user's features as `f`. */
  private quantifierRows(): { from: FromItem; joins: Select['joins']; account: Expr } {
    const { columns } = this.layout;
    if (this.needsUserFeatures) {
      return {
        from: table(CTE.memberships, 'm'),
        joins: [join('INNER', table(CTE.features('user'), 'f'), bin('=', col('id', 'f'), col(columns.userId, 'm')))],
        account: col(columns.groupId, 'm'),
      };
    }
    const perMembership = this.featuresQuery('user', table(CTE.memberships, 'm'), col(columns.userId, 'm'), [
      { expr: col(columns.groupId, 'm'), alias: 'account_id' },
    ]);
    return { from: subquery(perMembership, 'f'), joins: [], account: col('account_id', 'f') };
  }

  /** The boolean SQL of a condition over the features row `f` (and quantifiers row `q`). */
  condition(c: PlanCondition): Expr {
    switch (c.kind) {
      case 'all':
        return and(...c.children.map((child) => this.condition(child)));
      case 'any':
        return or(...c.children.map((child) => this.condition(child)));
      case 'not':
        return not(this.condition(c.child));
      case 'compare':
        return comparison(col(c.feature, 'f'), c.op, c.value, c.ignoreCase, c.type, c.instants);
      case 'count': {
        const op = c.op === 'at_least' ? '>=' : c.op === 'at_most' ? '<=' : '=';
        return coalesce(bin(op, col(c.feature, 'f'), num(c.n)), FALSE);
      }
      case 'funnel':
        return this.condition(c.steps[c.steps.length - 1]);
      case 'member':
        return inQuery(col('id', 'f'), select({ columns: [{ expr: col('id', 'a'), alias: null }], from: table(CTE.audience(c.audience), 'a') }));
      case 'member_of_account_audience': {
        const { columns } = this.layout;
        return inQuery(
          col('id', 'f'),
          select({
            columns: [{ expr: col(columns.userId, 'pm'), alias: null }],
            from: table(CTE.memberships, 'pm'),
            joins: [
              join('INNER', table(CTE.audience(c.audience), 'pa'), bin('=', col('id', 'pa'), col(columns.groupId, 'pm'))),
            ],
          }),
        );
      }
      case 'quantifier': {
        const matching = coalesce(col(this.quantifierColumn(c), 'q'), num(0));
        const users = coalesce(col('users', 'q'), num(0));
        switch (c.quantifier) {
          case 'any_user':
            return bin('>=', matching, num(1));
          case 'all_users':
            return and(bin('>=', users, num(1)), bin('=', matching, users));
          case 'no_user':
            return bin('=', matching, num(0));
          case 'at_least_users': {
            const atLeast = c.atLeast ?? { count: 1 };
            if ('count' in atLeast) return bin('>=', matching, num(atLeast.count));
            return and(bin('>=', users, num(1)), bin('>=', bin('*', matching, num(100)), bin('*', users, num(atLeast.percent))));
          }
          default:
            return assertNever(c.quantifier, 'plan node');
        }
      }
      default:
        return assertNever(c, 'plan node');
    }
  }

  /**
   * An account audience whose whole condition is one `any_user` / `at_least_users: { count: N }`
   * (N >= 1): its members are the accounts with N membership rows that satisfy C. Only those rows
   * are aggregated (WHERE, not FILTER; no count of every user), and the audience reads the
   * aggregate alone: an account with a membership is in the account universe when no SQL trait
   * adds memberships. Breakdown and explain read every account and the users count, so this is for
   * member lists only.
   */
  private static matchingUsersOnly(a: PlanAudience): boolean {
    const c = Lowering.soleQuantifier(a);
    if (c === null) return false;
    if (c.quantifier === 'any_user') return true;
    return c.quantifier === 'at_least_users' && c.atLeast !== null && 'count' in c.atLeast && c.atLeast.count >= 1;
  }

  /**
   * An account audience whose whole condition is one `all_users` or `at_least_users: { percent }`:
   * both need every user counted, but neither holds for an account without users, so the audience
   * reads the quantifier aggregate alone, without the account universe (member lists only, as above).
   */
  private static quantifierAlone(a: PlanAudience): boolean {
    const c = Lowering.soleQuantifier(a);
    if (c === null) return false;
    return c.quantifier === 'all_users' || (c.quantifier === 'at_least_users' && c.atLeast !== null && 'percent' in c.atLeast);
  }

  private static soleQuantifier(a: PlanAudience): Extract<PlanCondition, { kind: 'quantifier' }> | null {
    if (a.level !== 'account' || a.quantifiers.length !== 1) return null;
    let c = a.condition;
    while ((c.kind === 'all' || c.kind === 'any') && c.children.length === 1) c = c.children[0];
    return c === a.quantifiers[0] ? c : null;
  }

  /** Quantifier conditions that read no audience can be counted before any audience exists. */
  private static readsAudience(c: PlanCondition): boolean {
    switch (c.kind) {
      case 'all':
      case 'any':
        return c.children.some((child) => Lowering.readsAudience(child));
      case 'not':
        return Lowering.readsAudience(c.child);
      case 'member':
      case 'member_of_account_audience':
        return true;
      case 'quantifier':
        return Lowering.readsAudience(c.condition);
      default:
        return false;
    }
  }

  /**
   * Audiences whose quantifiers read no audience share one aggregate over the memberships (one
   * join and one GROUP BY for all of them); the others get their own, after the audiences they read.
   */
  private sharedQuantifierAudiences(): PlanAudience[] {
    return this.plan.audiences.filter((a) => a.quantifiers.length > 0 && !a.quantifiers.some((q) => Lowering.readsAudience(q.condition)));
  }

  private quantifierCteOf(a: PlanAudience): string {
    return this.sharedQuantifiers.has(a.name) ? CTE.sharedQuantifiers : CTE.quantifiers(a.name);
  }

  private quantifierColumn(q: Extract<PlanCondition, { kind: 'quantifier' }>): string {
    return this.quantifierColumns.get(q) ?? q.column;
  }

  private quantifiersCte(name: string, comment: string, audiences: readonly PlanAudience[]): CommonTableExpression {
    const rows = this.quantifierRows();
    if (audiences.length === 1 && this.matchingOnly.has(audiences[0].name)) {
      const q = audiences[0].quantifiers[0];
      return {
        name,
        comment,
        query: select({
          columns: [
            { expr: rows.account, alias: 'id' },
            { expr: countAll(), alias: this.quantifierColumn(q) },
          ],
          from: rows.from,
          joins: rows.joins,
          where: this.condition(q.condition),
          groupBy: [rows.account],
        }),
      };
    }
    return {
      name,
      comment,
      query: select({
        columns: [
          { expr: rows.account, alias: 'id' },
          { expr: countAll(), alias: 'users' },
          ...audiences.flatMap((a) =>
            a.quantifiers.map((q) => ({
              expr: countAll(this.condition(q.condition)),
              alias: this.quantifierColumn(q),
            })),
          ),
        ],
        from: rows.from,
        joins: rows.joins,
        groupBy: [rows.account],
      }),
    };
  }

  /** FROM features f [LEFT JOIN quantifiers q] for an audience. */
  audienceFrom(a: PlanAudience): Pick<Select, 'from' | 'joins'> {
    return {
      from: table(CTE.features(a.level), 'f'),
      joins:
        a.quantifiers.length === 0
          ? []
          : [join('LEFT', table(this.quantifierCteOf(a), 'q'), bin('=', col('id', 'q'), col('id', 'f')))],
    };
  }

  /**
   * The users that satisfy a quantifier condition that is one `performed ... at_least / exactly N`
   * leaf (N >= 1), read from its scan alone; null for any other condition.
   */
  private usersPerforming(c: PlanCondition): Query | null {
    while ((c.kind === 'all' || c.kind === 'any') && c.children.length === 1) c = c.children[0];
    if (c.kind !== 'count' || c.op === 'at_most' || c.n < 1) return null;
    const source = this.featuresByColumn.get(c.feature)?.source;
    if (source?.kind !== 'measure') return null;
    return select({
      columns: [{ expr: col('id', 'r'), alias: null }],
      from: table(source.scan, 'r'),
      where: bin(c.op === 'at_least' ? '>=' : '=', col(source.measure, 'r'), num(c.n)),
    });
  }

  /**
   * A member list of one `any_user` / `all_users` whose condition is one event leaf, as set
   * operations on the memberships: the accounts with a user who performed it (a semi-join), or the
   * accounts none of whose users did not (two anti-joins). No per-user count is carried to the
   * accounts. Null when the audience is not that.
   */
  private performedQuantifierAudience(a: PlanAudience): Query | null {
    if (!(this.matchingOnly.has(a.name) || this.quantifierOnly.has(a.name)) || this.sharedQuantifiers.has(a.name)) return null;
    const q = a.quantifiers[0];
    if (q.quantifier !== 'any_user' && q.quantifier !== 'all_users') return null;
    const performers = this.usersPerforming(q.condition);
    if (performers === null) return null;
    const { columns } = this.layout;
    const membership = (alias: string, where: Expr) =>
      select({ distinct: alias === 'm', columns: [{ expr: col(columns.groupId, alias), alias: alias === 'm' ? 'id' : null }], from: table(CTE.memberships, alias), where });
    const performed = (alias: string): Expr => inQuery(col(columns.userId, alias), performers);
    if (q.quantifier === 'any_user') return membership('m', performed('m'));
    const withAnIdleUser = membership('mi', not(performed('mi')));
    return membership('m', not(inQuery(col(columns.groupId, 'm'), withAnIdleUser)));
  }

  private audienceCtes(a: PlanAudience): CommonTableExpression[] {
    const ctes: CommonTableExpression[] = [];
    const performed = this.performedQuantifierAudience(a);
    if (performed !== null) return [{ name: CTE.audience(a.name), comment: `audience: ${a.name} (${a.file})`, query: performed }];
    if (a.quantifiers.length > 0 && !this.sharedQuantifiers.has(a.name)) {
      ctes.push(
        this.quantifiersCte(
          CTE.quantifiers(a.name),
          `audience: ${a.name} (${a.file}) — users of each account that satisfy its quantifiers`,
          [a],
        ),
      );
    }
    ctes.push({
      name: CTE.audience(a.name),
      comment: `audience: ${a.name} (${a.file})`,
      query: this.matchingOnly.has(a.name) || this.quantifierOnly.has(a.name)
        ? select({
            columns: [{ expr: col('id', 'q'), alias: 'id' }],
            from: table(this.quantifierCteOf(a), 'q'),
            where: this.condition(a.condition),
          })
        : select({ columns: [{ expr: col('id', 'f'), alias: 'id' }], ...this.audienceFrom(a), where: this.condition(a.condition) }),
    });
    return ctes;
  }

  ctes(): CommonTableExpression[] {
    const ctes: CommonTableExpression[] = [];
    ctes.push(...this.plan.sqlTraits.map((t) => this.sqlTraitCte(t)));
    ctes.push(...identityCtes(this.plan));
    ctes.push(...this.universeCtes());
    for (const level of ['user', 'account'] as const) {
      if (this.plan.customTraits[level].length > 0) ctes.push(this.customTraitCte(level, this.plan.customTraits[level]));
    }
    ctes.push(...this.plan.scans.flatMap((s) => this.scanCtes(s)));
    ctes.push(...this.plan.ranked.map((r) => this.rankedCte(r)));
    for (const funnel of this.plan.funnels) {
      const context = { plan: this.plan, source: (name: string, alias: string) => this.source(name, alias), matchParts: (step: PlanFunnelStep, alias: string) => this.matchParts({ ...step, groupContext: false }, alias) };
      const read = new Set(this.plan.features.filter((f) => f.source.kind === 'funnel' && !this.unreadFeatures.has(f.column)).map((f) => (f.source.kind === 'funnel' ? f.source.cte : '')));
      ctes.push(...funnelCtes(context, funnel, (step) => read.has(funnelStepCte(funnel.name, step))));
    }
    if (this.needsUserFeatures) ctes.push(this.featuresCte('user'));
    ctes.push(this.featuresCte('account'));
    const shared = this.plan.audiences.filter((a) => this.sharedQuantifiers.has(a.name));
    if (shared.length > 0) {
      const names = shared.map((a) => a.name).join(', ');
      ctes.push(this.quantifiersCte(CTE.sharedQuantifiers, `users of each account that satisfy the quantifiers of: ${names}`, shared));
    }
    for (const a of this.plan.audiences) ctes.push(...this.audienceCtes(a));
    return ctes;
  }

  membersBody(): Query {
    const queries: Query[] = this.plan.outputs.map((o) => {
      if (o.kind === 'audience') {
        return select({
          columns: [
            { expr: str(o.name), alias: 'definition' },
            { expr: col('id', 'a'), alias: 'id' },
            { expr: cast(NULL, 'string'), alias: 'value' },
          ],
          from: table(CTE.audience(o.name), 'a'),
        });
      }
      const value: Expr =
        o.columns.length === 1
          ? col(o.columns[0].feature, 'f')
          : jsonObject(o.columns.map((c) => ({ key: c.name, value: col(c.feature, 'f') })));
      return select({
        columns: [
          { expr: str(o.name), alias: 'definition' },
          { expr: col('id', 'f'), alias: 'id' },
          { expr: toJsonText(value), alias: 'value' },
        ],
        from: table(CTE.features(o.level), 'f'),
      });
    });
    return queries.length === 1 ? queries[0] : union(queries);
  }

  private audienceNamed(name: string): PlanAudience {
    const a = this.audiencesByName.get(name);
    if (!a) throw new Error(`audience ${name} is not in the plan`);
    return a;
  }

  breakdownBody(name: string): Query {
    const a = this.audienceNamed(name);
    const columns: SelectColumn[] = [{ expr: countAll(), alias: 'entities' }];
    for (const c of labelConditions(a.condition)) {
      columns.push({ expr: countAll(this.condition(c.node)), alias: c.column });
    }
    return select({ columns, ...this.audienceFrom(a) });
  }

  explainBody(name: string, id: string): Query {
    const a = this.audienceNamed(name);
    const columns: SelectColumn[] = [{ expr: col('id', 'f'), alias: 'id' }];
    for (const c of labelConditions(a.condition)) columns.push({ expr: this.condition(c.node), alias: c.column });
    for (const f of this.plan.features.filter((x) => x.level === a.level))
      columns.push({ expr: toJsonText(col(f.column, 'f')), alias: f.column });
    if (a.quantifiers.length > 0) {
      columns.push({ expr: coalesce(col('users', 'q'), num(0)), alias: 'users' });
      for (const q of a.quantifiers) columns.push({ expr: coalesce(col(this.quantifierColumn(q), 'q'), num(0)), alias: q.column });
    }
    return select({ columns, ...this.audienceFrom(a), where: bin('=', col('id', 'f'), str(id)) });
  }
}

export function lowerPlan(plan: Plan, body: Body = { kind: 'members' }): With {
  const lowering = new Lowering(plan, body.kind === 'members');
  const ctes = lowering.ctes();
  const query =
    body.kind === 'members'
      ? lowering.membersBody()
      : body.kind === 'breakdown'
        ? lowering.breakdownBody(body.audience)
        : lowering.explainBody(body.audience, body.id);
  return withCtes(ctes, query);
}
