// The warehouse's side of a definition, when the catalog is known: the event tables and property
// columns it reads, and whether each literal it compares fits the column's type.
import { assertNever } from '../../diagnostics/assert-never.js';
import { diagnostic } from '../../diagnostics/diagnostic.js';
import type { LogicalType } from '../../warehouse/catalog.js';
import { didYouMean } from '../did-you-mean.js';
import { computedValueType, eventTable } from '../event-table.js';
import { typeName } from '../../diagnostics/messages-catalog.js';
import type { ComparisonOp, EventRef, Predicate, PropertyFilter, Scalar, SourceLocation } from '../model.js';
import { parseTimestamp, predicateKeysOf, TEXT_OPS } from '../parse-values.js';
import type { ResolvedTrait } from '../resolve.js';
import type { CheckContext } from './check-context.js';

/**
 * `source.arrival_time` against the catalog: a column no source table has, or one that holds no
 * timestamps, left every definition running full with nothing said (incremental-settings.ts reads
 * such a table as one without arrival values). A table that lacks it alone still runs full, and
 * the run says so (SPEC §6.1).
 */
export function checkArrivalTime(ctx: CheckContext): void {
  const column = ctx.layout.arrivalTime;
  const loc = ctx.project.config.arrivalTimeLoc;
  if (column === undefined || loc === undefined || !ctx.catalog.known) return;
  const tables = [...ctx.catalog.tables.values()];
  const holding = tables.filter((t) => t.columns.has(column));
  const what = '"source": "arrival_time"';
  const fix = "name the column your loader stamps each row with as it loads it (uuid_ts for Segment's and RudderStack's), or leave arrival_time out for the preset's (uuid_ts, else received_at)";
  if (holding.length === 0) {
    const problem = `names column "${column}", which no table of schema "${ctx.layout.schema}" has`;
    ctx.report(diagnostic('invalid_value', { form: 'rule', what, problem, fix }, loc));
    return;
  }
  const wrong = holding.filter((t) => t.columns.get(column) !== 'timestamp' && t.columns.get(column) !== 'unknown');
  if (wrong.length > 0) {
    const names = wrong.map((t) => t.name);
    const problem = `names column "${column}", which holds no timestamps in ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more tables` : ''}`;
    ctx.report(diagnostic('wrong_type', { form: 'rule', what, problem, fix }, loc));
  }
}

/** Checks an event's table and its property filters; the table name when it exists. */
export function checkEvents(
  ctx: CheckContext,
  event: EventRef,
  filters: readonly PropertyFilter[],
  loc: SourceLocation,
  by: string,
): string | null {
  const table = eventTable(event, ctx.layout);
  // An event named "Pages" or "Identifies" would be read from the layout's own table of that name,
  // whose rows are not its calls and which has no event_text: the warehouse refuses the statement
  // at run time. ("Tracks" is read from tracks by its event_text, as every event is.)
  const { tracks, ...others } = ctx.layout.tables;
  if (event.kind === 'track' && table !== tracks && (Object.values(others) as string[]).includes(table)) {
    const problem = `is read from the table of its name in snake case, "${table}", which holds the source's own ${table} calls, not this event's`;
    const fix = `rename the event where it is sent, or read its rows from "${tracks}" with a SQL trait (where event_text = '${event.name.replaceAll("'", "''")}')`;
    ctx.report(diagnostic('invalid_value', { form: 'rule', what: `${by}: event "${event.name}"`, problem, fix }, loc));
    return null;
  }
  if (!ctx.catalog.known) return null;
  const reason =
    event.kind === 'track'
      ? `events "${event.name}" are read from table "${table}" (the event name in snake case)`
      : `${event.kind} views are read from table "${table}"`;
  if (!ctx.requireTable(table, loc, `${by}: ${reason}`)) return null;
  const columns = ctx.catalog.tables.get(table)!.columns;
  for (const filter of filters) {
    const type = columns.get(filter.property);
    if (type === undefined) {
      const suggestion = didYouMean(filter.property, columns.keys());
      ctx.report(
        diagnostic('missing_column', { rule: 'property', by, property: filter.property, table, computes: null, suggestion }, filter.loc),
      );
      continue;
    }
    checkComparison(ctx, filter.predicate, type, `property "${filter.property}"`, `column "${filter.property}" of ${table}`, filter.loc);
  }
  return table;
}

/** The type of a resolved trait's values, as far as the catalog knows it. */
export function traitType(ctx: CheckContext, trait: ResolvedTrait): LogicalType {
  switch (trait.kind) {
    case 'custom':
      return trait.type;
    case 'sql':
      return ctx.catalog.sqlTraitColumns.get(trait.definition.name)?.get(trait.column) ?? 'unknown';
    case 'computed': {
      const d = trait.definition;
      const property =
        d.property === null ? 'unknown' : (ctx.catalog.tables.get(eventTable(d.event, ctx.layout))?.columns.get(d.property) ?? 'unknown');
      return computedValueType(d.compute, property);
    }
    default:
      return assertNever(trait, 'trait');
  }
}

