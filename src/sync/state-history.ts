// What the `runs` table remembers about snapshots, for the state upgrade and `state repair`: every
// run that committed wrote the definitions it replaced into its summary in the same transaction,
// so the summaries give each definition's generation (how many snapshots were committed) and the
// as_of of its last one even when `snapshot_runs` is lost. A repair is recorded there the same way.
import { insertInto, select, str, tableOf, ts, type Expr } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import type { NewRecord } from './snapshot-records.js';
import type { StateProblem } from './state-format.js';
import { col } from '../sql/ast.js';
import { StateWriter, stateTable, toIso } from './state-sql.js';

export interface RunHistory {
  /** committed snapshots per definition */
  readonly generations: ReadonlyMap<string, number>;
  /** the as_of of the last committed run that wrote the definition's snapshot */
  readonly lastAsOf: ReadonlyMap<string, string>;
}

interface Summary {
  readonly dry_run?: unknown;
  readonly definitions?: unknown;
}

/**
 * A `runs` row's summary: null when it has none, 'unreadable' when it is not the JSON object a run
 * writes (edited by hand). The summary is history, not memory of what was sent, so readers show
 * the run without it and `state check` warns (docs/operating.md, "The check").
 */
export function readRunSummary<T extends object>(text: unknown): T | null | 'unreadable' {
  if (text === null || text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch {
    return 'unreadable';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'unreadable';
  const definitions = (value as Summary).definitions;
  if (definitions !== undefined && !(Array.isArray(definitions) && definitions.every((d) => d !== null && typeof d === 'object' && typeof (d as { name?: unknown }).name === 'string'))) return 'unreadable';
  return value as T;
}

function committedDefinitions(text: unknown): string[] {
  const summary = readRunSummary<Summary>(text);
  // a corrupt summary counts nothing; the recorded generation still does
  if (summary === null || summary === 'unreadable' || summary.dry_run === true || !Array.isArray(summary.definitions)) return [];
  return (summary.definitions as { name: string; status?: unknown }[]).filter((d) => d.status !== 'blocked').map((d) => d.name);
}

/** The runs whose summary cannot be read, oldest first: `state check` warns about them. */
export async function unreadableSummaries(connection: WarehouseConnection, schema: string): Promise<StateProblem[]> {
  const rows = await readRuns(connection, schema, ['run_id', 'as_of', 'summary']);
  return rows
    .filter((r) => readRunSummary(r.summary) === 'unreadable')
    .map((r) => ({
      table: 'runs',
      message: `the summary of run ${String(r.run_id)} (as of ${toIso(r.as_of) ?? '?'}) in runs is not the JSON a run writes (edited outside quorum): history, explain and the report show that run without its per-definition sizes and deliveries`,
    }));
}

function readRuns(connection: WarehouseConnection, schema: string, columns: readonly string[]): Promise<Record<string, unknown>[]> {
  return connection.query(
    connection.dialect.printer.print(
      select({
        columns: columns.map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(schema, 'runs')),
        orderBy: [{ expr: col('started_at'), direction: 'ASC' }, { expr: col('run_id'), direction: 'ASC' }],
      }),
    ),
  );
}

export async function recoverHistory(connection: WarehouseConnection, schema: string): Promise<RunHistory> {
  const rows = await readRuns(connection, schema, ['as_of', 'summary']);
  const generations = new Map<string, number>();
  const lastAsOf = new Map<string, string>();
  for (const row of rows) {
    const asOf = toIso(row.as_of);
    for (const name of committedDefinitions(row.summary)) {
      generations.set(name, (generations.get(name) ?? 0) + 1);
      if (asOf !== null) lastAsOf.set(name, asOf);
    }
  }
  return { generations, lastAsOf };
}

/** A `runs` row for a repair (status `repaired`), listing the snapshots it committed, so history shows it and generations count it. */
export async function recordRepair(
  w: StateWriter,
  schema: string,
  repair: { readonly runId: string; readonly now: string; readonly from: string; readonly records: readonly NewRecord[]; readonly problems: readonly StateProblem[] },
): Promise<void> {
  const asOf = repair.records.map((r) => r.asOf).sort().at(-1) ?? repair.now;
  const summary = {
    run_id: repair.runId,
    as_of: asOf,
    dry_run: false,
    definitions: repair.records.map((r) => ({ name: r.definition, size: r.rowCount, entered: 0, exited: 0, changed: 0, status: 'ok' })),
    delivered: {},
    failed: {},
    errors: repair.problems.map((p) => `repaired (--from ${repair.from}): ${p.message}`),
  };
  const value: Record<string, Expr> = {
    run_id: str(repair.runId),
    as_of: ts(asOf),
    started_at: ts(repair.now),
    finished_at: ts(new Date().toISOString()),
    status: str('repaired'),
    summary: str(JSON.stringify(summary)),
  };
  await w.run(insertInto(stateTable(schema, 'runs'), Object.keys(value), select({ columns: Object.entries(value).map(([alias, expr]) => ({ expr, alias })) })));
}
