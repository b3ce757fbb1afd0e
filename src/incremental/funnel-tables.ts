// The state tables of incremental funnels, warehouse-free: per funnel, each user's completed steps
// and (with identity stitching) the owner of each anonymous id that those answers were computed
// with; one scratch table of the users a run recomputes, shared by every funnel.
import type { ColumnDefinition, Ddl, TableRef } from '../sql/ast.js';
import type { IncrementalFunnel } from '../plan/physical/funnel-pass.js';

const column = (name: string, type: ColumnDefinition['type'], nullable = false): ColumnDefinition => ({ name, type, nullable });

const ANSWER_COLUMNS: readonly ColumnDefinition[] = [column('id', 'string'), column('step', 'integer')];
const OWNER_COLUMNS: readonly ColumnDefinition[] = [column('anonymous_id', 'string'), column('user_id', 'string')];
// Prefixed, so that a DELETE of the stored owners can name both tables' columns in its EXISTS.
const OWNER_NOW_COLUMNS: readonly ColumnDefinition[] = OWNER_COLUMNS.map((c) => ({ ...c, name: `n_${c.name}` }));
const TOUCHED = { name: 'incremental_funnel_touched', columns: [column('funnel_table', 'string'), column('touched_id', 'string')] } as const;

export const answerRef = (schema: string, f: IncrementalFunnel): TableRef => ({ schema, name: f.stateTable });
/** The owners the stored answers used. */
export const ownersRef = (schema: string, f: IncrementalFunnel): TableRef => ({ schema, name: `${f.stateTable}_o` });
/** The owners at this run's as_of, while the run compares them with the stored ones. */
export const ownersNowRef = (schema: string, f: IncrementalFunnel): TableRef => ({ schema, name: `${f.stateTable}_on` });
export const funnelTouchedRef = (schema: string): TableRef => ({ schema, name: TOUCHED.name });

/** CREATE ... IF NOT EXISTS of every funnel's tables (and the scratch table when there is a funnel). */
export function funnelDdl(schema: string, funnels: readonly IncrementalFunnel[], stitching: boolean): Ddl[] {
  if (funnels.length === 0) return [];
  const table = (ref: TableRef, columns: readonly ColumnDefinition[], primaryKey: readonly string[]): Ddl => ({ kind: 'create_table', schema, name: ref.name, columns, primaryKey, bulk: true });
  return [
    { kind: 'create_schema', schema },
    table(funnelTouchedRef(schema), TOUCHED.columns, []),
    ...funnels.flatMap((f) => [
      table(answerRef(schema, f), ANSWER_COLUMNS, ['id', 'step']),
      ...(stitching ? [table(ownersRef(schema, f), OWNER_COLUMNS, ['anonymous_id']), table(ownersNowRef(schema, f), OWNER_NOW_COLUMNS, [])] : []),
    ]),
  ];
}
