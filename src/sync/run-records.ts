// The `runs` table's rows for `quorum run`: a run is recorded as running once it holds the lock,
// its summary is written in the transaction that commits its snapshots (so `quorum history` is
// right even if the process dies before it delivers), and it is finished as succeeded or failed.
import { and, bin, cast, col, insertInto, NULL, select, str, ts, update } from '../sql/ast.js';
import { secrets } from '../secrets/secret-redactor.js';
import type { RunStamp } from './diff-sql.js';
import type { RunOutput } from './run-types.js';
import { type StateWriter, stateTable } from './state-sql.js';

/** Runs still marked running hold no lock any more (this run has it): they were interrupted. */
export async function markInterruptedRuns(w: StateWriter, schema: string, runId: string): Promise<void> {
  await w.run(update(stateTable(schema, 'runs'), [{ column: 'status', value: str('interrupted') }], and(bin('=', col('status'), str('running')), bin('<>', col('run_id'), str(runId)))));
}

export async function recordRunStarted(w: StateWriter, schema: string, stamp: RunStamp): Promise<void> {
  await w.run(insertInto(
    stateTable(schema, 'runs'),
    ['run_id', 'as_of', 'started_at', 'finished_at', 'status', 'summary'],
    select({
      columns: [
        { expr: str(stamp.runId), alias: 'run_id' },
        { expr: ts(stamp.asOf), alias: 'as_of' },
        { expr: ts(stamp.now), alias: 'started_at' },
        { expr: cast(NULL, 'timestamp'), alias: 'finished_at' },
        { expr: str('running'), alias: 'status' },
        { expr: cast(NULL, 'string'), alias: 'summary' },
      ],
    }),
  ));
}

const summaryText = (output: RunOutput) => str(JSON.stringify(secrets.redactValue(output)));

export async function recordRunSummary(w: StateWriter, schema: string, output: RunOutput): Promise<void> {
  await w.run(update(stateTable(schema, 'runs'), [{ column: 'summary', value: summaryText(output) }], bin('=', col('run_id'), str(output.run_id))));
}

export async function recordRunFinished(w: StateWriter, schema: string, status: 'succeeded' | 'failed', output: RunOutput): Promise<void> {
  await w.run(update(
    stateTable(schema, 'runs'),
    [
      { column: 'finished_at', value: ts(new Date().toISOString()) },
      { column: 'status', value: str(status) },
      { column: 'summary', value: summaryText(output) },
    ],
    bin('=', col('run_id'), str(output.run_id)),
  ));
}
