// `quorum history`: past runs from the state schema's `runs` table, newest first.
import { col, select, tableOf } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import type { RunOutput } from './run.js';
import { readRunSummary } from './state-history.js';
import { stateTable, stateTablesExist, toIso } from './state-sql.js';
import { readVerifications, type Verification } from './state-verify.js';

export interface HistoryEntry {
  readonly run_id: string;
  readonly as_of: string | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly seconds: number | null;
  /** running | succeeded | failed | interrupted (the process died; the next run noticed) | repaired (`quorum state repair`) */
  readonly status: string;
  readonly definitions: RunOutput['definitions'];
  readonly delivered: Record<string, number>;
  readonly failed: Record<string, number>;
  readonly errors: string[];
  /** The row's summary is not the JSON a run writes (edited by hand): definitions, delivered, failed and errors are empty. */
  readonly summary_unreadable?: true;
  /** `quorum state verify` runs that verified this run's state (SPEC §6.1), newest first */
  readonly verifications?: Verification[];
}

export async function history(connection: WarehouseConnection, schema: string, options: { name?: string; limit?: number } = {}): Promise<HistoryEntry[]> {
  if (!(await stateTablesExist(connection, schema))) return [];
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({
        columns: ['run_id', 'as_of', 'started_at', 'finished_at', 'status', 'summary'].map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(schema, 'runs')),
        orderBy: [
          { expr: col('started_at'), direction: 'DESC' },
          { expr: col('run_id'), direction: 'DESC' },
        ],
      }),
    ),
  );
  const verifications = (await connection.readTables(schema)).has('verifications') ? await readVerifications(connection, connection.dialect.printer, schema, 100) : [];
  const out: HistoryEntry[] = [];
  for (const row of rows) {
    const read = readRunSummary<Partial<RunOutput>>(row.summary);
    const summary = read === 'unreadable' ? null : read;
    const definitions = summary?.definitions ?? [];
    // a run whose summary is unreadable may have evaluated the definition: it is shown, flagged
    if (options.name !== undefined && read !== 'unreadable' && !definitions.some((d) => d.name === options.name)) continue;
    const started = toIso(row.started_at);
    const finished = toIso(row.finished_at);
    out.push({
      run_id: String(row.run_id),
      as_of: toIso(row.as_of),
      started_at: started,
      finished_at: finished,
      seconds: started && finished ? (Date.parse(finished) - Date.parse(started)) / 1000 : null,
      status: String(row.status),
      definitions: options.name === undefined ? definitions : definitions.filter((d) => d.name === options.name),
      delivered: summary?.delivered ?? {},
      failed: summary?.failed ?? {},
      errors: summary?.errors ?? [],
      ...(read === 'unreadable' ? { summary_unreadable: true as const } : {}),
      ...verificationsOf(verifications, String(row.run_id), options.name),
    });
    if (options.limit !== undefined && out.length >= options.limit) break;
  }
  return out;
}

/** The verifications of one run, cut to one definition's drift when a name is given. */
function verificationsOf(all: readonly Verification[], runId: string, name: string | undefined): { verifications?: Verification[] } {
  const mine = all.filter((v) => v.run_id === runId);
  if (mine.length === 0) return {};
  return { verifications: name === undefined ? mine : mine.map((v) => ({ ...v, drift: v.drift.filter((d) => d.name === name) })) };
}
