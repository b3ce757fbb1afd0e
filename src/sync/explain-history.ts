// `quorum explain --history`: the entity's conditions replayed at the as_of of each recorded run
// of the audience, beside what each run wrote to the outbox for it. It reads the state (runs,
// outbox, the committed snapshot), so it lives with the state; the replaying is evaluation's `explain`.
import { explain, type ExplainHistoryEntry, type ExplainOutput, type InspectContext } from '../evaluation/inspect.js';
import { and, bin, col, select, str, tableOf } from '../sql/ast.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { history } from './history.js';
import { transitionsByRun } from './outbox-reader.js';
import { readSnapshotRecords } from './snapshot-records.js';
import { generationsExist, StateWriter, stateTable, stateTablesExist } from './state-sql.js';

/**
 * `explain` plus when the entity entered or left the audience and which conditions changed: the
 * conditions are replayed at the as_of of the audience's latest `limit` runs (and the one before,
 * as a baseline), then at ctx.asOf when that is later than the last run. That last step is the
 * next run's diff, so, as `run --dry-run` does, it compares with the committed snapshot, not with
 * a replay of the last run: rows loaded late change the replay, never what was sent.
 */
export async function explainWithHistory(ctx: InspectContext, name: string, id: string, limit = 10): Promise<ExplainOutput> {
  const now = await explain(ctx, name, id);
  const schema = ctx.project.config.stateSchema;
  const asOf = Date.parse(ctx.asOf);
  const stateExists = await stateTablesExist(ctx.connection, schema);
  const past = (await history(ctx.connection, schema, { name })).filter((r) => r.as_of !== null && Date.parse(r.as_of) <= asOf);
  const unreadable = past.filter((r) => r.summary_unreadable).map((r) => r.run_id);
  const runs = past.filter((r) => r.definitions.some((d) => d.name === name && d.status === 'ok')).reverse(); // oldest first
  const shown = runs.slice(-limit);
  const baseline = runs.length > shown.length ? runs[runs.length - shown.length - 1] : null;
  const recorded = stateExists
    ? await transitionsByRun(new StateWriter(ctx.connection.dialect.printer, ctx.connection), schema, name, id, await generationsExist(ctx.connection, schema))
    : new Map<string, string[]>();
  const points: { run_id: string | null; as_of: string }[] = shown.map((r) => ({ run_id: r.run_id, as_of: r.as_of! }));
  if (shown.length === 0 || Date.parse(shown[shown.length - 1].as_of!) < asOf) points.push({ run_id: null, as_of: ctx.asOf });
  // a snapshot committed after ctx.asOf is not "the previous run" of it: the replay stands then
  const committed = stateExists ? await committedMembership(ctx.connection, schema, name, id) : null;
  const snapshot = committed !== null && Date.parse(committed.as_of) <= asOf ? committed : null;
  let previous: ExplainOutput | null = baseline ? await explain({ ...ctx, asOf: baseline.as_of! }, name, id) : null;
  const entries: ExplainHistoryEntry[] = [];
  for (const point of points) {
    const current = point.run_id === null ? now : await explain({ ...ctx, asOf: point.as_of }, name, id);
    const wasMember = point.run_id === null && snapshot ? snapshot.member : (previous?.member ?? false);
    const changed = previous
      ? current.conditions
          .map((c, i) => ({ condition: c.condition, depth: c.depth, from: previous!.conditions[i]?.value ?? false, to: c.value }))
          .filter((c) => c.from !== c.to)
      : current.conditions.filter((c) => c.value).map((c) => ({ condition: c.condition, depth: c.depth, from: false, to: true }));
    entries.push({
      run_id: point.run_id,
      as_of: point.as_of,
      member: current.member,
      transition: current.member === wasMember ? null : current.member ? 'entered' : 'exited',
      changed: previous || current.member ? changed : [],
      recorded: point.run_id === null ? [] : (recorded.get(point.run_id) ?? []),
      first: previous === null,
      ...(point.run_id === null && snapshot ? { snapshot } : {}),
    });
    previous = current;
  }
  return { ...now, history: entries, ...(unreadable.length > 0 ? { unreadable_runs: unreadable.reverse() } : {}) };
}

/** Whether the audience's committed snapshot holds the entity, and the as_of it was committed at; null before its first run. */
async function committedMembership(connection: WarehouseConnection, schema: string, name: string, id: string): Promise<{ as_of: string; member: boolean } | null> {
  const { printer } = connection.dialect;
  const record = (await readSnapshotRecords(connection, printer, schema)).get(name);
  if (record === undefined || record.asOf === null) return null;
  const rows = await connection.query(
    printer.print(
      select({
        columns: [{ expr: col('entity_id'), alias: 'entity_id' }],
        from: tableOf(stateTable(schema, 'snapshots')),
        where: and(bin('=', col('definition'), str(name)), bin('=', col('entity_id'), str(id))),
      }),
    ),
  );
  return { as_of: record.asOf, member: rows.length > 0 };
}
