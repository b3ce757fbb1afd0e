// `quorum explain --history`: the entity's conditions replayed at the as_of of each recorded run
// of the audience, beside what each run wrote to the outbox for it. It reads the state (runs,
// outbox), so it lives with the state; the replaying is evaluation's `explain`.
import { explain, type ExplainHistoryEntry, type ExplainOutput, type InspectContext } from '../evaluation/inspect.js';
import { history } from './history.js';
import { transitionsByRun } from './outbox-reader.js';
import { generationsExist, StateWriter, stateTablesExist } from './state-sql.js';

/**
 * `explain` plus when the entity entered or left the audience and which conditions changed: the
 * conditions are replayed at the as_of of the audience's latest `limit` runs (and the one before,
 * as a baseline), then at ctx.asOf when that is later than the last run.
 */
export async function explainWithHistory(ctx: InspectContext, name: string, id: string, limit = 10): Promise<ExplainOutput> {
  const now = await explain(ctx, name, id);
  const schema = ctx.project.config.stateSchema;
  const asOf = Date.parse(ctx.asOf);
  const past = (await history(ctx.connection, schema, { name })).filter((r) => r.as_of !== null && Date.parse(r.as_of) <= asOf);
  const unreadable = past.filter((r) => r.summary_unreadable).map((r) => r.run_id);
  const runs = past.filter((r) => r.definitions.some((d) => d.name === name && d.status === 'ok')).reverse(); // oldest first
  const shown = runs.slice(-limit);
  const baseline = runs.length > shown.length ? runs[runs.length - shown.length - 1] : null;
  const recorded = (await stateTablesExist(ctx.connection, schema))
    ? await transitionsByRun(new StateWriter(ctx.connection.dialect.printer, ctx.connection), schema, name, id, await generationsExist(ctx.connection, schema))
    : new Map<string, string[]>();
  const points: { run_id: string | null; as_of: string }[] = shown.map((r) => ({ run_id: r.run_id, as_of: r.as_of! }));
  if (shown.length === 0 || Date.parse(shown[shown.length - 1].as_of!) < asOf) points.push({ run_id: null, as_of: ctx.asOf });
  let previous: ExplainOutput | null = baseline ? await explain({ ...ctx, asOf: baseline.as_of! }, name, id) : null;
  const entries: ExplainHistoryEntry[] = [];
  for (const point of points) {
    const current = point.run_id === null ? now : await explain({ ...ctx, asOf: point.as_of }, name, id);
    const wasMember = previous?.member ?? false;
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
    });
    previous = current;
  }
  return { ...now, history: entries, ...(unreadable.length > 0 ? { unreadable_runs: unreadable.reverse() } : {}) };
}
