// The consistency check every run makes first (SPEC §6 "State integrity"), and `quorum state
// check`. The catalog part (tables and columns) is state-format.ts `inspectShape`; this is the data
// part, one statement so that it reads one consistent picture even while another run commits:
//
//   every definition with snapshot rows has a record in snapshot_runs, with a generation;
//   its rows in snapshots and snapshot_users are as many as the record says, one per entity in snapshots;
//   meta holds the state-format version;
//   the outbox (with its records by generation) still holds the last sequence written (pruning keeps it);
//   the runs table still holds the last run that committed.
//
// A scan of the two snapshot tables, grouped: the same order of cost as the diff that follows.
import { aggregate, bin, cast, col, COUNT, inQuery, NULL, select, str, tableOf, union, type Expr, type Query, type Select } from '../sql/ast.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Statements } from '../warehouse/connection.js';
import { checkVersion, META, type StateProblem } from './state-format.js';
import { stateTable, toNumber, type StateTableName } from './state-sql.js';

export interface ConsistencyReport {
  readonly problems: StateProblem[];
  /** No run ever recorded and no snapshot: a first run that stopped before writing its version. */
  readonly unfinishedCreation: boolean;
}


function branch(schema: string, table: StateTableName, measure: string, name: Expr, n: Expr, text: Expr, extra: Partial<Select> = {}): Select {
  return select({
    columns: [
      { expr: str(measure), alias: 'measure' },
      // state columns: text already, or NULL
      { expr: cast(name, 'string', 'string'), alias: 'name' },
      { expr: cast(n, 'integer'), alias: 'n' },
      { expr: cast(text, 'string', 'string'), alias: 'text' },
    ],
    from: tableOf(stateTable(schema, table)),
    ...extra,
  });
}

/** The check's one statement; tables in `skip` (missing or altered) are left out of it. */
export function consistencyQuery(schema: string, skip: ReadonlySet<string> = new Set()): Query {
  const definition = col('definition');
  const lastRun = select({ columns: [{ expr: col('value', 'm'), alias: null }], from: tableOf(stateTable(schema, 'meta'), 'm'), where: bin('=', col('key', 'm'), str(META.lastRun)) });
  const branches: [StateTableName, Select][] = [
    ['snapshot_runs', branch(schema, 'snapshot_runs', 'row_count', definition, col('row_count'), NULL)],
    ['snapshot_runs', branch(schema, 'snapshot_runs', 'user_count', definition, col('user_count'), NULL)],
    ['snapshot_runs', branch(schema, 'snapshot_runs', 'generation', definition, col('generation'), NULL)],
    ['snapshots', branch(schema, 'snapshots', 'rows', definition, COUNT, NULL, { groupBy: [definition] })],
    // an entity id edited by hand into another's keeps the count and doubles that entity
    ['snapshots', branch(schema, 'snapshots', 'entities', definition, aggregate('count_distinct', col('entity_id')), NULL, { groupBy: [definition] })],
    ['snapshot_users', branch(schema, 'snapshot_users', 'users', definition, COUNT, NULL, { groupBy: [definition] })],
    ['outbox', branch(schema, 'outbox', 'outbox_max', NULL, aggregate('max', col('sequence')), NULL)],
    // A first run's record by generation holds sequences up to its last (outbox-generations.ts).
    ['outbox_generations', branch(schema, 'outbox_generations', 'outbox_max', NULL, aggregate('max', col('last_sequence')), NULL)],
    ['runs', branch(schema, 'runs', 'runs', NULL, COUNT, NULL)],
    ['meta', branch(schema, 'meta', 'meta', col('key'), NULL, col('value'))],
  ];
  if (!skip.has('runs') && !skip.has('meta')) branches.push(['runs', branch(schema, 'runs', 'last_run', col('run_id'), NULL, NULL, { where: inQuery(col('run_id'), lastRun) })]);
  return union(branches.filter(([table]) => !skip.has(table)).map(([, query]) => query));
}

export interface Recorded {
  rowCount: number | null;
  userCount: number | null;
  generation: number | null;
}

/** What the state holds, as the consistency query reads it. */
export interface StateFacts {
  readonly recorded: ReadonlyMap<string, Recorded>;
  readonly actual: ReadonlyMap<string, { readonly rows: number; readonly users: number; readonly entities: number | null }>;
  readonly meta: ReadonlyMap<string, string>;
  readonly outboxMax: number | null;
  readonly runs: number;
  readonly lastRunFound: boolean;
}

