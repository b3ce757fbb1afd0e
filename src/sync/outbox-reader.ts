// Reading the outbox (SPEC §6): which calls are pending (neither delivered nor set aside as too
// large), how many wait per destination, and one destination's next page in sequence order.
import { and, col, COUNT, isNull, select, tableOf, type Expr } from '../sql/ast.js';
import { type StateWriter, stateTable, toNumber } from './state-sql.js';

/** A call still to deliver: not acknowledged, not rejected as too large. */
export const PENDING: Expr = and(isNull(col('delivered_at')), isNull(col('rejected_at')));

/** Calls waiting in the outbox, over every destination. */
export async function countPendingCalls(w: StateWriter, schema: string): Promise<number> {
  const rows = await w.rows(select({ columns: [{ expr: COUNT, alias: 'n' }], from: tableOf(stateTable(schema, 'outbox')), where: PENDING }));
  return toNumber(rows[0]?.n);
}
