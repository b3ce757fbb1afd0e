// A first run's outbox by generation (state format 6). A first run of a user-level definition
// enters every staged entity, and its outbox rows would repeat what its new snapshot holds: at SF 1
// 97% of a first run's 196,000 outbox rows, whose writing was most of the diff stage (BENCHMARKS.md,
// "First-run outbox by generation"). Such an insert is written as one outbox_generations row
// instead; its calls are rebuilt from the snapshot wherever the outbox is read.
//
// What keeps that exact as later runs change the snapshot: a record's calls are the definition's
// snapshot rows that carry the record's run_id, the rows of that run a later run's snapshot delta
// deleted or rewrote (copied to outbox_generation_rows first, in the same transaction: a copy of
// the changed rows, not a numbering of the record), and the ordinary outbox rows in its sequence
// range; a call's sequence is first_sequence - 1 plus its entity's rank over all of them, a set that
// never changes. Delivery writes a call out as an ordinary row (same sequence, same state) where the
// record's watermark cannot say its state (a failure, a call set aside, a mark out of order).
// Pruning deletes a record only once all its calls are delivered, and the rows in its range and
// its copied snapshot rows with it.
import {
  aggregate,
  and,
  between,
  bin,
  caseWhen,
  col,
  deleteFrom,
  inQuery,
  insertInto,
  isNull,
  join,
  not,
  num,
  oneOf,
  rowNumber,
  select,
  str,
  subquery,
  tableOf,
  TRUE,
  ts,
  union,
  update,
  type Expr,
  type FromItem,
  type Select,
  type Statement,
  type TableRef,
} from '../sql/ast.js';
import { entityCallTail, OUTBOX_COLUMNS } from './outbox-sql.js';
import { keyExpr } from './snapshot-delta-sql.js';
import { nullOf } from './sync-definition.js';
import { inList, stateTable, toNumber, type StateWriter } from './state-sql.js';

/** Where a reader stands in one record: the entity at `sequence` (null: before its first call), and how many calls it reads next. */
export interface RecordPosition {
  readonly entity: string | null;
  readonly sequence: number;
  readonly limit: number;
}

/** One record, as a reader going through it a chunk at a time names it. */
export interface RecordKey {
  readonly destination: string;
  readonly first: number;
  readonly last: number;
  readonly definition: string;
  readonly runId: string;
}

/**
 * The next chunk of one record: from a position on, `limit` calls. `snapshotOnly`: the record's
 * calls past the position are its snapshot rows alone (`callsAreSnapshotRows`).
 */
export type RecordChunk = RecordPosition & { readonly record: RecordKey; readonly snapshotOnly: boolean };

export interface OutboxGeneration {
  readonly runId: string;
  readonly destination: string;
  readonly first: number;
  readonly last: number;
  readonly definition: string;
  readonly callType: string;
  readonly withValue: boolean;
  readonly createdAt: string;
}

export async function writeOutboxGeneration(w: StateWriter, schema: string, g: OutboxGeneration): Promise<void> {
  const values: Record<string, Expr> = {
    run_id: str(g.runId),
    destination: str(g.destination),
    first_sequence: num(g.first),
    last_sequence: num(g.last),
    definition: str(g.definition),
    transition: str('entered'),
    call_type: str(g.callType),
    with_value: num(g.withValue ? 1 : 0),
    created_at: ts(g.createdAt),
    delivered_through: num(g.first - 1),
    delivered_at: nullOf('timestamp'),
  };
  await w.run(insertInto(stateTable(schema, 'outbox_generations'), Object.keys(values), select({ columns: Object.entries(values).map(([alias, expr]) => ({ expr, alias })) })));
}

/**
 * The entities of the records `which` selects (a condition on alias `g`), numbered: destination,
 * first_sequence, entity_id, value (from the snapshot), written (1: an ordinary outbox row holds
 * its call), sequence. Every record is numbered whole, or with `after` one record from a position on.
 */
