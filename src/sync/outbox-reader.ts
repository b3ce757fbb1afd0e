// Reading the outbox (SPEC §6): which calls are pending (neither delivered nor set aside as too
// large), how many wait per destination, and one destination's pages in sequence order, each
// dealt into batches as it is read (outbox-batches.ts). What delivery reads, and nothing else does.
// Each reads the ordinary rows together with the calls of a first run's records by generation
// (outbox-generations.ts), so that it sees the calls the outbox held before state format 6.
import { aggregate, and, bin, col, COUNT, isNull, join, num, select, str, subquery, tableOf, TRUE, type Expr, type FromItem } from '../sql/ast.js';
import { crashPoint } from './crash.js';
import { callsAreSnapshotRows, entityAt, expandedCalls, ofDestination, outboxCalls, pendingCall, withPending, type RecordKey, type RecordPosition } from './outbox-generations.js';
import { headsOf, readOutboxHeads, type OutboxHead } from './outbox-heads.js';
import type { DealtPage, OutboxBatcher } from './outbox-batches.js';
import type { StatementTurns } from './statement-turns.js';
import { type StateWriter, stateTable, toNumber } from './state-sql.js';

/** A call still to deliver: not acknowledged, not rejected as too large. */
export const PENDING: Expr = and(isNull(col('delivered_at')), isNull(col('rejected_at')));

/** One destination's pending calls. */
export function pendingFor(destination: string): Expr {
  return and(bin('=', col('destination'), str(destination)), PENDING);
}

/**
 * The outbox's calls for a reader: its rows and the calls of the records `which` selects (alias
 * `g`); only its rows for a state of format 5 or older, which has no records (`withGenerations`).
 */
function calls(schema: string, which: Expr, withGenerations: boolean, picked: Expr = pendingCall): FromItem {
  return withGenerations ? outboxCalls(schema, 'o', which, picked) : tableOf(stateTable(schema, 'outbox'), 'o');
}

/** Calls waiting in the outbox, over every destination. */
export async function countPendingCalls(w: StateWriter, schema: string, withGenerations = true): Promise<number> {
  let n = 0;
  for (const waiting of (await pendingByDestination(w, schema, withGenerations)).values()) n += waiting;
  return n;
}

/** Pending calls per destination, by destination name. */
export async function waitingByDestination(w: StateWriter, schema: string): Promise<{ destination: string; waiting: number }[]> {
  const byDestination = await pendingByDestination(w, schema, true);
  return [...byDestination.keys()].sort().map((destination) => ({ destination, waiting: byDestination.get(destination)! }));
}

/**
 * Pending calls by destination (of one, with `only`), counted without numbering any record: a
 * record's calls past its watermark are pending but those written out as ordinary rows, which the
 * ordinary rows count with their own state. Numbering a first run's record of 1,000,000 calls to
 * count them raised delivery's peak RSS by 150 MB (BENCHMARKS.md, "Peak memory below 300 MB at 1 M
 * changes").
 */
async function pendingByDestination(w: StateWriter, schema: string, withGenerations: boolean, only: string | null = null): Promise<Map<string, number>> {
  const byDestination = new Map<string, number>();
  const add = (destination: unknown, n: number) => {
    if (n > 0) byDestination.set(String(destination), (byDestination.get(String(destination)) ?? 0) + n);
  };
  const ordinary = await w.rows(
    select({
      columns: [
        { expr: col('destination'), alias: 'destination' },
        { expr: COUNT, alias: 'n' },
      ],
      from: tableOf(stateTable(schema, 'outbox')),
      where: only === null ? PENDING : pendingFor(only),
      groupBy: [col('destination')],
    }),
  );
  for (const r of ordinary) add(r.destination, toNumber(r.n));
  if (!withGenerations) return byDestination;
  const recordKey = ['destination', 'first_sequence', 'last_sequence', 'delivered_through'].map((c) => col(c, 'g'));
  const records = await w.rows(
    select({
      columns: [
        { expr: col('destination', 'g'), alias: 'destination' },
        { expr: bin('-', col('last_sequence', 'g'), col('delivered_through', 'g')), alias: 'past_watermark' },
        { expr: aggregate('count', col('sequence', 'o')), alias: 'written' },
      ],
      from: tableOf(stateTable(schema, 'outbox_generations'), 'g'),
      joins: [
        join(
          'LEFT',
          tableOf(stateTable(schema, 'outbox'), 'o'),
          and(bin('=', col('destination', 'o'), col('destination', 'g')), bin('>', col('sequence', 'o'), col('delivered_through', 'g')), bin('<=', col('sequence', 'o'), col('last_sequence', 'g'))),
        ),
      ],
      where: only === null ? withPending : and(ofDestination(only), withPending),
      groupBy: recordKey,
    }),
  );
  for (const r of records) add(r.destination, toNumber(r.past_watermark) - toNumber(r.written));
  return byDestination;
}