/**
 * A comparison against what it compares, when its type is known: the operator first (each
 * mismatch below is a statement the warehouse refuses at run time: strpos(DOUBLE, ...),
 * list_contains(BIGINT, ...), LOWER(BIGINT), a list compared with 3), then every literal's cast.
 * An unknown type (offline, a column type quorum does not map) is left to the warehouse.
 */
export function checkComparison(
  ctx: CheckContext,
  predicate: Predicate,
  type: LogicalType,
  what: string,
  holder: string,
  loc: SourceLocation,
): void {
  if (predicate.op === 'exists' || type === 'unknown') return;
  const mismatch = operatorMismatch(predicate, type);
  if (mismatch !== null) {
    const keys = predicateKeysOf(predicate);
    const at = (mismatch.atIgnoreCase ? keys?.ignoreCase : keys?.operator) ?? loc;
    const problem = `holds ${typeName(type)} (${holder}), but ${mismatch.operator} ${mismatch.needs}`;
    ctx.report(diagnostic('wrong_type', { form: 'rule', what, problem, fix: mismatch.fix }, at));
    return;
  }
  if (type === 'string' || type === 'list') return;
  const values: readonly Scalar[] = Array.isArray(predicate.value) ? predicate.value : [predicate.value as Scalar];
  const value = values.find((v) => !castable(v, type));
  if (value !== undefined) ctx.report(diagnostic('uncastable_literal', { what, type, holder, value, op: predicate.op }, loc));
}

const ORDER_OPS: readonly ComparisonOp[] = ['lt', 'lte', 'gt', 'gte', 'between'];

const ONE_VALUE_COMPARISONS: Readonly<Record<Exclude<LogicalType, 'string' | 'list' | 'unknown'>, string>> = {
  number: 'compare numbers with equals, in, lt, lte, gt, gte or between',
  integer: 'compare numbers with equals, in, lt, lte, gt, gte or between',
  boolean: 'compare booleans with equals: true or equals: false',
  timestamp: 'compare timestamps with lt, lte, gt, gte or between and an ISO-8601 date, e.g. gte: 2024-01-31',
};

interface OperatorMismatch {
  /** The operator as the message names it. */
  readonly operator: string;
  readonly needs: string;
  readonly fix: string;
  /** The problem is ignore_case, not the operator: point there. */
  readonly atIgnoreCase: boolean;
}

/** What the predicate's operator needs that values of a known `type` are not; null when it fits. */
function operatorMismatch(predicate: Predicate, type: Exclude<LogicalType, 'unknown'>): OperatorMismatch | null {
  const { op } = predicate;
  const mismatch = (needs: string, fix: string, atIgnoreCase = false): OperatorMismatch => ({ operator: `"${op}"`, needs, fix, atIgnoreCase });
  if (type === 'list') {
    return op === 'includes' ? null : mismatch('compares one value, not a list', 'test a list with includes: value (or with exists)');
  }
  if (op === 'includes') {
    return mismatch('tests a list', type === 'string' ? 'compare the value with equals (or in: [a, b]); contains finds text inside it' : 'compare the value with equals (or in: [a, b])');
  }
  if (type === 'string') return null;
  if (TEXT_OPS.includes(op)) return mismatch('tests text', ONE_VALUE_COMPARISONS[type]);
  if (predicate.ignoreCase) {
    return { operator: 'ignore_case', needs: 'lower-cases text', fix: 'remove ignore_case', atIgnoreCase: true };
  }
  if (type === 'boolean' && ORDER_OPS.includes(op)) return mismatch('orders values, and booleans have no order', ONE_VALUE_COMPARISONS.boolean);
  return null;
}

/** Whether a YAML literal can be cast to a column of `type` (as SQL's CAST would, strictly). */
export function castable(value: Scalar, type: LogicalType): boolean {
  switch (type) {
    case 'string':
    case 'list':
    case 'unknown':
      return true;
    case 'number':
    case 'integer':
      // "1e400" reads as a number but overflows a double: Postgres refuses it as out of range
      return typeof value === 'number' || (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value) && Number.isFinite(Number(value)));
    case 'boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value.trim()));
    case 'timestamp':
      return typeof value === 'string' && parseTimestamp(value) !== null;
    default:
      return assertNever(type, 'type');
  }
}

/** What holds a trait's values, for messages. */
export function describeTrait(trait: ResolvedTrait, table: string): string {
  switch (trait.kind) {
    case 'custom':
      return `column "${trait.column}" of ${table}`;
    case 'computed':
      return `computed trait, ${trait.definition.compute}`;
    case 'sql':
      return `column "${trait.column}" of SQL trait "${trait.definition.name}"`;
    default:
      return assertNever(trait, 'trait');
  }
}