function numbered(schema: string, which: Expr, after: RecordChunk | null): Select {
  const generations = stateTable(schema, 'outbox_generations');
  // One side of the record's entities: the rows of `table` (as `alias`) that `on` joins to a record;
  // for a chunk, the rows of its record past the position, the next `limit` of them by entity. A
  // chunk names its record by value: joined to outbox_generations, DuckDB took 22-39 ms for a chunk
  // of 5,000 at SF 1 where the same rows by value took 4-7 ms (BENCHMARKS.md, "Delivery of a first
  // run: its reads and its bytes").
  const side = (table: TableRef, alias: string, on: Expr, own: Expr, value: Expr, written: number): Select => {
    const entity = col('entity_id', alias);
    const values = [
      { expr: entity, alias: 'entity_id' },
      { expr: value, alias: 'value' },
      { expr: num(written), alias: 'written' },
    ];
    if (after === null) {
      return select({
        columns: [{ expr: col('destination', 'g'), alias: 'destination' }, { expr: col('first_sequence', 'g'), alias: 'first_sequence' }, ...values],
        from: tableOf(generations, 'g'),
        joins: [join('INNER', tableOf(table, alias), on)],
        where: which,
      });
    }
    return select({
      columns: [{ expr: str(after.record.destination), alias: 'destination' }, { expr: num(after.record.first), alias: 'first_sequence' }, ...values],
      from: tableOf(table, alias),
      where: and(own, after.entity === null ? TRUE : bin('>', entity, str(after.entity))),
      orderBy: [{ expr: entity, direction: 'ASC' as const }],
      limit: after.limit,
    });
  };
  const record = after?.record;
  const ofRecordRun = and(bin('=', col('definition', 's'), col('definition', 'g')), bin('=', col('run_id', 's'), col('run_id', 'g')));
  const ofThisRun = record === undefined ? TRUE : and(bin('=', col('definition', 's'), str(record.definition)), bin('=', col('run_id', 's'), str(record.runId)));
  const fromSnapshot = (table: 'snapshots' | 'outbox_generation_rows') => side(stateTable(schema, table), 's', ofRecordRun, ofThisRun, col('value', 's'), 0);
  const inRecordRange = and(bin('=', col('destination', 'o'), col('destination', 'g')), between(col('sequence', 'o'), col('first_sequence', 'g'), col('last_sequence', 'g')));
  const inThisRange = record === undefined ? TRUE : and(bin('=', col('destination', 'o'), str(record.destination)), between(col('sequence', 'o'), num(record.first), num(record.last)));
  const written = side(stateTable(schema, 'outbox'), 'o', inRecordRange, inThisRange, nullOf('string'), 1);
  // A chunk of a record with nothing but snapshot rows reads those alone: the union of three sides
  // and the GROUP BY that takes each entity once cost a first run's delivery at SF 1 about 0.45 s in
  // 36 chunks (BENCHMARKS.md, "Delivery: one template per head, and chunks of snapshot rows").
  if (after?.snapshotOnly === true) return numberedFrom(fromSnapshot('snapshots'), after);
  // An entity can be on both sides for a moment (written out by delivery, its snapshot row not yet changed): once.
  const entities = select({
    columns: [
      { expr: col('destination', 'k'), alias: 'destination' },
      { expr: col('first_sequence', 'k'), alias: 'first_sequence' },
      { expr: col('entity_id', 'k'), alias: 'entity_id' },
      { expr: aggregate('max', col('value', 'k')), alias: 'value' },
      { expr: aggregate('max', col('written', 'k')), alias: 'written' },
    ],
    from: subquery(union([fromSnapshot('snapshots'), fromSnapshot('outbox_generation_rows'), written].map((q, i) => select({ columns: ['destination', 'first_sequence', 'entity_id', 'value', 'written'].map((c) => ({ expr: col(c, `q${i}`), alias: c })), from: subquery(q, `q${i}`) }))), 'k'),
    groupBy: [col('destination', 'k'), col('first_sequence', 'k'), col('entity_id', 'k')],
    ...(after === null ? {} : { orderBy: [{ expr: col('entity_id', 'k'), direction: 'ASC' as const }], limit: after.limit }),
  });
  return numberedFrom(entities, after);
}

/** The entities of `entities` (destination, first_sequence, entity_id, value, written) numbered from where `after` stands, or from each record's first sequence. */
function numberedFrom(entities: Select, after: RecordChunk | null): Select {
  return select({
    columns: [
      { expr: col('destination', 'u'), alias: 'destination' },
      { expr: col('first_sequence', 'u'), alias: 'first_sequence' },
      { expr: col('entity_id', 'u'), alias: 'entity_id' },
      { expr: col('value', 'u'), alias: 'value' },
      { expr: col('written', 'u'), alias: 'written' },
      {
        expr: bin(
          '+',
          after === null ? bin('-', col('first_sequence', 'u'), num(1)) : num(after.sequence),
          rowNumber([col('destination', 'u'), col('first_sequence', 'u')], [{ expr: col('entity_id', 'u'), direction: 'ASC' }]),
        ),
        alias: 'sequence',
      },
    ],
    from: subquery(entities, 'u'),
  });
}

