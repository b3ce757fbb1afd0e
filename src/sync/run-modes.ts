// The run-mode step of `quorum run` (SPEC §6.1): before the evaluation, each definition's mode and
// reason from what `run_modes` remembers of the run that committed its snapshot; in the commit's
// transaction, what this run decided, so that the next run decides from it. A `run_modes` row
// counts only while its run is the one `snapshot_runs` names: after a repair (which commits a
// snapshot without one) the next run is full.
import type { Project } from '../definitions/model.js';
import { dependencyHash } from '../incremental/dependency-hash.js';
import { chooseRunMode, type PreviousRun, type RunModeDecision } from '../incremental/run-mode.js';
import { INCREMENTAL_DEFAULTS } from '../definitions/parse-incremental.js';
import { and, bin, cast, col, deleteFrom, insertInto, join, NULL, num, select, str, tableOf, ts, union, type Expr, type Query } from '../sql/ast.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Statements } from '../warehouse/connection.js';
import type { RunStamp, SyncDefinition } from './diff-sql.js';
import type { RunRequest } from './run-types.js';
import { countRowsRead } from '../incremental/rows-read.js';
import { newTargets, readSnapshotTargets } from './snapshot-targets.js';
import { STATE_FORMAT_VERSION } from './state-format.js';
import { inList, stateTable, toIso, type StateWriter } from './state-sql.js';

export interface DefinitionMode extends RunModeDecision {
  readonly dependencyHash: string;
  /** the as_of of the last full run once this run commits */
  readonly fullAsOf: string | null;
}

/** What the state remembers per definition; `runModes: false` for a state without the table (format 2, read-only). */
export async function readPreviousRuns(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string, runModes = true): Promise<Map<string, PreviousRun>> {
  const records = tableOf(stateTable(schema, 'snapshot_runs'), 's');
  const modeColumn = (name: string): Expr => (runModes ? col(name, 'm') : cast(NULL, name === 'full_as_of' ? 'timestamp' : 'string'));
  const rows = await target.query(
    printer.print(
      select({
        columns: [
          { expr: col('definition', 's'), alias: 'definition' },
          { expr: col('as_of', 's'), alias: 'as_of' },
          { expr: modeColumn('dependency_hash'), alias: 'dependency_hash' },
          { expr: modeColumn('full_as_of'), alias: 'full_as_of' },
        ],
        from: records,
        joins: runModes
          ? [join('LEFT', tableOf(stateTable(schema, 'run_modes'), 'm'), and(bin('=', col('definition', 'm'), col('definition', 's')), bin('=', col('run_id', 'm'), col('run_id', 's'))))]
          : [],
      }),
    ),
  );
  const out = new Map<string, PreviousRun>();
  for (const row of rows) {
    const asOf = toIso(row.as_of);
    if (asOf === null) continue;
    const hash = row.dependency_hash === null || row.dependency_hash === undefined ? null : String(row.dependency_hash);
    out.set(String(row.definition), { asOf, dependencyHash: hash, fullAsOf: hash === null ? null : toIso(row.full_as_of) });
  }
  return out;
}