/**
 * Outbox rows read at a time by default (a destination whose batches hold more reads a batch's
 * worth). Delivery stays two pages ahead of the acknowledgements, and what it holds survives V8's
 * young generation into the old one: with pages of 5,000 the JS heap grew to 118 MB while 1,000,000
 * calls went to a file, with 2,500 to 68–70 MB, for the same CPU time (BENCHMARKS.md, "Peak memory
 * at 1 M changes").
 */
export const DEFAULT_PAGE_SIZE = 2_500;

/** The columns of a page. */
const PAGE_COLUMNS = ['message_id', 'destination', 'sequence', 'entity_id', 'run_id', 'payload'];
/**
 * Heads are read for this many pages' worth of sequences at a time. A head covers at least one
 * sequence, so a read holds at most that many heads (a few in practice: one per run's insert).
 */
const HEADS_PAGES = 10;
/** The columns of a record's chunk: its calls' own (their message_id is computed at delivery). */
const CHUNK_COLUMNS = ['sequence', 'entity_id', 'payload', 'delivered_at', 'written'];
/** A record's calls are numbered this many pages at a time, up to RECORD_CHUNK_MAX calls. */
const RECORD_CHUNK_PAGES = 4;
/**
 * DuckDB answers ORDER BY ... LIMIT n with a top-N heap up to n = 5,000 and with a sort of every
 * row beyond that: at 1,000,000 calls a chunk of 10,000 sorted the record's snapshot rows (0.22 s
 * and 40 MB per chunk), one of 5,000 kept a heap (0.07 s; BENCHMARKS.md, "Peak memory below 300 MB
 * at 1 M changes").
 */
const RECORD_CHUNK_MAX = 5_000;
type Row = Record<string, unknown>;

/** Where the reader stands in one record by generation. */
interface RecordBuffer {
  readonly record: RecordKey;
  /** its calls are its snapshot rows alone (`callsAreSnapshotRows`), read so from its start */
  readonly snapshotOnly: boolean;
  /** calls numbered and not yet read */
  rows: Row[];
  position: Omit<RecordPosition, 'limit'>;
  exhausted: boolean;
  /** the next chunk, asked for while the last page was dealt (`readAhead`) */
  ahead: Promise<Row[]> | null;
}

/** One destination's pending calls, a page at a time in sequence order, dealt into batches. */
export class OutboxReader {
  private after = -1;
  private readonly mine: Expr;
  /** Per record by generation (by its first sequence): where the reader stands in it, and the calls numbered and not yet read. */
  private readonly buffers = new Map<number, RecordBuffer>();
  /** The destination's records with pending calls, as the delivery found them (`pendingRecords`). */
  private records: (RecordKey & { watermark: number })[] | null = null;
  /** The heads read last, over the sequences [from, through] (`headsOver`). */
  private heads: { from: number; through: number; heads: OutboxHead[] } | null = null;
  /** Ordinary rows read and not yet in a page, and whether none is left past them. */
  private readonly ordinary: { rows: Row[]; exhausted: boolean } = { rows: [], exhausted: false };

  constructor(
    private readonly w: StateWriter,
    private readonly schema: string,
    private readonly destination: string,
    private readonly batcher: OutboxBatcher,
    readonly pageSize: number = DEFAULT_PAGE_SIZE,
    private readonly turns?: StatementTurns,
  ) {
    this.mine = pendingFor(destination);
  }

  /**
   * The next page dealt, or null once nothing is left; `track` gives each call its position. A page
   * is the first `pageSize` pending calls by sequence of the ordinary rows and of each record by
   * generation, which is numbered from where the reader stands in it.
   */
  async next(track?: (sequence: number, index: number) => number): Promise<DealtPage | null> {
    this.records ??= await this.pendingRecords();
    const records = this.records.filter((r) => r.last > this.after);
    const candidates: Row[] = [...(await this.ordinaryCalls())];
    for (const r of records) candidates.push(...(await this.recordCalls(r)));
    candidates.sort((a, b) => toNumber(a.sequence) - toNumber(b.sequence));
    const page = candidates.slice(0, this.pageSize);
    if (page.length === 0) return null;
    crashPoint('page-read');
    const first = toNumber(page[0].sequence);
    this.after = toNumber(page[page.length - 1].sequence);
    const heads = await this.headsOver(first, this.after);
    this.readAhead();
    return this.batcher.deal(page, track, headsOf(page, heads));
  }