/**
 * The calls of the records `which` selects (a condition on alias `g`) that are not ordinary outbox
 * rows, with the outbox's columns. Every record is numbered whole; `calls` (a condition on the
 * numbered entities, alias `e`: entity_id, sequence; and on `g`) picks calls before their record
 * text is built, which is most of the cost of reading a few calls of a large record.
 *
 * With `after` (one record, by value, and a position in it: the entity at a sequence), only the next `limit`
 * entities are numbered, from that sequence on: a reader going through a record a chunk at a time
 * numbers each chunk, not the whole record again (which made a first run's delivery cost 1.7x).
 * `withWritten` keeps the entities whose call is an ordinary row too, with a column `written`
 * (their record text is not theirs): a reader needs them to know where a chunk ended.
 */
export function expandedCalls(schema: string, which: Expr, calls: Expr = TRUE, after: RecordChunk | null = null, withWritten = false): Select {
  const generations = stateTable(schema, 'outbox_generations');
  const ranked = numbered(schema, which, after);
  const delivered = bin('<=', col('sequence', 'e'), col('delivered_through', 'g'));
  const entity = col('entity_id', 'e');
  const values: Record<(typeof OUTBOX_COLUMNS)[number], Expr> = {
    message_id: nullOf('string'),
    destination: col('destination', 'g'),
    run_id: col('run_id', 'g'),
    definition: col('definition', 'g'),
    entity_id: entity,
    transition: col('transition', 'g'),
    call_type: col('call_type', 'g'),
    payload: caseWhen([{ when: bin('=', col('with_value', 'g'), num(1)), then: entityCallTail(entity, col('value', 'e')) }], entityCallTail(entity, null)),
    created_at: col('created_at', 'g'),
    attempts: caseWhen([{ when: delivered, then: num(1) }], num(0)),
    last_error: nullOf('string'),
    delivered_at: caseWhen([{ when: delivered, then: col('delivered_at', 'g') }], nullOf('timestamp')),
    sequence: col('sequence', 'e'),
    rejected_at: nullOf('timestamp'),
  };
  return select({
    columns: [...OUTBOX_COLUMNS.map((name) => ({ expr: values[name], alias: name })), ...(withWritten ? [{ expr: col('written', 'e'), alias: 'written' }] : [])],
    from: subquery(ranked, 'e'),
    joins: [join('INNER', tableOf(generations, 'g'), and(bin('=', col('destination', 'g'), col('destination', 'e')), bin('=', col('first_sequence', 'g'), col('first_sequence', 'e'))))],
    where: withWritten ? calls : and(bin('=', col('written', 'e'), num(0)), calls),
  });
}

/**
 * Every call, as the outbox held them all before format 6: the ordinary rows and the calls of the
 * records `which` selects, under the alias `alias`. Readers filter it as they filtered the outbox.
 */
export function outboxCalls(schema: string, alias: string, which: Expr, calls: Expr = TRUE): FromItem {
  const rows = select({ columns: OUTBOX_COLUMNS.map((name) => ({ expr: col(name), alias: name })), from: tableOf(stateTable(schema, 'outbox')) });
  return subquery(union([rows, expandedCalls(schema, which, calls)]), alias);
}

/**
 * Whether a record's calls, for one delivery from the reader's start in it on, are its snapshot
 * rows alone: no snapshot row of its run was kept aside for it (outbox_generation_rows) and no
 * call in its range is an ordinary outbox row. Neither can appear past the reader while the
 * delivery holds the lock: rows are kept aside only by a run's snapshot delta, and delivery writes
 * a call out only once it has read it (outbox-marks.ts), which puts it behind the reader.
 */
export async function callsAreSnapshotRows(w: Pick<StateWriter, 'rows'>, schema: string, record: RecordKey): Promise<boolean> {
  const kept = await w.rows(
    select({
      columns: [{ expr: num(1), alias: 'one' }],
      from: tableOf(stateTable(schema, 'outbox_generation_rows'), 's'),
      where: and(bin('=', col('definition', 's'), str(record.definition)), bin('=', col('run_id', 's'), str(record.runId))),
      limit: 1,
    }),
  );
  if (kept.length > 0) return false;
  const written = await w.rows(
    select({
      columns: [{ expr: num(1), alias: 'one' }],
      from: tableOf(stateTable(schema, 'outbox'), 'o'),
      where: and(bin('=', col('destination', 'o'), str(record.destination)), between(col('sequence', 'o'), num(record.first), num(record.last))),
      limit: 1,
    }),
  );
  return written.length === 0;
}

