// What every translator of a physical-plan CTE reads: the logical plan (the nodes the physical
// plan names), the physical plan, and the SQL pieces several CTE kinds share (source reads,
// windows, filters, the narrowing of a scan).
import type { Level, TimeWindow } from '../definitions/model.js';
import { cteNamed, cteOfKind, type PhysicalCte, type PhysicalCteKind, type PhysicalPlan } from '../plan/physical/physical-plan.js';
import type { Measure, Plan, PlanFilter, RankedTrait } from '../plan/plan.js';
import { and, bin, codePointOrder, col, isNull, join, oneOf, or, str, table, ts, type Expr, type FromItem, type Select } from './ast.js';
import { sameNode } from './expr-equal.js';
import { CTE } from '../plan/physical/cte-names.js';
import { stitchedSource } from './lower-identity.js';
import { filterCondition } from './lower-literals.js';
import { columnValue } from './finite-values.js';

export class LowerContext {
  constructor(
    readonly plan: Plan,
    readonly physical: PhysicalPlan,
  ) {}

  get layout() {
    return this.plan.layout;
  }

  cte<K extends PhysicalCteKind>(name: string, kind: K): Extract<PhysicalCte, { kind: K }> {
    return cteOfKind(cteNamed(this.physical, name), kind);
  }

  /** A source column's value, ordered by code point when the catalog says it is a string. */
  ordered(expr: Expr, tableName: string, column: string | null): Expr {
    return column !== null && this.plan.columnTypes[tableName]?.[column] === 'string' ? codePointOrder(expr) : expr;
  }

  /** A property's value on a source row (finite-values.ts: a number that is not finite is null). */
  property(tableName: string, column: string, alias: string): Expr {
    return columnValue(this.plan, tableName, column, alias);
  }

  /** A source table, read through the identity mapping when stitching is on (lower-identity.ts). */
  source(name: string, alias: string): FromItem {
    return stitchedSource(this.plan, name, alias);
  }

  eventTime(alias: string): Expr {
    return col(this.layout.eventTime, alias);
  }

  /** Rows that exist at as_of. */
  existsAtAsOf(alias: string): Expr {
    return bin('<=', this.eventTime(alias), ts(this.plan.asOf));
  }

  windowCondition(window: TimeWindow | null, alias: string): Expr[] {
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
  earliestWindowStart(windows: readonly (TimeWindow | null)[]): { at: string; inclusive: boolean } | null {
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

  filterConditions(filters: readonly PlanFilter[], alias: string): Expr[] {
    return filters.map((f) => filterCondition(f, alias));
  }

  /** A measure's condition without the conjuncts its scan's WHERE (`narrowing`) already holds; null when none is left. */
  measureFilter(m: Measure | RankedTrait, alias: string, narrowing: readonly Expr[], extra: readonly Expr[] = []): Expr | null {
    const parts = [...this.matchParts(m, alias), ...extra].filter((e) => !narrowing.some((n) => sameNode(n, e)));
    return parts.length === 0 ? null : and(...parts);
  }

  matchCondition(m: Measure | RankedTrait, alias: string): Expr {
    return and(...this.matchParts(m, alias));
  }

  matchParts(m: Pick<Measure, 'match' | 'window' | 'filters' | 'groupContext'>, alias: string): Expr[] {
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
  eventSource(level: Level, tableName: string): { from: FromItem; joins: Select['joins']; entity: Expr; where: Expr } {
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

  /** Rows a scan may use at all: its event names and the earliest window of its measures (and of what shares it). */
  scanNarrowing(scan: Plan['scans'][number], alias: string, sharing: readonly (Measure | RankedTrait)[] = []): Expr[] {
    const uses = [...scan.measures, ...sharing];
    const matchValues = [...new Set(uses.map((m) => m.match.value))];
    const narrowing: Expr[] =
      matchValues.includes(null) || new Set(uses.map((m) => m.match.column)).size > 1
        ? []
        : matchValues.length === 1
          ? [bin('=', col(scan.measures[0].match.column, alias), str(matchValues[0] as string))]
          : [
              oneOf(
                col(scan.measures[0].match.column, alias),
                matchValues.map((v) => str(v as string)),
              ),
            ];
    const earliest = this.earliestWindowStart(uses.map((m) => m.window));
    if (earliest !== null) narrowing.push(bin(earliest.inclusive ? '>=' : '>', this.eventTime(alias), ts(earliest.at)));
    return narrowing;
  }
}
