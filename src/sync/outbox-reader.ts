// Reading the outbox (SPEC §6): which calls are pending (neither delivered nor set aside as too
// large), how many wait per destination, and one destination's pages in sequence order, each
// dealt into batches as it is read (outbox-batches.ts). What delivery reads, and nothing else does.
// Each reads the ordinary rows together with the calls of a first run's records by generation
// (outbox-generations.ts), so that it sees the calls the outbox held before state format 6.
import { and, bin, col, COUNT, isNull, num, select, str, tableOf, type Expr, type FromItem } from '../sql/ast.js';
import { crashPoint } from './crash.js';
import { ofDestination, outboxCalls, withPending } from './outbox-generations.js';
import { readOutboxHeads, withHeads } from './outbox-heads.js';
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
function calls(schema: string, which: Expr, withGenerations: boolean): FromItem {
  return withGenerations ? outboxCalls(schema, 'o', which) : tableOf(stateTable(schema, 'outbox'), 'o');
}

/** Calls waiting in the outbox, over every destination. */
export async function countPendingCalls(w: StateWriter, schema: string, withGenerations = true): Promise<number> {
  const rows = await w.rows(select({ columns: [{ expr: COUNT, alias: 'n' }], from: calls(schema, withPending, withGenerations), where: PENDING }));
  return toNumber(rows[0]?.n);
}

/** Pending calls per destination, by destination name. */
export async function waitingByDestination(w: StateWriter, schema: string): Promise<{ destination: string; waiting: number }[]> {
  const rows = await w.rows(
    select({
      columns: [
        { expr: col('destination'), alias: 'destination' },
        { expr: COUNT, alias: 'n' },
      ],
      from: calls(schema, withPending, true),
      where: PENDING,
      groupBy: [col('destination')],
      orderBy: [{ expr: col('destination'), direction: 'ASC' }],
    }),
  );
  return rows.map((row) => ({ destination: String(row.destination), waiting: toNumber(row.n) }));
}

/**
 * Outbox rows read at a time by default (a destination whose batches hold more reads a batch's
 * worth). Delivery stays two pages ahead of the acknowledgements, and what it holds survives V8's
 * young generation into the old one: with pages of 5,000 the JS heap grew to 118 MB while 1,000,000
 * calls went to a file, with 2,500 to 68–70 MB, for the same CPU time (BENCHMARKS.md, "Peak memory
 * at 1 M changes").
 */
export const DEFAULT_PAGE_SIZE = 2_500;

/** One destination's pending calls, a page at a time in sequence order, dealt into batches. */
export class OutboxReader {
  private after = -1;
  private readonly mine: Expr;

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

  /** The next page dealt, or null once nothing is left; `track` gives each call its position. */
  async next(track?: (sequence: number, index: number) => number): Promise<DealtPage | null> {
    const records = and(ofDestination(this.destination), withPending, bin('>', col('last_sequence', 'g'), num(this.after)));
    const query = select({
      columns: ['message_id', 'destination', 'sequence', 'entity_id', 'run_id', 'payload'].map((c) => ({ expr: col(c), alias: c })),
      from: calls(this.schema, records, true),
      where: and(this.mine, bin('>', col('sequence'), num(this.after))),
      orderBy: [{ expr: col('sequence'), direction: 'ASC' }],
      limit: this.pageSize,
    });
    const page = await this.inTurn(() => this.w.rows(query));
    if (page.length === 0) return null;
    crashPoint('page-read');
    const first = toNumber(page[0].sequence);
    this.after = toNumber(page[page.length - 1].sequence);
    const heads = await this.inTurn(() => readOutboxHeads(this.w, this.schema, this.destination, first, this.after));
    return this.batcher.deal(withHeads(page, heads), track);
  }

  /** Pending calls of the destination now (after a failure: what waits for the next run). */
  async pending(): Promise<number> {
    const records = and(ofDestination(this.destination), withPending);
    const rows = await this.inTurn(() => this.w.rows(select({ columns: [{ expr: COUNT, alias: 'n' }], from: calls(this.schema, records, true), where: this.mine })));
    return toNumber(rows[0]?.n);
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
      from: calls(schema, bin('=', col('definition', 'g'), str(definition)), withGenerations),
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
