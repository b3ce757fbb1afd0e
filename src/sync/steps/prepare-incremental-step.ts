// Step `prepare-incremental`: whether this run uses the incremental engine (src/incremental/,
// SPEC §6.1), and its state tables (partials, facts, bookkeeping), created before the run's
// transaction like the other state tables: some warehouses commit on DDL. With `incremental.enabled`
// the engine runs on every run; when any definition runs full (first run, changed dependencies,
// `--full`, `full_every`, an earlier as_of) it rebuilds its partials from the source instead of
// refreshing them, so a full run also leaves the state the next incremental run starts from.
import { INCREMENTAL_DEFAULTS } from '../../definitions/parse-incremental.js';
import { planFor } from '../../evaluation/evaluate.js';
import { ensureIncrementalTables, liveStateKeys } from '../../incremental/evaluate-incremental.js';
import { projectIncrementalSettings, type IncrementalSettings } from '../../incremental/incremental-settings.js';
import { readUnindexedNewRows } from '../../incremental/new-row-indexes.js';
import type { RunModes } from '../run-modes.js';
import type { RunContext, RunStep } from './run-step.js';

export interface IncrementalChoice {
  /** null: the compiled statement alone. liveKeys: what every definition of the project keeps in state (the rest is pruned). */
  readonly incremental: { readonly settings: IncrementalSettings; readonly rebuild: boolean; readonly liveKeys?: ReadonlySet<string> } | null;
}

/**
 * The state the whole project keeps, whatever this run selected, so that a run of some definitions
 * never prunes the others' partials. A project that does not plan as a whole prunes nothing.
 */
function projectLiveKeys(context: RunContext, settings: IncrementalSettings): ReadonlySet<string> | undefined {
  const { project, plan, request } = context;
  const all = project.definitions.map((d) => d.name);
  try {
    const whole = all.every((name) => request.definitions.includes(name)) ? plan : planFor({ project, catalog: request.catalog, asOf: plan.asOf, targets: all });
    return liveStateKeys(whole, settings);
  } catch {
    return undefined;
  }
}

/** Source tables the run will read whole to find its new rows, where an index would decide that (Postgres). */
async function warnUnindexed(context: RunContext, settings: IncrementalSettings): Promise<void> {
  const { request, connection, plan } = context;
  if (request.onWarning === undefined) return;
  const unindexed = await readUnindexedNewRows(connection, plan, settings);
  if (unindexed.length === 0) return;
  request.onWarning({
    code: 'incremental.unindexed',
    message: 'each incremental run reads these source tables whole to find its new rows: index the columns listed (docs/warehouses.md, "Indexes for incremental runs")',
    fields: { tables: unindexed.map((t) => `${plan.layout.schema}.${t.table}(${t.columns.join(', ')})`) },
  });
}

export const prepareIncrementalStep: RunStep<RunContext & { readonly runModes: RunModes }, IncrementalChoice> = {
  name: 'prepare-incremental',
  run: async (context) => {
    const { request, connection, plan, schema, project, runModes } = context;
    const config = project.config.incremental ?? INCREMENTAL_DEFAULTS;
    const anyFull = [...runModes.modes.values()].some((m) => m.mode === 'full');
    const incremental = request.incremental
      ? { settings: request.incremental.settings, rebuild: request.incremental.rebuild ?? false }
      : config.enabled
        ? { settings: projectIncrementalSettings(project, request.catalog), rebuild: anyFull }
        : null;
    if (incremental === null) return { incremental };
    await ensureIncrementalTables(connection, { plan, stateSchema: schema, settings: incremental.settings });
    await warnUnindexed(context, incremental.settings);
    return { incremental: { ...incremental, liveKeys: projectLiveKeys(context, incremental.settings) } };
  },
};
