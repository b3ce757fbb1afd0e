// What delivery writes back to the outbox for one destination (SPEC §6): calls marked delivered
// once acknowledged (a sequence range, or a list), a failed batch's attempts and error, a corrupt
// call's reason, a call too large to ever send set aside. Statements take turns on the connection.
// A call of a first run's record by generation is marked by moving the record's watermark where it
// can be, and is otherwise written out as an ordinary row first (outbox-generations.ts).
import { and, bin, col, not, num, oneOf, str, ts, update, type Expr, type TableRef } from '../sql/ast.js';
import { redactSecrets } from '../secrets/secret-redactor.js';
import { markRecordsDelivered, writeOutSequences } from './outbox-generations.js';
import { pendingFor } from './outbox-reader.js';
import type { StatementTurns } from './statement-turns.js';
import { type StateWriter, stateTable } from './state-sql.js';

/** Sequences in one `IN` list at most. */
const LIST_CHUNK = 1000;

export class OutboxMarks {
  private readonly outbox: TableRef;
  private readonly mine: Expr;

  constructor(
    private readonly w: StateWriter,
    private readonly schema: string,
    private readonly destination: string,
    private readonly turns: StatementTurns,
  ) {
    this.outbox = stateTable(schema, 'outbox');
    this.mine = pendingFor(destination);
  }

  /** The pending calls in (after, through], but the held ones. */
  async deliveredRange(after: number | null, through: number, held: readonly number[]): Promise<void> {
    await this.turns.run(() => markRecordsDelivered(this.w, this.schema, this.destination, after, through, held, new Date().toISOString()));
    await this.delivered(
      and(
        this.mine,
        ...(after === null ? [] : [bin('>', col('sequence'), num(after))]),
        bin('<=', col('sequence'), num(through)),
        ...held.map((n) => not(bin('=', col('sequence'), num(n)))),
      ),
    );
  }

  /** Marks the listed calls, a chunk at a time; `each` runs after every chunk's UPDATE. */
  async deliveredList(sequences: readonly number[], each: (marked: number) => Promise<void>): Promise<void> {
    for (const chunk of chunks(sequences)) {
      await this.writeOut(chunk);
      await this.delivered(and(this.mine, oneOf(col('sequence'), chunk.map((s) => num(s)))));
      await each(chunk.length);
    }
  }

  private async delivered(where: Expr): Promise<void> {
    const set = [
      { column: 'delivered_at', value: ts(new Date().toISOString()) },
      { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
    ];
    await this.turns.run(() => this.w.run(update(this.outbox, set, where)));
  }

  /** A batch the destination did not take: one attempt more, and why. */
  async failed(sequences: readonly number[], message: string): Promise<void> {
    const set = [
      { column: 'attempts', value: bin('+', col('attempts'), num(1)) },
      { column: 'last_error', value: str(redactSecrets(message).slice(0, 500)) },
    ];
    for (const chunk of chunks(sequences)) {
      await this.writeOut(chunk);
      await this.turns.run(() => this.w.run(update(this.outbox, set, and(this.mine, oneOf(col('sequence'), chunk.map((s) => num(s)))))));
    }
  }

  /** Not marked (it stays, and holds its entity's later calls); last_error says why. */
  async setAside(sequence: number, reason: string): Promise<void> {
    const last = str(`corrupt: ${reason}; set aside, the entity's later calls wait behind it`);
    await this.writeOut([sequence]);
    await this.turns.run(() => this.w.run(update(this.outbox, [{ column: 'last_error', value: last }], and(this.mine, bin('=', col('sequence'), num(sequence))))));
  }

  /** Too large for the destination: never retried (`rejected_at`). */
  async rejected(sequence: number, bytes: number, maxCallBytes: number): Promise<void> {
    const set = [
      { column: 'rejected_at', value: ts(new Date().toISOString()) },
      { column: 'last_error', value: str(`the call is ${bytes} bytes; a call may have ${maxCallBytes}`) },
    ];
    const where = and(bin('=', col('destination'), str(this.destination)), bin('=', col('sequence'), num(sequence)));
    await this.writeOut([sequence]);
    await this.turns.run(() => this.w.run(update(this.outbox, set, where)));
  }

  /** Calls of records at these sequences become ordinary rows, which the UPDATE that follows marks. */
  private async writeOut(sequences: readonly number[]): Promise<void> {
    await this.turns.run(() => writeOutSequences(this.w, this.schema, this.destination, sequences));
  }
}

function chunks(sequences: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < sequences.length; i += LIST_CHUNK) out.push(sequences.slice(i, i + LIST_CHUNK));
  return out;
}
