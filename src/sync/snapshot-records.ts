// The record of every committed snapshot (SPEC §6): per definition, in `snapshot_runs`, the run and
// as_of that wrote it, its generation and its row counts, and in `meta` the last sequence written to
// the outbox and the last run that committed. They are written in the transaction that replaces
// the snapshots, beside that SQL (diff-sql.ts `replaceSnapshots`) rather than inside it, and the
// consistency check (state-check.ts) compares them with what the tables hold.
//
// The generation counts the snapshots of a definition committed so far and goes into every
// messageId, so the same history gives the same ids on every deployment and a replayed as_of gets
// new ones. It is never reset: when its record is lost, `state repair` recovers it from the runs
// table, whose summaries name every definition each committed run wrote.
import { aggregate, cast, col, COUNT, countAll, deleteFrom, insertInto, isNull, num, select, str, subquery, tableOf, ts, union, type Expr, type Query, type TableRef } from '../sql/ast.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Statements } from '../warehouse/connection.js';
import type { SyncDefinition } from './diff-sql.js';
import { META, writeMeta } from './state-format.js';
import { inList, StateWriter, stateTable, toIso, toNumber } from './state-sql.js';

export interface SnapshotRecord {
  readonly definition: string;
  readonly runId: string;
  readonly asOf: string | null;
  readonly generation: number | null;
  readonly rowCount: number | null;
  readonly userCount: number | null;
}

const nullable = (value: unknown): number | null => (value === null || value === undefined ? null : toNumber(value));

export async function readSnapshotRecords(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string): Promise<Map<string, SnapshotRecord>> {
  const rows = await target.query(
    printer.print(
      select({
        columns: ['definition', 'run_id', 'as_of', 'generation', 'row_count', 'user_count'].map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(schema, 'snapshot_runs')),
      }),
    ),
  );
  return new Map(
    rows.map((r) => [
      String(r.definition),
      {
        definition: String(r.definition),
        runId: String(r.run_id),
        asOf: toIso(r.as_of),
        generation: nullable(r.generation),
        rowCount: nullable(r.row_count),
        userCount: nullable(r.user_count),
      },
    ]),
  );
}

/** Rows (entities) and users per definition in staging: what `replaceSnapshots` writes to the two snapshot tables. */
export async function stagedCounts(w: StateWriter, staging: TableRef, definitions: readonly SyncDefinition[]): Promise<Map<string, { rows: number; users: number }>> {
  const out = new Map(definitions.map((d) => [d.name, { rows: 0, users: 0 }]));
  if (definitions.length === 0) return out;
  const rows = await w.rows(
    select({
      columns: [
        { expr: col('definition'), alias: 'definition' },
        { expr: countAll(isNull(col('user_id'))), alias: 'entities' },
        { expr: countAll(isNull(col('user_id'), true)), alias: 'users' },
      ],
      from: tableOf(staging),
      where: inList(col('definition'), definitions.map((d) => d.name)),
      groupBy: [col('definition')],
    }),
  );
  const withUsers = new Set(definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name));
  for (const r of rows) {
    const name = String(r.definition);
    out.set(name, { rows: toNumber(r.entities), users: withUsers.has(name) ? toNumber(r.users) : 0 });
  }
  return out;
}

export interface NewRecord {
  readonly definition: string;
  readonly runId: string;
  readonly asOf: string;
  readonly generation: number;
  readonly rowCount: number;
  readonly userCount: number;
}

/** Replaces the records of these definitions. */
export async function writeSnapshotRecords(w: StateWriter, schema: string, records: readonly NewRecord[]): Promise<void> {
  if (records.length === 0) return;
  const table = stateTable(schema, 'snapshot_runs');
  await w.run(deleteFrom(table, inList(col('definition'), records.map((r) => r.definition))));
  const rows: Query[] = records.map((r) =>
    select({
      columns: [
        { expr: str(r.definition), alias: 'definition' },
        { expr: str(r.runId), alias: 'run_id' },
        { expr: ts(r.asOf), alias: 'as_of' },
        { expr: cast(num(r.generation), 'integer'), alias: 'generation' },
        { expr: cast(num(r.rowCount), 'integer'), alias: 'row_count' },
        { expr: cast(num(r.userCount), 'integer'), alias: 'user_count' },
      ],
    }),
  );
  await w.run(insertInto(table, ['definition', 'run_id', 'as_of', 'generation', 'row_count', 'user_count'], rows.length === 1 ? rows[0] : union(rows)));
}

/** The outbox's last sequence (its records by generation included), or null when it is empty. */
export async function outboxHighWater(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string): Promise<number | null> {
  const highest = (table: 'outbox' | 'outbox_generations', column: string) =>
    select({ columns: [{ expr: aggregate('max', col(column)), alias: 'n' }], from: tableOf(stateTable(schema, table)) });
  const rows = await target.query(
    printer.print(select({ columns: [{ expr: aggregate('max', col('n', 'h')), alias: 'n' }], from: subquery(union([highest('outbox', 'sequence'), highest('outbox_generations', 'last_sequence')]), 'h') })),
  );
  return nullable(rows[0]?.n);
}

/** In the run's transaction, after the snapshots: what the consistency check compares next time. */
async function recordCommit(w: StateWriter, schema: string, runId: string, tx: Pick<Statements, 'query'>): Promise<void> {
  const high = await outboxHighWater(tx, w.printer, schema);
  await writeMeta(w, schema, { [META.outboxSequence]: high === null ? null : String(high), [META.lastRun]: runId });
}

/** The run's bookkeeping for the definitions whose snapshots it replaced. */
export async function recordSnapshots(
  w: StateWriter,
  tx: Pick<Statements, 'query'>,
  schema: string,
  passing: readonly SyncDefinition[],
  stamp: { readonly runId: string; readonly asOf: string },
  generations: ReadonlyMap<string, number>,
  /**
   * Definitions staged for some entities only (covered-sql.ts): their snapshot's row count, which
   * staging does not give; or every definition's, when the caller has counted them.
   */
  rowCounts: ReadonlyMap<string, number> = new Map(),
  /** The same for their snapshot_users rows (the covered account-level definitions; 0 for a definition without users). */
  userCounts: ReadonlyMap<string, number> = new Map(),
): Promise<void> {
  // Counts given for every definition (the diff step counted staging) spare a second scan of it.
  const given = passing.every((d) => rowCounts.has(d.name) && userCounts.has(d.name));
  const counts = given ? new Map(passing.map((d) => [d.name, { rows: 0, users: 0 }])) : await stagedCounts(w, stateTable(schema, 'staging'), passing);
  for (const [name, rows] of rowCounts) if (counts.has(name)) counts.set(name, { rows, users: counts.get(name)!.users });
  for (const [name, users] of userCounts) if (counts.has(name)) counts.set(name, { rows: counts.get(name)!.rows, users });
  await writeSnapshotRecords(
    w,
    schema,
    passing.map((d) => ({
      definition: d.name,
      runId: stamp.runId,
      asOf: stamp.asOf,
      generation: generations.get(d.name)!,
      rowCount: counts.get(d.name)?.rows ?? 0,
      userCount: counts.get(d.name)?.users ?? 0,
    })),
  );
  await recordCommit(w, schema, stamp.runId, tx);
}

/** The generation each definition's next snapshot gets: one more than its recorded one (1 for a first snapshot). */
export function nextGenerations(records: ReadonlyMap<string, SnapshotRecord>, definitions: readonly { readonly name: string }[]): Map<string, number> {
  return new Map(definitions.map((d) => [d.name, (records.get(d.name)?.generation ?? 0) + 1]));
}
