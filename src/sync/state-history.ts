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

function committedDefinitions(text: unknown): string[] {
  let summary: Summary | null;
  try {
    summary = typeof text === 'string' ? (JSON.parse(text) as Summary | null) : null;
  } catch {
    return []; // a corrupt summary counts nothing; the recorded generation still does
  }
  if (summary === null || typeof summary !== 'object' || summary.dry_run === true || !Array.isArray(summary.definitions)) return [];
  const out: string[] = [];
  for (const d of summary.definitions as { name?: unknown; status?: unknown }[]) {
    if (d !== null && typeof d === 'object' && typeof d.name === 'string' && d.status !== 'blocked') out.push(d.name);
  }
  return out;
}

export async function recoverHistory(connection: WarehouseConnection, schema: string): Promise<RunHistory> {
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({
        columns: ['as_of', 'started_at', 'summary'].map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(schema, 'runs')),
        orderBy: [{ expr: col('started_at'), direction: 'ASC' }, { expr: col('run_id'), direction: 'ASC' }],
      }),
    ),
  );
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
