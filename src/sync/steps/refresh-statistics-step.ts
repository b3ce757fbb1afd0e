// Step `refresh-statistics`. The delivery reads the outbox a page at a time in sequence order. Just
// after a large outbox was written, a warehouse whose planner works from statistics (Postgres) may
// not know its size yet and pick a scan and sort of every pending call per page; the printer says
// how to refresh them, if at all. A failure only costs speed.
import { stateTable } from '../state-sql.js';
import type { Nothing, RunContext, RunStep } from './run-step.js';

export const refreshStatisticsStep: RunStep<RunContext, Nothing> = {
  name: 'refresh-statistics',
  run: async ({ connection, schema }) => {
    const sql = connection.dialect.printer.refreshStatistics({ schema, name: stateTable(schema, 'outbox').name });
    if (sql !== null) await connection.execute(sql).catch(() => undefined);
    return {};
  },
};
