// The destinations each definition's committed snapshot was sent to (SPEC §6: the state is quorum's
// memory of what every destination was told). A run diffs a definition against its snapshot, so a
// destination added to its sync afterwards would hear only the next changes and never about the
// members already in: Engage sends a newly connected destination the whole audience. Here a
// destination the definition's sync names and its snapshot was not sent to is new; the run
// evaluates that definition in full and sends the new destination every current member (or value)
// as entered, while the others get the changes (outbox-step.ts). A definition whose sync named no
// destination is recorded too, under the name "" (destination names are plain names, never empty):
// an audience run first without a sync, then given one, is new to every destination it names. A
// definition with no record (a first run, or a state older than format 7) has no new destinations:
// a first run sends everyone to every destination, and an upgraded state records its destinations
// on its next run.
import { col, deleteFrom, FALSE, insertInto, select, str, tableOf, union } from '../sql/ast.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Statements } from '../warehouse/connection.js';
import { stagedRows } from './change-set-sql.js';
import { inList, stateTable, type StateRefs, type StateWriter } from './state-sql.js';
import type { SyncDefinition } from './sync-definition.js';
import type { TransitionRows, TransitionSource, Which } from './transition-sql.js';

/** The record of a snapshot whose definition's sync named no destination. */
const SENT_NOWHERE = '';

/** Per definition, the destinations recorded for its committed snapshot (an empty set: none). */
export async function readSnapshotTargets(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string): Promise<Map<string, Set<string>>> {
  const rows = await target.query(
    printer.print(
      select({
        columns: [
          { expr: col('definition'), alias: 'definition' },
          { expr: col('destination'), alias: 'destination' },
        ],
        from: tableOf(stateTable(schema, 'snapshot_targets')),
      }),
    ),
  );
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    const name = String(row.definition);
    const told = out.get(name) ?? new Set<string>();
    if (row.destination !== SENT_NOWHERE) told.add(String(row.destination));
    out.set(name, told);
  }
  return out;
}

/** Per definition with a committed snapshot and a record, the destinations its sync names that the record lacks. */
export function newTargets(definitions: readonly SyncDefinition[], recorded: ReadonlyMap<string, ReadonlySet<string>>, committed: (name: string) => boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const d of definitions) {
    const told = recorded.get(d.name);
    if (told === undefined || !committed(d.name)) continue;
    const fresh = new Set(d.targets.map((t) => t.destination).filter((destination) => !told.has(destination)));
    if (fresh.size > 0) out.set(d.name, fresh);
  }
  return out;
}

/** In the commit's transaction: the destinations of the definitions whose snapshots this run replaced, as their sync names them now. */
export async function recordSnapshotTargets(w: StateWriter, schema: string, passing: readonly SyncDefinition[], runId: string): Promise<void> {
  if (passing.length === 0) return;
  const table = stateTable(schema, 'snapshot_targets');
  await w.run(deleteFrom(table, inList(col('definition'), passing.map((d) => d.name))));
  const pairs = passing.flatMap((d) => {
    const destinations = d.targets.length === 0 ? [SENT_NOWHERE] : [...new Set(d.targets.map((t) => t.destination))];
    return destinations.map((destination) => ({ definition: d.name, destination }));
  });
  const rows = pairs.map((p) =>
    select({
      columns: [
        { expr: str(p.definition), alias: 'definition' },
        { expr: str(p.destination), alias: 'destination' },
        { expr: str(runId), alias: 'run_id' },
      ],
    }),
  );
  await w.run(insertInto(table, ['definition', 'destination', 'run_id'], rows.length === 1 ? rows[0] : union(rows)));
}

/**
 * Transitions as if the snapshot were empty: every staged entity (and, for an account audience's
 * per-user calls, every staged member) entered, nothing changed or exited. What a destination new
 * to a definition is sent; the definition's staging holds every entity, since its run is full.
 */
export function everyoneEntered(refs: StateRefs): TransitionSource {
  const staged = (name: Which, users: boolean): TransitionRows => stagedRows(refs.staging, name, users);
  const none = (name: Which, users: boolean): TransitionRows => ({ ...staged(name, users), where: FALSE });
  return {
    entitiesEntered: (name) => staged(name, false),
    entitiesExited: (name) => ({ ...none(name, false), value: null }),
    entitiesChanged: (name) => none(name, false),
    usersEntered: (name) => staged(name, true),
    usersExited: (name) => none(name, true),
  };
}

