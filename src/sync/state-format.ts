// The state format (SPEC §6 "State integrity"). Format 1 (quorum up to 0.x, unversioned) had no
// `meta` table and no generation or row counts in `snapshot_runs`; format 2 adds them. A run first
// reads the shape of the state schema from the warehouse catalog: no state table at all is a first
// run (quorum creates the schema); format 1 is upgraded under the run lock; anything else missing
// is damage, which only `quorum state repair` mends — quorum never silently recreates a table.
import { failure, type DiagnosticsError } from '../diagnostics/diagnostic.js';
import type { ColumnDefinition, Ddl } from '../sql/ast.js';
import { bin, col, deleteFrom, inQuery, insertInto, isNull, not, select, str, tableOf, union } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { ensureStateTables, inList, StateWriter, stateTable } from './state-sql.js';
import { STATE_TABLES } from './state-tables.js';

// Format 3 adds `run_modes` and `verifications` (incremental runs, SPEC §6.1); format 4 adds
// `outbox_heads` (a call record's shared part written once per insert, outbox-sql.ts). Format 5
// stops storing the messageId: `outbox.message_id` becomes nullable, and a head carries the
// snapshot generation delivery derives the id from. Each upgrade creates the tables and alters the
// columns; rows an older format wrote stay as they are (a full payload has no head, a stored
// messageId is sent as stored), so undelivered calls go out with the ids they were written with.
// Format 6 adds `outbox_generations`: a first run's calls of a user-level definition as one record,
// expanded from the snapshot (outbox-generations.ts); an older state has none, so its outbox reads
// as before. Format 7 adds `snapshot_targets`, the destinations each snapshot was sent to
// (snapshot-targets.ts); a definition an older state records none for sends no backfill, and its
// next run records them.
export const STATE_FORMAT_VERSION = 7;


/** The `meta` keys. */
export const META = { formatVersion: 'format_version', outboxSequence: 'outbox_sequence', lastRun: 'last_run' } as const;

/** Columns format 2 added to `snapshot_runs`. */
export const FORMAT_2_COLUMNS = ['generation', 'row_count', 'user_count'] as const;

/** One thing wrong with the state: the table it is in, the definition when there is one. */
export interface StateProblem {
  readonly table: string;
  readonly definition?: string;
  readonly message: string;
}

export type StateShape =
  | { readonly kind: 'fresh' }
  /**
   * `scratchMissing`: a table emptied before every commit is gone, and is simply made again;
   * `upgradeFrom`: a state of format 2, whose upgrade creates the later tables and writes the version
   */
  | { readonly kind: 'current'; readonly scratchMissing?: boolean; readonly upgradeFrom?: number }
  /** format 1, or an upgrade from it that stopped half-way */
  | { readonly kind: 'old'; readonly missingColumns: readonly ColumnDefinition[] }
  /**
   * tables or columns missing: `missingTables` / `badTables` name them for repair; `absentTables`
   * is every state table the catalog lacks, those a version would excuse included (with no `meta`
   * the version reads as 1, yet the table may be one a first run has not created yet)
   */
  | {
      readonly kind: 'damaged';
      readonly problems: readonly StateProblem[];
      readonly missingTables: readonly string[];
      readonly badTables: readonly string[];
      readonly absentTables: readonly string[];
    };

/** What the warehouse catalog says about the state schema, before anything else is read. */
export async function inspectShape(connection: WarehouseConnection, schema: string): Promise<StateShape> {
  const catalog = await connection.readTables(schema);
  const found = new Map([...catalog.values()].map((t) => [t.name.toLowerCase(), new Set([...t.columns.keys()].map((c) => c.toLowerCase()))]));
  const tables = Object.values(STATE_TABLES);
  if (tables.every((t) => !found.has(t.name))) return { kind: 'fresh' };
  const problems: StateProblem[] = [];
  const missingTables: string[] = [];
  const badTables: string[] = [];
  const metaMissing = !found.has(STATE_TABLES.meta.name);
  let format1Columns: ColumnDefinition[] = [];
  let scratchMissing = false;
  const laterMissing: string[] = [];
  for (const t of tables) {
    const columns = found.get(t.name);
    if (columns === undefined) {
      if (t.name === STATE_TABLES.meta.name) continue; // decided below
      if ('scratch' in t && t.scratch) {
        // emptied before every commit: it holds nothing to lose; kept in the session, never in the schema
        if (!connection.dialect.printer.scratchTablesInSession) scratchMissing = true;
        continue;
      }
      if ('addedIn' in t) {
        laterMissing.push(t.name); // decided below, by the version
        continue;
      }
      missingTables.push(t.name);
      problems.push({ table: t.name, message: `table ${schema}.${t.name} is missing (dropped outside quorum)` });
      continue;
    }
    const absent = t.columns.filter((c) => !columns.has(c.name));
    if (absent.length === 0) continue;
    if (t.name === STATE_TABLES.snapshot_runs.name && absent.every((c) => (FORMAT_2_COLUMNS as readonly string[]).includes(c.name))) format1Columns = absent;
    badTables.push(t.name);
    problems.push({ table: t.name, message: `table ${schema}.${t.name} has no column ${absent.map((c) => c.name).join(', ')} (altered outside quorum)` });
  }
  if (metaMissing) {
    // Format 1 lacks exactly meta and the format-2 columns; an upgrade that stopped half-way has the columns, and rows without counts.
    const onlyFormat1 = format1Columns.length > 0 && problems.length === 1;
    if (onlyFormat1 || (problems.length === 0 && (await upgradeUnfinished(connection, schema)))) return { kind: 'old', missingColumns: format1Columns };
  }
  if (metaMissing) {
    missingTables.push(STATE_TABLES.meta.name);
    problems.push({ table: STATE_TABLES.meta.name, message: `table ${schema}.meta is missing (dropped outside quorum)` });
  }
  // no meta: format 1 (or damage the data check names), which had none of the later tables
  const metaReadable = !badTables.includes(STATE_TABLES.meta.name);
  const version = metaMissing ? 1 : metaReadable ? await readFormatVersion(connection, schema) : null;
  const upgradeFrom = version !== null && version < STATE_FORMAT_VERSION ? version : undefined;
  for (const name of laterMissing) {
    const added = (STATE_TABLES as Record<string, { addedIn?: number }>)[name].addedIn ?? 0;
    if (version !== null && version < added) continue; // the upgrade creates it
    missingTables.push(name);
    problems.push({ table: name, message: `table ${schema}.${name} is missing (dropped outside quorum)` });
  }
  if (problems.length > 0) return { kind: 'damaged', problems, missingTables, badTables, absentTables: tables.map((t) => t.name).filter((name) => !found.has(name)) };
  return { kind: 'current', scratchMissing, ...(upgradeFrom === undefined ? {} : { upgradeFrom }) };
}

