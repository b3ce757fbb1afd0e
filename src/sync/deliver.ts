// Delivery from the outbox (SPEC §6): per destination, in sequence order, a page at a time; a
// batch is marked delivered only after the destination acknowledged it. The first batch that
// fails stops that destination (so a later exit never overtakes an earlier enter); its calls stay
// for the next run. Destinations are delivered side by side, so a slow or failing one does not
// hold up the others; their statements take turns on the one warehouse connection.
import type { Destination } from '../destinations/destination.js';
import { and, bin, col, isNull, num, select, str, ts, type Expr } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { expandCall, type CallRecord, type SegmentCall } from './calls.js';
import { crashPoint } from './crash.js';
import type { LockHandle } from './lock.js';
import { StateWriter, stateTable, toNumber } from './state-sql.js';

export interface DeliveryReport {
  readonly delivered: Record<string, number>;
  /** Calls left in the outbox for a destination that failed (or rejected as too large). */
  readonly failed: Record<string, number>;
  readonly errors: string[];
}

export interface DeliveryOptions {
  readonly connection: WarehouseConnection;
  readonly schema: string;
  readonly destinations: ReadonlyMap<string, Destination>;
  readonly lock: LockHandle | null;
  readonly pageSize?: number;
  readonly log?: (line: string) => void;
}

/** Runs warehouse statements one at a time for concurrent deliveries. */
class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const pending: Expr = and(isNull(col('delivered_at')), isNull(col('rejected_at')));

export async function deliverOutbox(options: DeliveryOptions): Promise<DeliveryReport> {
  const { connection, schema } = options;
  const writer = new StateWriter(connection.dialect.printer, connection);
  const outbox = stateTable(schema, 'outbox');
  const report: DeliveryReport = { delivered: {}, failed: {}, errors: [] };
  const waiting = await writer.rows(
    select({
      columns: [
        { expr: col('destination'), alias: 'destination' },
        { expr: { kind: 'aggregate', fn: 'count', arg: null, filter: null }, alias: 'n' },
      ],
      from: { kind: 'table', ...outbox, alias: null },
      where: pending,
      groupBy: [col('destination')],
      orderBy: [{ expr: col('destination'), direction: 'ASC' }],
    }),
  );
  const turns = new Turns();
  await Promise.all(
    waiting.map(async (row) => {
      const name = String(row.destination);
      const destination = options.destinations.get(name);
      if (!destination) {
        report.failed[name] = toNumber(row.n);
        report.errors.push(`destination "${name}" is not in quorum.yml any more; its ${toNumber(row.n)} calls wait in the outbox`);
        return;
      }
      report.delivered[name] = 0;
      await deliverOne(options, writer, turns, destination, report);
    }),
  );
  return report;
}

async function deliverOne(options: DeliveryOptions, writer: StateWriter, turns: Turns, destination: Destination, report: DeliveryReport): Promise<void> {
  const outbox = stateTable(options.schema, 'outbox');
  const mine = and(bin('=', col('destination'), str(destination.name)), pending);
  const pageSize = options.pageSize ?? destination.limits.maxCalls;
  let after = -1;
  for (;;) {
    const page = await turns.run(() =>
      writer.rows(
        select({
          columns: ['message_id', 'sequence', 'payload'].map((c) => ({ expr: col(c), alias: c })),
          from: { kind: 'table', ...outbox, alias: null },
          where: and(mine, bin('>', col('sequence'), num(after))),
          orderBy: [{ expr: col('sequence'), direction: 'ASC' }],
          limit: pageSize,
        }),
      ),
    );
    if (page.length === 0) return;
    crashPoint('page-read');
    after = toNumber(page[page.length - 1].sequence);
    const batches = toBatches(page, destination);
    for (const rejected of batches.rejected) {
      await turns.run(() =>
        writer.run({
          kind: 'update',
          table: outbox,
          set: [
            { column: 'rejected_at', value: ts(new Date().toISOString()) },
            { column: 'last_error', value: str(`the call is ${rejected.bytes} bytes; a call may have ${destination.limits.maxCallBytes}`) },
          ],
          where: and(bin('=', col('destination'), str(destination.name)), bin('=', col('sequence'), num(rejected.sequence))),
        }),
      );
      report.failed[destination.name] = (report.failed[destination.name] ?? 0) + 1;
      report.errors.push(`destination "${destination.name}": call ${rejected.messageId} is ${rejected.bytes} bytes, over the ${destination.limits.maxCallBytes}-byte limit; it was set aside (rejected_at in the outbox)`);
    }
    for (const batch of batches.batches) {
      const range = and(mine, bin('>=', col('sequence'), num(batch.first)), bin('<=', col('sequence'), num(batch.last)));
      try {
        await destination.send(batch.calls);
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        await turns.run(() =>
          writer.run({
            kind: 'update',
            table: outbox,
            set: [
              { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
              { column: 'last_error', value: str(message.slice(0, 500)) },
            ],
            where: range,
          }),
        );
        const left = await turns.run(() =>
          writer.rows(select({ columns: [{ expr: { kind: 'aggregate', fn: 'count', arg: null, filter: null }, alias: 'n' }], from: { kind: 'table', ...outbox, alias: null }, where: mine })),
        );
        report.failed[destination.name] = (report.failed[destination.name] ?? 0) + toNumber(left[0]?.n);
        report.errors.push(`${message}; ${toNumber(left[0]?.n)} calls wait in the outbox for the next run`);
        return;
      }
      crashPoint('batch-sent');
      await turns.run(() =>
        writer.run({
          kind: 'update',
          table: outbox,
          set: [
            { column: 'delivered_at', value: ts(new Date().toISOString()) },
            { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
          ],
          where: range,
        }),
      );
      crashPoint('batch-marked');
      report.delivered[destination.name] = (report.delivered[destination.name] ?? 0) + batch.calls.length;
      options.log?.(`delivered ${batch.calls.length} calls to ${destination.name}`);
      if (options.lock) {
        const lock = options.lock;
        await turns.run(() => lock.renew());
      }
    }
  }
}

interface Batch {
  readonly calls: SegmentCall[];
  readonly first: number;
  readonly last: number;
}

/** Room for the batch envelope: {"batch":[...],"sentAt":"...","context":{...}}. */
const ENVELOPE_BYTES = 256;

export function toBatches(
  rows: readonly Record<string, unknown>[],
  destination: Pick<Destination, 'limits'>,
): { batches: Batch[]; rejected: { sequence: number; messageId: string; bytes: number }[] } {
  const { maxCalls, maxBatchBytes, maxCallBytes } = destination.limits;
  const batches: Batch[] = [];
  const rejected: { sequence: number; messageId: string; bytes: number }[] = [];
  let current: { calls: SegmentCall[]; first: number; last: number; bytes: number } | null = null;
  for (const row of rows) {
    const sequence = toNumber(row.sequence);
    const messageId = String(row.message_id);
    const call = expandCall(JSON.parse(String(row.payload)) as CallRecord, messageId);
    const bytes = Buffer.byteLength(JSON.stringify(call), 'utf8');
    if (bytes >= maxCallBytes) {
      rejected.push({ sequence, messageId, bytes });
      continue;
    }
    if (current && (current.calls.length >= maxCalls || current.bytes + bytes + 1 > maxBatchBytes - ENVELOPE_BYTES)) {
      batches.push(current);
      current = null;
    }
    current ??= { calls: [], first: sequence, last: sequence, bytes: 0 };
    current.calls.push(call);
    current.last = sequence;
    current.bytes += bytes + 1;
  }
  if (current) batches.push(current);
  return { batches, rejected };
}
