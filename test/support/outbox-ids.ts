// The messageIds of outbox rows, as delivery sends them. From state format 5 a row stores no
// messageId: delivery derives it from the row and its head (src/sync/outbox-rows.ts), so a test
// that compares what was received with what the outbox holds reads the ids through the same path.
import { readOutboxHeads, withHeads } from '../../src/sync/outbox-heads.js';
import { messageIdOfRow, readCallRecord, type OutboxRow } from '../../src/sync/outbox-rows.js';
import { StateWriter, toNumber } from '../../src/sync/state-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

/**
 * The ids of the outbox rows matching `where` (SQL over the outbox's columns), in sequence order.
 * A row whose payload is not a call record has no id to derive: it is named `sequence <n>`.
 */
export async function outboxMessageIds(connection: WarehouseConnection, schema: string, where = 'TRUE'): Promise<string[]> {
  const rows: OutboxRow[] = await connection.query(
    `SELECT message_id, destination, entity_id, sequence, run_id, payload FROM ${schema}.outbox WHERE ${where} ORDER BY destination, sequence`,
  );
  const w = new StateWriter(connection.dialect.printer, connection);
  const ids: { sequence: number; id: string }[] = [];
  for (const destination of new Set(rows.map((r) => String(r.destination)))) {
    const mine = rows.filter((r) => r.destination === destination);
    const heads = await readOutboxHeads(w, schema, destination, toNumber(mine[0].sequence), toNumber(mine[mine.length - 1].sequence));
    for (const row of withHeads(mine, heads)) {
      const record = readCallRecord(row.payload);
      const id = typeof record === 'string' ? null : messageIdOfRow(row, record);
      ids.push({ sequence: toNumber(row.sequence), id: id ?? `sequence ${toNumber(row.sequence)}` });
    }
  }
  return ids.sort((a, b) => a.sequence - b.sequence).map((x) => x.id);
}