export function decideRunModes(
  project: Project,
  definitions: readonly SyncDefinition[],
  previous: ReadonlyMap<string, PreviousRun>,
  asOf: string,
  requestedFull: boolean,
  fresh: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Map<string, DefinitionMode> {
  const settings = project.config.incremental ?? INCREMENTAL_DEFAULTS;
  const out = new Map<string, DefinitionMode>();
  for (const d of definitions) {
    const hash = dependencyHash(project, d.name, STATE_FORMAT_VERSION);
    const before = previous.get(d.name) ?? null;
    const decision = chooseRunMode({
      asOf,
      dependencyHash: hash,
      previous: before,
      requestedFull,
      incrementalEnabled: settings.enabled,
      fullEverySeconds: settings.fullEverySeconds,
      newDestinations: [...(fresh.get(d.name) ?? [])],
    });
    out.set(d.name, { ...decision, dependencyHash: hash, fullAsOf: decision.mode === 'full' ? asOf : (before?.fullAsOf ?? null) });
  }
  return out;
}

/** In the commit's transaction: the modes of the definitions whose snapshots this run replaced. */
export async function recordRunModes(
  w: StateWriter,
  schema: string,
  passing: readonly SyncDefinition[],
  modes: ReadonlyMap<string, DefinitionMode>,
  rowsRead: ReadonlyMap<string, number>,
  stamp: Pick<RunStamp, 'runId' | 'asOf'>,
): Promise<void> {
  const recorded = passing.filter((d) => modes.has(d.name));
  if (recorded.length === 0) return;
  const table = stateTable(schema, 'run_modes');
  await w.run(deleteFrom(table, inList(col('definition'), recorded.map((d) => d.name))));
  const rows: Query[] = recorded.map((d) => {
    const m = modes.get(d.name)!;
    const read = rowsRead.get(d.name);
    return select({
      columns: [
        { expr: str(d.name), alias: 'definition' },
        { expr: str(stamp.runId), alias: 'run_id' },
        { expr: ts(stamp.asOf), alias: 'as_of' },
        { expr: str(m.mode), alias: 'mode' },
        { expr: str(m.reason), alias: 'reason' },
        { expr: str(m.dependencyHash), alias: 'dependency_hash' },
        { expr: m.fullAsOf === null ? cast(NULL, 'timestamp') : ts(m.fullAsOf), alias: 'full_as_of' },
        { expr: cast(read === undefined ? NULL : num(read), 'integer'), alias: 'rows_read' },
      ],
    });
  });
  await w.run(insertInto(table, ['definition', 'run_id', 'as_of', 'mode', 'reason', 'dependency_hash', 'full_as_of', 'rows_read'], rows.length === 1 ? rows[0] : union(rows)));
}

/** The fields a definition's run summary gets (`run --json`, `history --json`). */
export function modeFields(
  name: string,
  modes: ReadonlyMap<string, DefinitionMode>,
  rowsRead: ReadonlyMap<string, number>,
): { mode?: DefinitionMode['mode']; mode_reason?: DefinitionMode['reason']; rows_read?: number | null } {
  const m = modes.get(name);
  if (!m) return {};
  return { mode: m.mode, mode_reason: m.reason, rows_read: rowsRead.get(name) ?? null };
}

/** A run's modes, rows_read where it was asked for, and the destinations new to each definition (snapshot-targets.ts). */
export interface RunModes {
  readonly modes: ReadonlyMap<string, DefinitionMode>;
  readonly rowsRead: ReadonlyMap<string, number>;
  readonly newTargets: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Each definition's mode for this run, and rows_read counted on request; `engineCounts`: a run
 * whose incremental engine counts the incremental definitions' reads itself. `state`: `current` under the lock (format 3, checked);
 * `readable` for a dry run on a state that may predate `run_modes`; `none` before a first run.
 */
export async function runModes(request: RunRequest, definitions: readonly SyncDefinition[], asOf: string, state: 'current' | 'readable' | 'none', engineCounts = false): Promise<RunModes> {
  const { connection, project } = request;
  const schema = project.config.stateSchema;
  const hasTable = state === 'current' || (state === 'readable' && (await connection.readTables(schema)).has('run_modes'));
  const previous = state === 'none' ? new Map<string, PreviousRun>() : await readPreviousRuns(connection, connection.dialect.printer, schema, hasTable);
  // A dry run on a state older than format 7 reads no record: no destination is new to it.
  const targetsKept = state === 'current' || (state === 'readable' && (await connection.readTables(schema)).has('snapshot_targets'));
  const recorded = targetsKept ? await readSnapshotTargets(connection, connection.dialect.printer, schema) : new Map<string, Set<string>>();
  const fresh = newTargets(definitions, recorded, (name) => previous.has(name));
  const modes = decideRunModes(project, definitions, previous, asOf, request.full ?? false, fresh);
  // With `engineCounts`, the incremental engine counts what it reads for the definitions decided
  // incremental (record-modes-step.ts reports that): a COUNT of their whole tables would be thrown away.
  const counted = definitions.filter((d) => !engineCounts || modes.get(d.name)?.mode !== 'incremental').map((d) => d.name);
  const rowsRead = request.countRowsRead && counted.length > 0 ? await countRowsRead(connection, project, request.catalog, asOf, counted) : new Map<string, number>();
  return { modes, rowsRead, newTargets: fresh };
}