  /**
   * The heads over a page's sequences, read HEADS_PAGES pages' worth of sequences at a time: a read
   * per page waited behind the marks for the connection, 80 times in a first run at SF 1. No run
   * writes or prunes a head while the delivery holds the lock.
   */
  private async headsOver(first: number, last: number): Promise<OutboxHead[]> {
    if (this.heads === null || first < this.heads.from || last > this.heads.through) {
      const from = first;
      const through = Math.max(last, first + this.pageSize * HEADS_PAGES);
      this.heads = { from, through, heads: await this.inTurn(() => readOutboxHeads(this.w, this.schema, this.destination, from, through)) };
    }
    return this.heads.heads.filter((h) => h.first <= last && h.last >= first);
  }

  /**
   * The ordinary rows' pending calls after the last one read, at least a page of them unless fewer
   * are left. While a record's calls fill the pages, the ordinary rows past them wait: reading a
   * page of them afresh for every page read the same rows again and again (81 reads of 11 ms in a
   * first run at SF 1, BENCHMARKS.md, "Delivery of a first run: its reads and its bytes"). Rows past
   * the last one read do not change while the delivery holds the lock: its marks, the calls it sets
   * aside and the calls it writes out all concern sequences it has read.
   */
  private async ordinaryCalls(): Promise<Row[]> {
    const buffer = this.ordinary;
    buffer.rows = buffer.rows.filter((row) => toNumber(row.sequence) > this.after);
    if (buffer.exhausted || buffer.rows.length >= this.pageSize) return buffer.rows;
    const from = buffer.rows.length === 0 ? this.after : toNumber(buffer.rows[buffer.rows.length - 1].sequence);
    const rows = await this.inTurn(() =>
      this.w.rows(
        select({
          columns: PAGE_COLUMNS.map((c) => ({ expr: col(c), alias: c })),
          from: tableOf(stateTable(this.schema, 'outbox')),
          where: and(this.mine, bin('>', col('sequence'), num(from))),
          orderBy: [{ expr: col('sequence'), direction: 'ASC' }],
          limit: this.pageSize,
        }),
      ),
    );
    buffer.exhausted = rows.length < this.pageSize;
    buffer.rows.push(...rows);
    return buffer.rows;
  }

  /**
   * The destination's records by generation with pending calls, read once per delivery: no record
   * is written while a delivery holds the lock, and what the delivery's own marks change (the
   * watermarks) matters only where the reader starts in a record, which is fixed on the first page.
   * A query per page cost 3 ms, 80 times for a first run at SF 1.
   */
  private async pendingRecords(): Promise<(RecordKey & { watermark: number })[]> {
    const rows = await this.inTurn(() =>
      this.w.rows(
        select({
          columns: ['first_sequence', 'last_sequence', 'delivered_through', 'definition', 'run_id'].map((c) => ({ expr: col(c, 'g'), alias: c })),
          from: tableOf(stateTable(this.schema, 'outbox_generations'), 'g'),
          where: and(ofDestination(this.destination), withPending),
        }),
      ),
    );
    return rows.map((r) => ({
      destination: this.destination,
      first: toNumber(r.first_sequence),
      last: toNumber(r.last_sequence),
      definition: String(r.definition),
      runId: String(r.run_id),
      watermark: toNumber(r.delivered_through),
    }));
  }

  /**
   * Asks for the next chunk of every record that the next page will need, before this page is
   * dealt: the warehouse numbers it while JavaScript serialises the page's calls, which took about
   * as long (BENCHMARKS.md, "Delivery: the next chunk read ahead"). The chunk's
   * calls all come after this page, and what delivery writes meanwhile (marks, calls written out)
   * concerns this page's calls and earlier ones, so the chunk reads as it would later.
   */
  private readAhead(): void {
    for (const buffer of this.buffers.values()) {
      if (buffer.exhausted || buffer.ahead !== null) continue;
      let left = 0;
      for (const row of buffer.rows) if (toNumber(row.sequence) > this.after) left += 1;
      if (left >= this.pageSize) continue;
      buffer.ahead = this.readChunk(buffer);
      // awaited when the chunk is taken, or by `settle` when the delivery ends without it
      buffer.ahead.catch(() => undefined);
    }
  }

  /** Waits for the chunks read ahead and not taken, so that no statement outlives the delivery. */
  async settle(): Promise<void> {
    await Promise.all([...this.buffers.values()].map((buffer) => buffer.ahead?.catch(() => undefined)));
  }

