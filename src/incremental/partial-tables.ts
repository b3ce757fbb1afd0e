// The state tables of incremental evaluation, warehouse-free: one partial table per incremental
// scan (and its per-value table for distinct measures), a bookkeeping table with each partial
// table's last as_of and arrival watermark, and a scratch table of the (raw key, day) pairs a
// run recomputes. Printed by each dialect's printer like the other state tables.
import type { ColumnDefinition, Ddl, TableRef } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import type { IncrementalScan } from '../plan/physical/incremental-pass.js';
import { isDistinct, propertyType, scanPartialColumns } from './partial-columns.js';

const column = (name: string, type: ColumnDefinition['type'], nullable = false): ColumnDefinition => ({ name, type, nullable });

export const INCREMENTAL_STATE = {
  name: 'incremental_state',
  columns: [
    column('partial_table', 'string'),
    column('source_table', 'string'),
    column('as_of', 'timestamp'),
    column('watermark', 'timestamp', true), // the largest arrival value the run saw (a run caps it at that as_of when it compares); null: the table was empty
    column('refreshed_at', 'timestamp'),
  ],
  primaryKey: ['partial_table'],
} as const;

export const INCREMENTAL_TOUCHED = {
  name: 'incremental_touched',
  columns: [column('partial_table', 'string'), column('touched_key', 'string'), column('touched_bucket', 'timestamp'), column('touched_rows', 'integer')],
} as const;

/** The key columns every partial row starts with: raw key, its user / anonymous parts, day. */
const KEY_COLUMNS: readonly ColumnDefinition[] = [column('rk', 'string'), column('ru', 'string', true), column('ra', 'string', true), column('bucket', 'timestamp')];

/** The key columns of a scan's partial rows: group_context adds the row's context account (nullable). */
export function keyColumns(s: IncrementalScan): ColumnDefinition[] {
  return s.context ? [...KEY_COLUMNS, column('ctx', 'string', true)] : [...KEY_COLUMNS];
}

export function partialTableColumns(plan: Plan, s: IncrementalScan): ColumnDefinition[] {
  return [...keyColumns(s), column('n_rows', 'integer'), ...scanPartialColumns(plan, s)];
}

export function valueTableColumns(plan: Plan, s: IncrementalScan): ColumnDefinition[] {
  if (s.valueProperty === null) return [];
  const distinct = s.scan.measures.filter(isDistinct);
  return [...keyColumns(s), column('k', propertyType(plan, s.table, s.valueProperty)), ...distinct.map((m) => column(m.column, 'integer'))];
}

export const partialRef = (schema: string, s: IncrementalScan): TableRef => ({ schema, name: s.partialTable });
export const valueRef = (schema: string, s: IncrementalScan): TableRef => ({ schema, name: `${s.partialTable}_v` });
export const stateRef = (schema: string): TableRef => ({ schema, name: INCREMENTAL_STATE.name });
export const touchedRef = (schema: string): TableRef => ({ schema, name: INCREMENTAL_TOUCHED.name });

/** CREATE ... IF NOT EXISTS for the bookkeeping tables and every partial table of the pass. */
export function incrementalDdl(plan: Plan, schema: string, scans: readonly IncrementalScan[]): Ddl[] {
  const table = (name: string, columns: readonly ColumnDefinition[], primaryKey: readonly string[]): Ddl => ({
    kind: 'create_table',
    schema,
    name,
    columns,
    primaryKey,
    bulk: true,
  });
  return [
    { kind: 'create_schema', schema },
    { kind: 'create_table', schema, name: INCREMENTAL_STATE.name, columns: INCREMENTAL_STATE.columns, primaryKey: INCREMENTAL_STATE.primaryKey },
    table(INCREMENTAL_TOUCHED.name, INCREMENTAL_TOUCHED.columns, []),
    ...scans.flatMap((s) => [
      // No key: a (raw key, day) may hold several rows, each run appending the rows it certainly never counted (partial-refresh.ts).
      table(s.partialTable, partialTableColumns(plan, s), []),
      ...(s.valueProperty === null ? [] : [table(`${s.partialTable}_v`, valueTableColumns(plan, s), [])]),
    ]),
  ];
}
