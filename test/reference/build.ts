// Small builders for hand-written reference-evaluator cases.
import type {
  AudienceDefinition,
  ComparisonOp,
  ComputeKind,
  ComputedTraitDefinition,
  Condition,
  CountOp,
  Definition,
  EventRef,
  Level,
  Predicate,
  PropertyFilter,
  Scalar,
  SqlTraitDefinition,
  TimeWindow,
} from '../../src/definitions/model.js';
import type { DefinitionResult, SourceDataset, SourceRow, SourceTable, SourceValue, TraitValue } from '../../src/reference/dataset.js';
import { parseSqlTemplate } from '../../src/definitions/parse-sql.js';
import { snakeCase } from '../../src/definitions/snake-case.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import { LOC, makeProject } from '../support/arbitraries.js';
import { betweenWindow, predicate } from '../../src/definitions/literal-instants.js';

export const AS_OF = '2024-06-01T00:00:00Z';

type Row = Record<string, SourceValue>;

const BASE_TYPES: Record<string, LogicalType> = {
  id: 'string', user_id: 'string', anonymous_id: 'string', group_id: 'string', event: 'string', event_text: 'string',
  timestamp: 'timestamp', received_at: 'timestamp', context_group_id: 'string', name: 'string',
};

function table(rows: Row[], base: string[], types: Record<string, LogicalType>, idPrefix: string): SourceTable {
  const columns: Record<string, LogicalType> = {};
  for (const column of base) columns[column] = BASE_TYPES[column];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (columns[column] !== undefined) continue;
      if (types[column]) columns[column] = types[column];
      else if (typeof value === 'number') columns[column] = 'number';
      else if (typeof value === 'boolean') columns[column] = 'boolean';
      else if (typeof value === 'string') columns[column] = 'string';
    }
  }
  for (const [column, type] of Object.entries(types)) columns[column] ??= type;
  const full: SourceRow[] = rows.map((row, i) => {
    const out: Record<string, SourceValue> = {};
    for (const column of Object.keys(columns)) out[column] = row[column] ?? null;
    out.id = row.id ?? `${idPrefix}${i}`;
    return out;
  });
  return { columns, rows: full };
}

export interface EventRow extends Row {
  event: string; // as sent, e.g. "Logged In"
}

const CALL = ['id', 'user_id', 'anonymous_id', 'timestamp', 'received_at'];
const TRACK = [...CALL, 'event', 'event_text', 'context_group_id'];

/** identifies / groups / events (to tracks and their own table) / pages / screens. */
export function dataset(input: {
  identifies?: Row[];
  groups?: Row[];
  events?: EventRow[];
  pages?: Row[];
  screens?: Row[];
  types?: Record<string, LogicalType>;
}): SourceDataset {
  const types = input.types ?? {};
  const tables: Record<string, SourceTable> = {
    identifies: table(input.identifies ?? [], CALL, types, 'i'),
    groups: table(input.groups ?? [], [...CALL, 'group_id'], types, 'g'),
    pages: table(input.pages ?? [], [...CALL, 'name', 'context_group_id'], types, 'p'),
    screens: table(input.screens ?? [], [...CALL, 'name', 'context_group_id'], types, 's'),
  };
  const events = (input.events ?? []).map((e, i): Row => ({
    ...e,
    id: e.id ?? `e${i}`,
    event_text: e.event_text ?? e.event,
    event: snake(e.event),
  }));
  const tracks = events.map((e) => {
    const row: Row = {};
    for (const column of TRACK) row[column] = e[column] ?? null;
    return row;
  });
  tables.tracks = table(tracks, TRACK, types, 'e');
  for (const name of new Set(events.map((e) => String(e.event)))) {
    tables[name] = table(events.filter((e) => e.event === name), TRACK, types, 'e');
  }
  return { tables };
}

function snake(name: string): string {
  return snakeCase(name);
}

// ---------------------------------------------------------------------------------------------
// Definitions

export function pred(op: ComparisonOp, value: Predicate['value'], ignoreCase = false): Predicate {
  return predicate(op, value, ignoreCase);
}

export function trait(name: string, op: ComparisonOp, value: Predicate['value'], ignoreCase = false): Condition {
  return { kind: 'trait', trait: name, predicate: pred(op, value, ignoreCase), loc: LOC };
}