/** The numbered calls not yet delivered through their record's watermark (for `calls`). */
export const pendingCall: Expr = bin('>', col('sequence', 'e'), col('delivered_through', 'g'));

/** The entity at `sequence` of one destination's record that begins at `first`, or null when it has none there. */
export async function entityAt(w: Pick<StateWriter, 'rows'>, schema: string, destination: string, first: number, sequence: number): Promise<string | null> {
  const which = and(ofDestination(destination), bin('=', col('first_sequence', 'g'), num(first)));
  const rows = await w.rows(select({ columns: [{ expr: col('entity_id', 'e'), alias: 'entity_id' }], from: subquery(numbered(schema, which, null), 'e'), where: bin('=', col('sequence', 'e'), num(sequence)) }));
  return rows.length === 0 ? null : String(rows[0].entity_id);
}

/** Records of one destination. */
export const ofDestination = (destination: string): Expr => bin('=', col('destination', 'g'), str(destination));
/** Records that may still hold a pending call from the snapshot. */
export const withPending: Expr = bin('<', col('delivered_through', 'g'), col('last_sequence', 'g'));

/** INSERT INTO outbox the calls of the records `which` selects that `calls` (expandedCalls's) picks. */
function writeOut(schema: string, which: Expr, calls: Expr): Statement {
  return insertInto(stateTable(schema, 'outbox'), [...OUTBOX_COLUMNS], expandedCalls(schema, which, calls));
}

/** Whether any record of the definitions (or of the destination) exists: the expansion is skipped otherwise. */
async function anyRecord(w: StateWriter, schema: string, which: Expr): Promise<boolean> {
  const rows = await w.rows(select({ columns: [{ expr: col('first_sequence', 'g'), alias: 'first_sequence' }], from: tableOf(stateTable(schema, 'outbox_generations'), 'g'), where: which, limit: 1 }));
  return rows.length > 0;
}

/**
 * Before the snapshot delta: the snapshot rows it deletes or rewrites (the change set's `exited`
 * and `changed` of `names`) that a record's calls still stand on, copied as they are.
 */
export async function keepChangedEntities(w: StateWriter, schema: string, changes: TableRef, names: readonly string[]): Promise<void> {
  const changed = (expr: Expr) =>
    select({
      columns: [{ expr, alias: 'k' }],
      from: tableOf(changes, 'c'),
      where: and(inList(col('definition', 'c'), names), inList(col('transition', 'c'), ['exited', 'changed'])),
    });
  // The plain entity_id narrows the snapshot rows first, as the snapshot delta's deletes do, so that
  // the composite key is computed for the changed entities' rows only, not for every snapshot row.
  await keepRows(
    w,
    schema,
    names,
    and(inQuery(col('entity_id', 's'), changed(col('entity_id', 'c'))), inQuery(keyExpr([col('definition', 's'), col('entity_id', 's')]), changed(keyExpr([col('definition', 'c'), col('entity_id', 'c')])))),
  );
}

/** Before a definition's snapshot rows are deleted whole (`quorum state repair`): every row a record stands on. */
export async function keepDefinitions(w: StateWriter, schema: string, names: readonly string[]): Promise<void> {
  await keepRows(w, schema, names, TRUE);
}

async function keepRows(w: StateWriter, schema: string, names: readonly string[], rows: Expr): Promise<void> {
  const which = inList(col('definition', 'g'), names);
  if (names.length === 0 || !(await anyRecord(w, schema, which))) return;
  const runs = select({ columns: [{ expr: col('run_id', 'g'), alias: 'run_id' }], from: tableOf(stateTable(schema, 'outbox_generations'), 'g'), where: which });
  const columns = ['definition', 'entity_id', 'value', 'run_id'];
  await w.run(
    insertInto(
      stateTable(schema, 'outbox_generation_rows'),
      columns,
      select({
        columns: columns.map((c) => ({ expr: col(c, 's'), alias: c })),
        from: tableOf(stateTable(schema, 'snapshots'), 's'),
        where: and(inList(col('definition', 's'), names), inQuery(col('run_id', 's'), runs), rows),
      }),
    ),
  );
}

/** One destination's calls from records at the listed sequences, as ordinary rows (before delivery marks them one by one). */
export async function writeOutSequences(w: StateWriter, schema: string, destination: string, sequences: readonly number[]): Promise<void> {
  if (sequences.length === 0) return;
  const low = Math.min(...sequences);
  const high = Math.max(...sequences);
  const which = and(ofDestination(destination), bin('<=', col('first_sequence', 'g'), num(high)), bin('>=', col('last_sequence', 'g'), num(low)));
  if (!(await anyRecord(w, schema, which))) return;
  await w.run(writeOut(schema, which, oneOf(col('sequence', 'e'), sequences.map((n) => num(n)))));
}