export async function readFacts(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string, skip: ReadonlySet<string> = new Set()): Promise<StateFacts> {
  const rows = await target.query(printer.print(consistencyQuery(schema, skip)));
  const recorded = new Map<string, Recorded>();
  const actual = new Map<string, { rows: number; users: number; entities: number | null }>();
  const meta = new Map<string, string>();
  let outboxMax: number | null = null;
  let runs = 0;
  let lastRunFound = false;
  const number = (v: unknown) => (v === null || v === undefined ? null : toNumber(v));
  for (const r of rows) {
    const name = r.name === null || r.name === undefined ? '' : String(r.name);
    const n = number(r.n);
    const measure = String(r.measure);
    if (measure === 'row_count' || measure === 'user_count' || measure === 'generation') {
      const entry = recorded.get(name) ?? { rowCount: null, userCount: null, generation: null };
      if (measure === 'row_count') entry.rowCount = n;
      else if (measure === 'user_count') entry.userCount = n;
      else entry.generation = n;
      recorded.set(name, entry);
    } else if (measure === 'rows' || measure === 'users' || measure === 'entities') {
      const entry = actual.get(name) ?? { rows: 0, users: 0, entities: null };
      entry[measure] = n ?? 0;
      actual.set(name, entry);
    } else if (measure === 'outbox_max') outboxMax = n === null ? outboxMax : Math.max(outboxMax ?? n, n);
    else if (measure === 'runs') runs = n ?? 0;
    else if (measure === 'meta') meta.set(name, String(r.text));
    else if (measure === 'last_run') lastRunFound = true;
  }
  return { recorded, actual, meta, outboxMax, runs, lastRunFound };
}

export async function checkConsistency(target: Pick<Statements, 'query'>, printer: SqlPrinter, schema: string, skip: ReadonlySet<string> = new Set()): Promise<ConsistencyReport> {
  return checkFacts(schema, await readFacts(target, printer, schema, skip), skip);
}

/** The problems the facts show; checks that need a table in `skip` are not made. */
export function checkFacts(schema: string, facts: StateFacts, skip: ReadonlySet<string> = new Set()): ConsistencyReport {
  const { recorded, actual, meta, outboxMax, runs, lastRunFound } = facts;
  const problems: StateProblem[] = [];
  const version = meta.get(META.formatVersion);
  const empty = recorded.size === 0 && actual.size === 0 && outboxMax === null && runs === 0;
  if (skip.has('meta')) {
    // recreated by repair: no version, high-water mark or last run to compare with
  } else if (version === undefined && empty) return { problems, unfinishedCreation: true };
  else {
    const versionProblem = checkVersion(schema, version);
    if (versionProblem) problems.push(versionProblem);
  }
  const snapshotsReadable = !['snapshot_runs', 'snapshots', 'snapshot_users'].some((t) => skip.has(t));
  for (const name of snapshotsReadable ? [...new Set([...recorded.keys(), ...actual.keys()])].sort() : []) {
    const r = recorded.get(name);
    const a = actual.get(name) ?? { rows: 0, users: 0, entities: null };
    const q = JSON.stringify(name);
    if (r === undefined) {
      problems.push({ table: 'snapshot_runs', definition: name, message: `snapshot_runs has no record of the snapshot of ${q} (${a.rows} rows in snapshots)` });
      continue;
    }
    if (r.generation === null || r.generation < 1 || r.rowCount === null || r.userCount === null) {
      problems.push({ table: 'snapshot_runs', definition: name, message: `the record of the snapshot of ${q} in snapshot_runs lacks its generation or row counts` });
      continue;
    }
    if (a.rows !== r.rowCount) {
      problems.push({ table: 'snapshots', definition: name, message: `snapshots holds ${a.rows} rows of ${q}, its committed snapshot had ${r.rowCount}` });
    } else if (a.entities !== null && a.entities < a.rows) {
      problems.push({ table: 'snapshots', definition: name, message: `snapshots holds ${a.rows} rows of ${q} for only ${a.entities} entities: rows were changed outside quorum` });
    }
    if (a.users !== r.userCount) {
      problems.push({ table: 'snapshot_users', definition: name, message: `snapshot_users holds ${a.users} rows of ${q}, its committed snapshot had ${r.userCount}` });
    }
  }

  const high = meta.get(META.outboxSequence);
  if (skip.has('outbox') || skip.has('meta')) {
    // a table repair recreates: nothing to compare with
  } else if (high !== undefined && (outboxMax === null || outboxMax < Number(high))) {
    problems.push({ table: 'outbox', message: `the outbox no longer holds the last call written (sequence ${high}): rows were deleted outside quorum` });
  } else if (outboxMax !== null && (high === undefined || outboxMax > Number(high))) {
    problems.push({ table: 'outbox', message: `the outbox holds calls (up to sequence ${outboxMax}) that no run wrote` });
  }
  const lastRun = meta.get(META.lastRun);
  if (lastRun !== undefined && !lastRunFound && !skip.has('runs')) {
    problems.push({ table: 'runs', message: `the runs table no longer holds run ${lastRun}, the last to commit: rows were deleted outside quorum` });
  }
  return { problems, unfinishedCreation: false };
}
