// From a case's `given` calls to rows of the project's source layout, and from every case's
// rows to one set of typed tables. The tables are the same for every case of a run (the union
// of what all cases and all definitions use), as a real warehouse's tables are: a case that
// leaves a column out gets nulls there, and SQL traits can be described once.
import type { SourceLayout } from '../definitions/model.js';
import { snakeCase } from '../definitions/snake-case.js';
import type { LogicalType } from '../warehouse/catalog.js';
import type { LoadRow, TableColumns } from './fixture-engine.js';
import { presetColumns, unionTypes, valueType, type ProjectShape, type TableKind, type TypeHint } from './project-shape.js';
import type { GivenCall, TestCase } from './test-case.js';

/** Rows by physical table name. */
export type TableRows = Map<string, LoadRow[]>;

const ID_PREFIX: Readonly<Record<string, string>> = {
  identifies: 'identify',
  groups: 'group',
  pages: 'page',
  screens: 'screen',
  event: 'track',
};

/** The rows each step of a case adds. Ids are generated in order, so they are deterministic. */
export function caseRows(testCase: TestCase, layout: SourceLayout): TableRows[] {
  const counters = new Map<string, number>();
  const nextId = (kind: string): string => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return `${ID_PREFIX[kind]}-${String(n).padStart(6, '0')}`;
  };
  return testCase.steps.map((step) => {
    const rows: TableRows = new Map();
    const add = (table: string, row: LoadRow): void => {
      const list = rows.get(table) ?? [];
      list.push(row);
      rows.set(table, list);
    };
    for (const call of step.given) addCall(call, layout, add, nextId);
    return rows;
  });
}

function addCall(call: GivenCall, layout: SourceLayout, add: (table: string, row: LoadRow) => void, nextId: (kind: string) => string): void {
  const c = layout.columns;
  if (call.kind === 'row') {
    if (call.role === 'raw') add(call.table, call.columns);
    else add(call.table, { [c.id]: nextId(call.role), ...call.columns });
    return;
  }
  const eventTable = snakeCase(call.event);
  // A run reads an event from the table of its snake-case name. When that is a table of the
  // layout (an event named "Tracks"), the warehouse has no second table of that name: a call is
  // one row of tracks, and writing the own-table row too would count it twice (or, in pages,
  // count it as a page view).
  const ownTable = (Object.values(layout.tables) as string[]).includes(eventTable) ? null : eventTable;
  for (let i = 0; i < call.repeat; i += 1) {
    const id = nextId('event');
    const track: LoadRow = { [c.id]: id, ...call.columns, [c.event]: eventTable, [c.eventText]: call.event };
    add(layout.tables.tracks, eventTable === layout.tables.tracks ? { ...call.properties, ...track } : track);
    if (ownTable !== null) add(ownTable, { ...call.properties, ...track });
  }
}

/**
 * The tables of a run: the layout's tables with the columns quorum reads, every column a
 * definition reads (typed by its literals), and every column a case gives (typed by its
 * values, widened across rows: integer + number is number, any other mix is text).
 */
export function suiteTables(shape: ProjectShape, rowsOfAllCases: readonly TableRows[]): Record<string, TableColumns> {
  const { layout } = shape;
  const fixed = new Map<string, Map<string, LogicalType>>();
  const inferred = new Map<string, Map<string, TypeHint>>();
  const kindOf = (table: string): TableKind => {
    const roles = Object.entries(layout.tables) as [TableKind, string][];
    return roles.find(([, name]) => name === table)?.[0] ?? 'event';
  };
  const ensure = (table: string, withLayout: boolean): Map<string, TypeHint> => {
    let columns = inferred.get(table);
    if (!columns) {
      columns = new Map();
      inferred.set(table, columns);
      if (withLayout) fixed.set(table, presetColumns(layout, kindOf(table)));
    }
    return columns;
  };
  for (const table of Object.values(layout.tables)) ensure(table, true);
  for (const [table, columns] of shape.reads) {
    const target = ensure(table, true);
    for (const [column, type] of columns) target.set(column, unionTypes(target.get(column) ?? null, type));
  }
  for (const rows of rowsOfAllCases) {
    for (const [table, list] of rows) {
      const target = ensure(table, false);
      for (const row of list) {
        for (const [column, value] of Object.entries(row)) {
          const had = target.get(column);
          target.set(column, had === undefined ? valueType(value) : unionTypes(had, valueType(value)));
        }
      }
    }
  }
  const tables: Record<string, TableColumns> = {};
  for (const [table, columns] of inferred) {
    const out: Record<string, LogicalType> = {};
    const layoutTypes = fixed.get(table);
    for (const [column, type] of layoutTypes ?? []) out[column] = type;
    for (const [column, type] of columns) if (!(column in out)) out[column] = type ?? 'string';
    if (Object.keys(out).length > 0) tables[table] = out;
  }
  return tables;
}
