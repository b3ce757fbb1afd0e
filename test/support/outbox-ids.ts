// The messageIds of outbox rows, as delivery sends them. From state format 5 a row stores no
// messageId: delivery derives it from the row and its head (src/sync/outbox-rows.ts), so a test
// that compares what was received with what the outbox holds reads the ids through the same path.
// From format 6 a first run's calls may be a record by generation: they are read as delivery reads them.
import { col, select, tableOf, TRUE } from '../../src/sql/ast.js';
import { outboxCalls } from '../../src/sync/outbox-generations.js';
import { headsOf, readOutboxHeads } from '../../src/sync/outbox-heads.js';
import { OUTBOX_COLUMNS } from '../../src/sync/outbox-sql.js';
import { messageIdOfRow, readCallRecord, type OutboxRow } from '../../src/sync/outbox-rows.js';
import { generationsExist, StateWriter, stateTable, toNumber } from '../../src/sync/state-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

/**
 * Every call the outbox holds, as readers see it, for a test's FROM: the outbox table, with the
 * calls of a first run's records by generation where the state has them (format 6).
 */
export async function outboxCallsFrom(connection: WarehouseConnection, schema: string): Promise<string> {
  const from = (await generationsExist(connection, schema)) ? outboxCalls(schema, 'o', TRUE) : tableOf(stateTable(schema, 'outbox'));
  const calls = select({ columns: OUTBOX_COLUMNS.map((c) => ({ expr: col(c), alias: c })), from });
  return `(${connection.dialect.printer.print(calls)}) AS calls`;
}

/**
 * The ids of the outbox rows matching `where` (SQL over the outbox's columns), in sequence order.
 * A row whose payload is not a call record has no id to derive: it is named `sequence <n>`.
 */
export async function outboxMessageIds(connection: WarehouseConnection, schema: string, where = 'TRUE'): Promise<string[]> {
  const columns = ['message_id', 'destination', 'entity_id', 'sequence', 'run_id', 'payload'];
  const calls = await outboxCallsFrom(connection, schema);
  const rows: OutboxRow[] = await connection.query(`SELECT ${columns.join(', ')} FROM ${calls} WHERE ${where} ORDER BY destination, sequence`);
  const w = new StateWriter(connection.dialect.printer, connection);
  const ids: { sequence: number; id: string }[] = [];
  for (const destination of new Set(rows.map((r) => String(r.destination)))) {
    const mine = rows.filter((r) => r.destination === destination);
    const heads = await readOutboxHeads(w, schema, destination, toNumber(mine[0].sequence), toNumber(mine[mine.length - 1].sequence));
    const covering = headsOf(mine, heads);
    for (const [index, row] of mine.entries()) {
      const record = readCallRecord(row.payload, covering[index]);
      const id = typeof record === 'string' ? null : messageIdOfRow(row, record);
      ids.push({ sequence: toNumber(row.sequence), id: id ?? `sequence ${toNumber(row.sequence)}` });
    }
  }
  return ids.sort((a, b) => a.sequence - b.sequence).map((x) => x.id);
}
