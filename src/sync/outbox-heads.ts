// The shared part of the call records of one outbox insert (state format 4, outbox_heads): written
// once beside the insert, read back by delivery to complete each row's payload, pruned with the
// rows it covers. A row of a run and destination that no head covers holds its whole record in
// `payload` (every row a state of format 3 or older wrote).
import { and, bin, col, COUNT, deleteFrom, exists, inQuery, insertInto, isNull, not, num, select, str, stringMatch, tableOf, type Expr } from '../sql/ast.js';
import { runsWithCalls } from './outbox-generations.js';
import { type StateWriter, stateTable, toNumber } from './state-sql.js';

export interface OutboxHead {
  readonly runId: string;
  readonly destination: string;
  readonly first: number;
  readonly last: number;
  readonly head: string;
}

export async function writeOutboxHead(w: StateWriter, schema: string, h: OutboxHead): Promise<void> {
  await w.run(
    insertInto(
      stateTable(schema, 'outbox_heads'),
      ['run_id', 'destination', 'first_sequence', 'last_sequence', 'head'],
      select({
        columns: [
          { expr: str(h.runId), alias: 'run_id' },
          { expr: str(h.destination), alias: 'destination' },
          { expr: num(h.first), alias: 'first_sequence' },
          { expr: num(h.last), alias: 'last_sequence' },
          { expr: str(h.head), alias: 'head' },
        ],
      }),
    ),
  );
}

/** One destination's heads over the sequences [from, through]. */
export async function readOutboxHeads(w: StateWriter, schema: string, destination: string, from: number, through: number): Promise<OutboxHead[]> {
  const rows = await w.rows(
    select({
      columns: ['run_id', 'first_sequence', 'last_sequence', 'head'].map((c) => ({ expr: col(c), alias: c })),
      from: tableOf(stateTable(schema, 'outbox_heads')),
      where: and(bin('=', col('destination'), str(destination)), bin('<=', col('first_sequence'), num(through)), bin('>=', col('last_sequence'), num(from))),
    }),
  );
  return rows.map((r) => ({ runId: String(r.run_id), destination, first: toNumber(r.first_sequence), last: toNumber(r.last_sequence), head: String(r.head) }));
}

/**
 * The head that covers each of a page's rows, in the page's order (undefined: the row holds its
 * whole record). The payloads are not completed here: delivery serialises the calls under a head
 * from text made once for it (outbox-rows.ts `serialiseRow`).
 */
export function headsOf(rows: readonly { readonly sequence?: unknown; readonly run_id?: unknown; readonly payload?: unknown }[], heads: readonly OutboxHead[]): (string | undefined)[] {
  return rows.map((row) => {
    if (heads.length === 0 || typeof row.payload !== 'string') return undefined;
    const sequence = toNumber(row.sequence);
    return heads.find((h) => h.runId === row.run_id && h.first <= sequence && sequence <= h.last)?.head;
  });
}

/**
 * Deletes the heads of runs that no longer have a row in the outbox or a record by generation (after pruning). The run ids are
 * made distinct before the IN: otherwise DuckDB hashed every outbox row's run id, +78 MB and 0.3-0.4 s
 * of CPU after a run of 1,000,000 calls against +7 MB and 0.03 s (BENCHMARKS.md, "Peak memory below
 * 300 MB").
 */
export async function pruneOutboxHeads(w: StateWriter, schema: string): Promise<void> {
  await w.run(deleteFrom(stateTable(schema, 'outbox_heads'), not(inQuery(col('run_id'), runsWithCalls(schema)))));
}

/**
 * Pending calls whose head is gone (deleted by hand): their payload holds only the call's own part,
 * so they can never be sent as written. A row of state format 3 or older holds its whole record (a
 * JSON object, `{` first; a tail never starts with it) and needs no head.
 */
function headless(schema: string): Expr {
  const covering = select({
    columns: [{ expr: num(1), alias: 'one' }],
    from: tableOf(stateTable(schema, 'outbox_heads'), 'h'),
    where: and(
      bin('=', col('run_id', 'h'), col('run_id', 'o')),
      bin('=', col('destination', 'h'), col('destination', 'o')),
      bin('<=', col('first_sequence', 'h'), col('sequence', 'o')),
      bin('>=', col('last_sequence', 'h'), col('sequence', 'o')),
    ),
  });
  return and(isNull(col('delivered_at', 'o')), isNull(col('rejected_at', 'o')), not(stringMatch('starts_with', col('payload', 'o'), str('{'))), not(exists(covering)));
}

/** How many pending calls lost their head (`quorum state check`). */
export async function countHeadless(w: StateWriter, schema: string): Promise<number> {
  const [row] = await w.rows(select({ columns: [{ expr: COUNT, alias: 'n' }], from: tableOf(stateTable(schema, 'outbox'), 'o'), where: headless(schema) }));
  return toNumber(row.n);
}

/** Deletes the pending calls that lost their head (`quorum state repair`). */
export async function deleteHeadless(w: StateWriter, schema: string): Promise<void> {
  const outbox = stateTable(schema, 'outbox');
  const lost = select({ columns: [{ expr: col('sequence', 'o'), alias: 'sequence' }], from: tableOf(outbox, 'o'), where: headless(schema) });
  await w.run(deleteFrom(outbox, inQuery(col('sequence'), lost)));
}
