// Reading the outbox and dealing it into batches (src/sync/outbox-reader.ts, outbox-batches.ts), on
// a real DuckDB state: pages in sequence order, only one destination's pending calls (not the
// delivered, not the set aside), within Segment's limits, across page boundaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { SEGMENT_LIMITS } from '../../src/destinations/destination.js';
import type { SegmentCall } from '../../src/sync/calls.js';
import { OutboxBatcher } from '../../src/sync/outbox-batches.js';
import { countPendingCalls, OutboxReader, waitingByDestination } from '../../src/sync/outbox-reader.js';
import { ensureStateTables, StateWriter } from '../../src/sync/state-sql.js';
import type { ResultRow, WarehouseConnection } from '../../src/warehouse/connection.js';

const SCHEMA = 'quorum_state';
let connection: WarehouseConnection;
let writer: StateWriter;

function payload(user: string, size = 0): string {
  return JSON.stringify({
    type: 'identify', class: 'trait', key: 't', computation_id: 'trt_x', transition: 'changed', user_id: user, anonymous_id: null, group_id: null,
    event: null, value: JSON.stringify('x'.repeat(size)), columns: false, as_of: '2024-06-01T00:00:00.000Z', run_id: 'r', namespace: 'quorum', space_id: 'quorum',
  });
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

beforeAll(async () => {
  connection = await duckdb.connect({ type: 'duckdb', path: ':memory:' });
  writer = new StateWriter(connection.dialect.printer, connection);
  await ensureStateTables(connection, SCHEMA);
  const rows: string[] = [];
  // crm: 1..300, every 10th delivered, 55 set aside as too large, 77 a 40 KB call; hook: 1..20.
  for (let s = 1; s <= 300; s += 1) {
    const delivered = s % 10 === 0 ? "TIMESTAMP '2024-06-01 00:00:00'" : 'NULL';
    const rejected = s === 55 ? "TIMESTAMP '2024-06-01 00:00:00'" : 'NULL';
    rows.push(`('m${s}', 'crm', 'r', 't', 'u${s % 7}', 'changed', 'identify', ${quote(payload(`u${s % 7}`, s === 77 ? 40_000 : 0))}, TIMESTAMP '2024-06-01 00:00:00', 0, NULL, ${delivered}, ${s}, ${rejected})`);
  }
  for (let s = 1; s <= 20; s += 1) rows.push(`('h${s}', 'hook', 'r', 't', 'u1', 'changed', 'identify', ${quote(payload('u1'))}, TIMESTAMP '2024-06-01 00:00:00', 0, NULL, NULL, ${s}, NULL)`);
  await connection.execute(
    `INSERT INTO ${SCHEMA}.outbox (message_id, destination, run_id, definition, entity_id, transition, call_type, payload, created_at, attempts, last_error, delivered_at, sequence, rejected_at) VALUES ${rows.join(',\n')}`,
  );
});
afterAll(async () => {
  await connection?.close();
});

describe('the outbox reader', () => {
  it('counts the pending calls, per destination and in all', async () => {
    expect(await waitingByDestination(writer, SCHEMA)).toEqual([
      { destination: 'crm', waiting: 300 - 30 - 1 },
      { destination: 'hook', waiting: 20 },
    ]);
    expect(await countPendingCalls(writer, SCHEMA)).toBe(269 + 20);
  });

  it("reads one destination's pending calls a page at a time, in sequence order, dealt into batches", async () => {
    const batcher = new OutboxBatcher({ ...SEGMENT_LIMITS, maxCalls: 8 }, 3);
    const reader = new OutboxReader(writer, SCHEMA, 'crm', batcher, 50);
    const seen: number[] = [];
    const sent: number[] = [];
    const rejected: number[] = [];
    let pages = 0;
    for (let page = await reader.next((s) => (seen.push(s), s)); page !== null; page = await reader.next((s) => (seen.push(s), s))) {
      pages += 1;
      for (const { batch } of page.batches) {
        expect(batch.calls.length).toBeLessThanOrEqual(8);
        expect(batch.positions).toEqual(batch.sequences);
        batch.calls.forEach((json, k) => expect((JSON.parse(json) as SegmentCall).messageId).toBe(`m${batch.sequences[k]}`));
        sent.push(...batch.sequences);
      }
      rejected.push(...page.rejected.map((r) => r.sequence));
      expect(page.held).toEqual([]);
    }
    const pending = Array.from({ length: 300 }, (_, i) => i + 1).filter((s) => s % 10 !== 0 && s !== 55);
    expect(pages).toBe(Math.ceil(pending.length / 50));
    expect(seen).toEqual(pending);
    expect(rejected).toEqual([77]);
    expect(sent.sort((a, b) => a - b)).toEqual(pending.filter((s) => s !== 77));
    expect(await reader.pending()).toBe(269);
  });
});

/** Whether DuckDB's own parser reads `sql` as one SELECT straight from the table `table` (no subquery, no join). */
async function selectsFromTable(on: WarehouseConnection, sql: string, table: string): Promise<boolean> {
  const [{ tree }] = await on.query(`SELECT json_serialize_sql(${quote(sql)}) AS tree`);
  const from = (JSON.parse(String(tree)) as { statements: { node: { from_table: { type: string; table_name?: string } } }[] }).statements[0]?.node.from_table;
  return from?.type === 'BASE_TABLE' && from.table_name === table;
}

/** How many times DuckDB's own parser finds the table `table` read anywhere in `sql`. */
async function tableReads(on: WarehouseConnection, sql: string, table: string): Promise<number> {
  const [{ tree }] = await on.query(`SELECT json_serialize_sql(${quote(sql)}) AS tree`);
  let reads = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (n.type === 'BASE_TABLE' && n.table_name === table) reads += 1;
      Object.values(n).forEach(visit);
    }
  };
  visit(JSON.parse(String(tree)));
  return reads;
}