export function filter(property: string, op: ComparisonOp, value: Predicate['value'], ignoreCase = false): PropertyFilter {
  return { property, predicate: pred(op, value, ignoreCase), loc: LOC };
}

export function within(text: string): TimeWindow {
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[text.slice(-1)]!;
  return { kind: 'within', seconds: Number(text.slice(0, -1)) * unit, text };
}

export function between(start: string, end: string): TimeWindow {
  return betweenWindow(start, end);
}

export const all = (...children: Condition[]): Condition => ({ kind: 'all', children, loc: LOC });
export const any = (...children: Condition[]): Condition => ({ kind: 'any', children, loc: LOC });
export const not = (child: Condition): Condition => ({ kind: 'not', child, loc: LOC });
export const inAudience = (audience: string, negated = false): Condition => ({ kind: 'in_audience', audience, negated, loc: LOC });

export function track(name: string): EventRef {
  return { kind: 'track', name };
}

export function performed(
  event: string | EventRef,
  options: { window?: TimeWindow; where?: PropertyFilter[]; count?: [CountOp, number] } = {},
): Condition {
  const [op, n] = options.count ?? ['at_least', 1];
  return {
    kind: 'performed',
    event: typeof event === 'string' ? track(event) : event,
    window: options.window ?? null,
    filters: options.where ?? [],
    count: { op, n },
    loc: LOC,
  };
}

export function quantifier(
  kind: 'any_user' | 'all_users' | 'no_user' | 'at_least_users',
  condition: Condition,
  atLeast: { count: number } | { percent: number } | null = null,
): Condition {
  return { kind: 'quantifier', quantifier: kind, atLeast, condition, loc: LOC };
}

export function computed(
  name: string,
  level: Level,
  compute: ComputeKind,
  event: string | EventRef,
  options: {
    property?: string;
    window?: TimeWindow;
    where?: PropertyFilter[];
    minFrequency?: number;
    scope?: 'users' | 'group_context';
  } = {},
): ComputedTraitDefinition {
  return {
    kind: 'computed_trait', name, level, description: null, sync: [], loc: LOC, compute,
    event: typeof event === 'string' ? track(event) : event,
    window: options.window ?? null,
    filters: options.where ?? [],
    property: options.property ?? null,
    minFrequency: options.minFrequency ?? 2,
    scope: options.scope ?? 'users',
  };
}

export function audience(name: string, level: Level, where: Condition): AudienceDefinition {
  return { kind: 'audience', name, level, description: null, sync: [], loc: LOC, schedule: null, where, maxExitFraction: null };
}

export function sqlTrait(name: string, level: Level, columns: string[] | null = null): SqlTraitDefinition {
  return { kind: 'sql_trait', name, level, description: null, sync: [], loc: LOC, sql: 'select 1', template: parseSqlTemplate('select 1').parts, columns };
}

// ---------------------------------------------------------------------------------------------
// Running

export function run(
  definitions: Definition[],
  data: SourceDataset,
  options: { asOf?: string; eventTime?: 'timestamp' | 'received_at'; sqlTraitRows?: Map<string, Record<string, unknown>[]> } = {},
): Map<string, DefinitionResult> {
  return evaluateReference(makeProject(definitions, options.eventTime), data, options.asOf ?? AS_OF, {
    sqlTraitRows: options.sqlTraitRows,
  });
}

/** Sorted members of an audience result. */
export function members(results: Map<string, DefinitionResult>, name: string): string[] {
  const result = results.get(name);
  if (!result || result.kind !== 'audience') throw new Error(`${name} is not an audience result`);
  return [...result.members].sort();
}

/** Values of a trait result as a plain object. */
export function values(results: Map<string, DefinitionResult>, name: string): Record<string, unknown> {
  const result = results.get(name);
  if (!result || result.kind !== 'trait') throw new Error(`${name} is not a trait result`);
  return Object.fromEntries(result.values as Map<string, TraitValue>);
}

/** Users whose single-trait audience `trait: name op value` holds, at user level. */
export function usersWhere(data: SourceDataset, condition: Condition, extra: Definition[] = []): string[] {
  return members(run([...extra, audience('a', 'user', condition)], data), 'a');
}

export function accountsWhere(data: SourceDataset, condition: Condition, extra: Definition[] = [], sqlTraitRows?: Map<string, Record<string, unknown>[]>): string[] {
  return members(run([...extra, audience('a', 'account', condition)], data, { sqlTraitRows }), 'a');
}

export type { Scalar };