  /**
   * A record's pending calls after the last one read, at least a page of them unless it has fewer:
   * numbered a chunk of RECORD_CHUNK_PAGES pages (at most RECORD_CHUNK_MAX calls) at a time from
   * where the reader stands, since each chunk scans the definition's snapshot rows (at 1,000,000
   * calls a scan per page of 2,500 made delivery several times slower).
   */
  private async recordCalls(record: RecordKey & { watermark: number }): Promise<Row[]> {
    let buffer = this.buffers.get(record.first);
    if (buffer === undefined) {
      const position = await this.start(record.first, record.watermark);
      const snapshotOnly = await this.inTurn(() => callsAreSnapshotRows(this.w, this.schema, record));
      buffer = { record, snapshotOnly, rows: [], position, exhausted: false, ahead: null };
      this.buffers.set(record.first, buffer);
    }
    buffer.rows = buffer.rows.filter((row) => toNumber(row.sequence) > this.after);
    while (!buffer.exhausted && buffer.rows.length < this.pageSize) {
      const rows = await (buffer.ahead ?? this.readChunk(buffer));
      buffer.ahead = null;
      if (rows.length > 0) {
        const last = rows[rows.length - 1];
        buffer.position = { entity: String(last.entity_id), sequence: toNumber(last.sequence) };
      }
      buffer.exhausted = rows.length < this.chunkSize();
      // an entity whose call is an ordinary row is read with the ordinary rows
      for (const row of rows) if (toNumber(row.written) === 0 && row.delivered_at === null) buffer.rows.push(row);
    }
    return buffer.rows;
  }

  private chunkSize(): number {
    return Math.min(this.pageSize * RECORD_CHUNK_PAGES, RECORD_CHUNK_MAX);
  }

  /** The record's next chunk of calls after where the reader stands in it, numbered. */
  private async readChunk({ record, position, snapshotOnly }: RecordBuffer): Promise<Row[]> {
    const which = and(ofDestination(this.destination), bin('=', col('first_sequence', 'g'), num(record.first)));
    const numbered = select({
      columns: CHUNK_COLUMNS.map((c) => ({ expr: col(c, 'x'), alias: c })),
      from: subquery(expandedCalls(this.schema, which, TRUE, { ...position, limit: this.chunkSize(), record, snapshotOnly }, true), 'x'),
      orderBy: [{ expr: col('sequence', 'x'), direction: 'ASC' }],
    });
    const rows = await this.inTurn(() => this.w.rows(numbered));
    // what every call of the record shares is not read per call: each text column read costs a
    // conversion of every value (BENCHMARKS.md, "Delivery of a first run: its reads and its bytes")
    return rows.map((row) => ({ message_id: null, destination: record.destination, run_id: record.runId, ...row }));
  }

  /** Where a reader starts in a record: at its watermark (the entity there found by numbering the record once). */
  private async start(first: number, watermark: number): Promise<Omit<RecordPosition, 'limit'>> {
    if (watermark < first) return { entity: null, sequence: first - 1 };
    const entity = await this.inTurn(() => entityAt(this.w, this.schema, this.destination, first, watermark));
    if (entity === null) throw new Error(`internal error: the outbox record of ${this.destination} from sequence ${first} has no call at its watermark ${watermark}`);
    return { entity, sequence: watermark };
  }

  /** Pending calls of the destination now (after a failure: what waits for the next run). */
  async pending(): Promise<number> {
    const byDestination = await this.inTurn(() => pendingByDestination(this.w, this.schema, true, this.destination));
    return byDestination.get(this.destination) ?? 0;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    return this.turns ? this.turns.run(work) : work();
  }
}

/** The transitions each run wrote to the outbox for one entity of a definition, by run (`quorum explain --history`). */
export async function transitionsByRun(w: StateWriter, schema: string, definition: string, entity: string, withGenerations = true): Promise<Map<string, string[]>> {
  const rows = await w.rows(
    select({
      distinct: true,
      columns: [
        { expr: col('run_id'), alias: 'run_id' },
        { expr: col('transition'), alias: 'transition' },
      ],
      from: calls(schema, bin('=', col('definition', 'g'), str(definition)), withGenerations, bin('=', col('entity_id', 'e'), str(entity))),
      where: and(bin('=', col('definition'), str(definition)), bin('=', col('entity_id'), str(entity))),
      orderBy: [{ expr: col('transition'), direction: 'ASC' }],
    }),
  );
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const run = String(row.run_id);
    out.set(run, [...(out.get(run) ?? []), String(row.transition)]);
  }
  return out;
}