/**
 * Delivery acknowledged the pending calls of `destination` in (after, through] but `held`: each
 * record moves its watermark where that covers exactly its pending calls from the snapshot there;
 * any other record's calls in the range are written out, and the ordinary mark then takes them.
 */
export async function markRecordsDelivered(w: StateWriter, schema: string, destination: string, after: number | null, through: number, held: readonly number[], now: string): Promise<void> {
  const generations = stateTable(schema, 'outbox_generations');
  const overlapping = and(ofDestination(destination), withPending, bin('<=', col('first_sequence', 'g'), num(through)), ...(after === null ? [] : [bin('>', col('last_sequence', 'g'), num(after))]));
  const rows = await w.rows(
    select({
      columns: ['first_sequence', 'last_sequence', 'delivered_through'].map((c) => ({ expr: col(c, 'g'), alias: c })),
      from: tableOf(generations, 'g'),
      where: overlapping,
    }),
  );
  for (const r of rows) {
    const first = toNumber(r.first_sequence);
    const last = toNumber(r.last_sequence);
    const watermark = toNumber(r.delivered_through);
    const from = after === null ? first - 1 : Math.max(after, first - 1);
    const to = Math.min(through, last);
    const heldHere = held.filter((n) => n > from && n <= to);
    if (from <= watermark && heldHere.length === 0) {
      if (to > watermark) {
        const set = [
          { column: 'delivered_through', value: num(to) },
          { column: 'delivered_at', value: ts(now) },
        ];
        await w.run(update(generations, set, and(bin('=', col('destination'), str(destination)), bin('=', col('first_sequence'), num(first)))));
      }
      continue;
    }
    const which = and(ofDestination(destination), bin('=', col('first_sequence', 'g'), num(first)));
    await w.run(writeOut(schema, which, and(bin('>', col('sequence', 'e'), num(from)), bin('<=', col('sequence', 'e'), num(to)))));
  }
}

/**
 * Pruning: records all of whose calls from the snapshot were delivered before `cutoff` go (not the
 * one holding the last sequence written); then the ordinary rows the plain rule picks, but those in
 * the range of a record that stays, whose ranks they hold.
 */
export async function pruneWithGenerations(w: StateWriter, schema: string, cutoff: string, high: number): Promise<void> {
  const generations = stateTable(schema, 'outbox_generations');
  await w.run(
    deleteFrom(
      generations,
      and(bin('=', col('delivered_through'), col('last_sequence')), isNull(col('delivered_at'), true), bin('<', col('delivered_at'), ts(cutoff)), bin('<', col('last_sequence'), num(high))),
    ),
  );
  const staying = await w.rows(
    select({ columns: ['destination', 'first_sequence', 'last_sequence'].map((c) => ({ expr: col(c), alias: c })), from: tableOf(generations) }),
  );
  const outsideRecords = staying.map((r) =>
    not(and(bin('=', col('destination'), str(String(r.destination))), between(col('sequence'), num(toNumber(r.first_sequence)), num(toNumber(r.last_sequence))))),
  );
  await w.run(
    deleteFrom(stateTable(schema, 'outbox'), and(isNull(col('delivered_at'), true), bin('<', col('delivered_at'), ts(cutoff)), bin('<', col('sequence'), num(high)), ...outsideRecords)),
  );
  // kept snapshot rows of runs no record stands for any more
  const standing = select({ columns: [{ expr: keyExpr([col('definition', 'g'), col('run_id', 'g')]), alias: 'k' }], from: tableOf(generations, 'g') });
  await w.run(deleteFrom(stateTable(schema, 'outbox_generation_rows'), not(inQuery(keyExpr([col('definition'), col('run_id')]), standing))));
}

/** Run ids that still have calls: an outbox row or a record (their heads stay). */
export function runsWithCalls(schema: string): Select {
  return select({
    distinct: true,
    columns: [{ expr: col('run_id', 'r'), alias: 'run_id' }],
    from: subquery(
      union([
        select({ distinct: true, columns: [{ expr: col('run_id', 'o'), alias: 'run_id' }], from: tableOf(stateTable(schema, 'outbox'), 'o') }),
        select({ columns: [{ expr: col('run_id', 'g'), alias: 'run_id' }], from: tableOf(stateTable(schema, 'outbox_generations'), 'g') }),
      ]),
      'r',
    ),
  });
}