describe('the outbox reader, with a record by generation between ordinary rows', () => {
  it("reads the ordinary rows past a record's calls once, and the heads ten pages at a time, not once per page", async () => {
    const own = await duckdb.connect({ type: 'duckdb', path: ':memory:' });
    try {
      await ensureStateTables(own, SCHEMA);
      // ordinary rows 1..40 and 141..240; a first run's record of 100 calls at 41..140
      const rows: string[] = [];
      for (const s of [...Array.from({ length: 40 }, (_, i) => i + 1), ...Array.from({ length: 100 }, (_, i) => i + 141)]) {
        rows.push(`('m${s}', 'rec', 'r', 't', 'u${s}', 'changed', 'identify', ${quote(payload(`u${s}`))}, TIMESTAMP '2024-06-01 00:00:00', 0, NULL, NULL, ${s}, NULL)`);
      }
      await own.execute(
        `INSERT INTO ${SCHEMA}.outbox (message_id, destination, run_id, definition, entity_id, transition, call_type, payload, created_at, attempts, last_error, delivered_at, sequence, rejected_at) VALUES ${rows.join(',\n')}`,
      );
      const entities = Array.from({ length: 100 }, (_, i) => `e${String(i).padStart(3, '0')}`);
      await own.execute(`INSERT INTO ${SCHEMA}.snapshots (definition, entity_id, value, run_id, as_of) VALUES ${entities.map((e) => `('d', '${e}', '"x"', 'g', TIMESTAMP '2024-06-01 00:00:00')`).join(', ')}`);
      await own.execute(
        `INSERT INTO ${SCHEMA}.outbox_generations (run_id, destination, first_sequence, last_sequence, definition, transition, call_type, with_value, created_at, delivered_through, delivered_at) VALUES ('g', 'rec', 41, 140, 'd', 'entered', 'identify', 1, TIMESTAMP '2024-06-01 00:00:00', 40, NULL)`,
      );
      const head = JSON.stringify({ type: 'identify', class: 'trait', key: 'd', computation_id: 'trt_d', transition: 'entered', anonymous_id: null, group_id: null, event: null, columns: false, as_of: '2024-06-01T00:00:00.000Z', run_id: 'g', namespace: 'quorum', space_id: 'quorum', generation: '1' }).slice(0, -1);
      await own.execute(`INSERT INTO ${SCHEMA}.outbox_heads (run_id, destination, first_sequence, last_sequence, head) VALUES ('g', 'rec', 41, 140, ${quote(head)})`);

      const sent: string[] = [];
      const counting: WarehouseConnection = Object.assign(Object.create(own) as WarehouseConnection, {
        query: async (sql: string): Promise<ResultRow[]> => {
          sent.push(sql);
          return own.query(sql);
        },
      });
      const reader = new OutboxReader(new StateWriter(own.dialect.printer, counting), SCHEMA, 'rec', new OutboxBatcher({ ...SEGMENT_LIMITS, maxCalls: 5 }, 1), 10);
      const seen: number[] = [];
      const users: string[] = [];
      for (let page = await reader.next((s) => (seen.push(s), s)); page !== null; page = await reader.next((s) => (seen.push(s), s))) {
        for (const { batch } of page.batches) users.push(...batch.calls.map((json) => String((JSON.parse(json) as SegmentCall).userId)));
        expect(page.held).toEqual([]);
      }
      await reader.settle();
      expect(seen).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
      expect(users.slice(40, 140)).toEqual(entities);
      // 24 pages of 10: a read of ordinary rows per page before the record, one while its 10 pages
      // go out, one per page after it, and the last (empty) one; reading afresh per page took 25
      let ordinaryReads = 0;
      let headReads = 0;
      for (const sql of sent) {
        if (await selectsFromTable(own, sql, 'outbox')) ordinaryReads += 1;
        if (await selectsFromTable(own, sql, 'outbox_heads')) headReads += 1;
      }
      expect(ordinaryReads).toBeGreaterThan(0);
      expect(ordinaryReads).toBeLessThanOrEqual(4 + 1 + 10 + 1);
      // the heads over ten pages' worth of sequences at a time: 240 sequences, three reads (24 a page at a time)
      expect(headReads).toBeGreaterThan(0);
      expect(headReads).toBeLessThanOrEqual(3);
      // Nothing but its snapshot rows stands for the record's calls (no row kept aside for it, no
      // call of it written out): its chunks read those alone, and the rows kept aside only once,
      // to find that out. Chunks of 40 over its 100 calls read them three times otherwise.
      let keptReads = 0;
      for (const sql of sent) keptReads += await tableReads(own, sql, 'outbox_generation_rows');
      expect(keptReads).toBe(1);
    } finally {
      await own.close();
    }
  });
});