/** The state-format version `meta` records; null when it records none (the data check names that). */
async function readFormatVersion(connection: WarehouseConnection, schema: string): Promise<number | null> {
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({ columns: [{ expr: col('value'), alias: 'value' }], from: tableOf(stateTable(schema, 'meta')), where: bin('=', col('key'), str(META.formatVersion)) }),
    ),
  );
  const n = Number(rows[0]?.value);
  return rows.length === 0 || !Number.isInteger(n) ? null : n;
}

/** The columns of format 2 exist but `meta` does not: an upgrade stopped before its last step leaves rows without counts (or none). */
async function upgradeUnfinished(connection: WarehouseConnection, schema: string): Promise<boolean> {
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({
        columns: [{ expr: col('definition'), alias: 'definition' }],
        from: tableOf(stateTable(schema, 'snapshot_runs')),
        where: not(isNull(col('row_count'))),
        limit: 1,
      }),
    ),
  );
  return rows.length === 0;
}

/** The diagnostic a damaged state stops a run with. */
export function stateDamaged(schema: string, problems: readonly StateProblem[]): DiagnosticsError {
  return failure('state_damaged', { schema, problems: problems.map((p) => p.message) });
}

/** A first run: every state table, then the format version, the mark of a state that exists. */
export async function createState(connection: WarehouseConnection, schema: string): Promise<void> {
  await ensureStateTables(connection, schema);
  await insertMetaIfAbsent(connection, schema, META.formatVersion, String(STATE_FORMAT_VERSION));
}

/** Two first runs at once both try: the key's primary key lets one row in. */
export async function insertMetaIfAbsent(connection: WarehouseConnection, schema: string, key: string, value: string): Promise<void> {
  const meta = stateTable(schema, 'meta');
  await new StateWriter(connection.dialect.printer, connection)
    .run(insertInto(
      meta,
      ['key', 'value'],
      select({
        columns: [
          { expr: str(key), alias: 'key' },
          { expr: str(value), alias: 'value' },
        ],
        where: not(inQuery(str(key), select({ columns: [{ expr: col('key', 'm'), alias: null }], from: tableOf(meta, 'm') }))),
      }),
    ))
    .catch(() => undefined);
}

/** Replaces the given keys of `meta` (null: removes the key). */
export async function writeMeta(w: StateWriter, schema: string, entries: Readonly<Record<string, string | null>>): Promise<void> {
  const meta = stateTable(schema, 'meta');
  const keys = Object.keys(entries);
  if (keys.length === 0) return;
  await w.run(deleteFrom(meta, inList(col('key'), keys)));
  const present = Object.entries(entries).filter((e): e is [string, string] => e[1] !== null);
  if (present.length === 0) return;
  await w.run(insertInto(
    meta,
    ['key', 'value'],
    present.length === 1
        ? select({ columns: [{ expr: str(present[0][0]), alias: 'key' }, { expr: str(present[0][1]), alias: 'value' }] })
        : union(present.map(([k, v]) => select({ columns: [{ expr: str(k), alias: 'key' }, { expr: str(v), alias: 'value' }] }))),
  ));
}

/** The version a state of format 2 or later says it has; an error for one newer than this quorum. */
export function checkVersion(schema: string, version: string | undefined): StateProblem | null {
  if (version === undefined) return { table: 'meta', message: 'the state-format version is missing from meta (rows deleted outside quorum)' };
  const n = Number(version);
  if (!Number.isInteger(n) || n < 2) return { table: 'meta', message: `the state-format version in meta is ${JSON.stringify(version)}, not a version quorum wrote` };
  if (n > STATE_FORMAT_VERSION) {
    throw failure('state_newer', { schema, found: n, reads: STATE_FORMAT_VERSION });
  }
  return null;
}

/**
 * The columns formats after 4 changed, made as the current format has them. Each statement can be
 * repeated, so it runs on every upgrade and repair whatever format it starts from.
 */
export function alterDdl(schema: string): Ddl[] {
  return [{ kind: 'drop_not_null', schema, table: STATE_TABLES.outbox.name, column: 'message_id' }];
}

/** The DDL that upgrades format 1 (the columns `snapshot_runs` lacks; `meta` comes with createState). */
export function upgradeDdl(schema: string, missing: readonly ColumnDefinition[]): Ddl[] {
  return missing.map((column) => ({ kind: 'add_column', schema, table: STATE_TABLES.snapshot_runs.name, column }));
}
