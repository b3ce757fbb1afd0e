// What `quorum run` does with the state before anything else (SPEC §6 "State integrity"):
//
//   openState (no lock yet)   the catalog: no state → create it; tables missing → state_damaged
//   guardState (under lock)   format 1 → upgrade it; then the data check → state_damaged
//
// A damaged state stops the run before it delivers anything, leftovers included.
import type { WarehouseConnection } from '../warehouse/connection.js';
import { checkConsistency, readFacts } from './state-check.js';
import {
  alterDdl,
  createState,
  insertMetaIfAbsent,
  META,
  STATE_FORMAT_VERSION,
  inspectShape,
  stateDamaged,
  upgradeDdl,
  writeMeta,
  type StateShape,
} from './state-format.js';
import { outboxHighWater, readSnapshotRecords, writeSnapshotRecords } from './snapshot-records.js';
import { recoverHistory } from './state-history.js';
import { ensureStateTables, StateWriter } from './state-sql.js';

export async function openState(connection: WarehouseConnection, schema: string): Promise<StateShape> {
  let shape = await inspectShape(connection, schema);
  if (shape.kind === 'damaged' && shape.badTables.length === 0) {
    if (await beingCreated(connection, schema, shape.absentTables)) {
      await createState(connection, schema);
      return { kind: 'current' };
    }
    // The catalog and the facts are two reads. Another first run may have created the missing
    // tables between them, and then written its version or run: the facts then say "written",
    // though nothing was dropped. A second look at the catalog tells dropped from created.
    shape = await inspectShape(connection, schema);
  }
  if (shape.kind === 'fresh') {
    await createState(connection, schema);
    return { kind: 'current' };
  }
  if (shape.kind === 'damaged') throw stateDamaged(schema, shape.problems);
  if (shape.kind === 'current' && (shape.scratchMissing || shape.upgradeFrom !== undefined)) await ensureStateTables(connection, schema);
  if (shape.kind === 'current' && shape.upgradeFrom !== undefined) await alterStateTables(connection, schema);
  return shape;
}

/**
 * Tables missing, but no version written and nothing in any table: another first run is creating
 * the state this moment (it stops at the lock), or one died while creating it. Finishing the
 * creation is safe; a state that ever committed has a version and rows in `runs`.
 */
async function beingCreated(connection: WarehouseConnection, schema: string, absent: readonly string[]): Promise<boolean> {
  const facts = await readFacts(connection, connection.dialect.printer, schema, new Set(absent));
  return !facts.meta.has(META.formatVersion) && facts.runs === 0 && facts.outboxMax === null && facts.recorded.size === 0 && facts.actual.size === 0;
}

export async function guardState(connection: WarehouseConnection, schema: string, shape: StateShape): Promise<void> {
  if (shape.kind === 'old') await upgradeState(connection, schema, shape);
  const report = await checkConsistency(connection, connection.dialect.printer, schema);
  if (report.unfinishedCreation) await insertMetaIfAbsent(connection, schema, META.formatVersion, String(STATE_FORMAT_VERSION));
  if (report.problems.length > 0) throw stateDamaged(schema, report.problems);
  // Formats 3 to 5 added tables and loosened a column, which openState has done; the version comes last.
  if (shape.kind === 'current' && shape.upgradeFrom !== undefined) {
    await writeMeta(new StateWriter(connection.dialect.printer, connection), schema, { [META.formatVersion]: String(STATE_FORMAT_VERSION) });
  }
}

/** The column changes of later formats (state-format.ts alterDdl); repeatable. */
export async function alterStateTables(connection: WarehouseConnection, schema: string): Promise<void> {
  for (const ddl of alterDdl(schema)) await connection.execute(connection.dialect.printer.printDdl(ddl));
}

/**
 * Format 1 → 2: the new columns of `snapshot_runs`, the `meta` table, then (in one transaction)
 * each snapshot's counts as the tables hold them (nothing recorded them before, so they are taken
 * as they are), its generation from the runs that committed it, and last of all the version. Each
 * step can be repeated, so an upgrade that stops half-way finishes on the next run.
 */
export async function upgradeState(connection: WarehouseConnection, schema: string, shape: Extract<StateShape, { kind: 'old' }>): Promise<void> {
  const printer = connection.dialect.printer;
  for (const ddl of upgradeDdl(schema, shape.missingColumns)) await connection.execute(printer.printDdl(ddl));
  await ensureStateTables(connection, schema);
  await alterStateTables(connection, schema);
  // Read before the transaction: on a single-session warehouse (PGlite) a statement outside it waits for it.
  const { generations } = await recoverHistory(connection, schema);
  await connection.transaction(async (tx) => {
    const w = new StateWriter(printer, tx);
    const facts = await readFacts(tx, printer, schema);
    const records = await readSnapshotRecords(tx, printer, schema);
    const names = [...new Set([...records.keys(), ...facts.actual.keys()])].sort();
    await writeSnapshotRecords(
      w,
      schema,
      names.map((name) => {
        const record = records.get(name);
        return {
          definition: name,
          runId: record?.runId ?? '',
          asOf: record?.asOf ?? new Date(0).toISOString(),
          generation: Math.max(1, record?.generation ?? 0, generations.get(name) ?? 0),
          rowCount: facts.actual.get(name)?.rows ?? 0,
          userCount: facts.actual.get(name)?.users ?? 0,
        };
      }),
    );
    const high = await outboxHighWater(tx, printer, schema);
    await writeMeta(w, schema, { [META.outboxSequence]: high === null ? null : String(high), [META.formatVersion]: String(STATE_FORMAT_VERSION) });
  });
}
