// What `quorum report` shows, gathered as plain data: for every definition its runs from the
// state schema's `runs` table (the same rows as `quorum history --json`), the per-condition
// breakdown at the latest run's as_of, and the SQL it compiles to.
import type { Definition, Project } from '../definitions/model.js';
import { compileSql } from '../evaluation/evaluate.js';
import { preview, type InspectContext } from '../evaluation/inspect.js';
import { history, type HistoryEntry } from '../sync/history.js';

export interface ReportRun {
  readonly run_id: string;
  readonly as_of: string;
  readonly started_at: string | null;
  readonly seconds: number | null;
  readonly status: string;
  readonly size: number;
  readonly entered: number;
  readonly exited: number;
  readonly changed: number;
  readonly blocked: boolean;
  /** SPEC §6.1: full | incremental (null: a run before quorum recorded it), and the rows it read (null: not counted) */
  readonly mode: string | null;
  readonly rows_read: number | null;
  /** drifted entities the latest `state verify` of this run's state found (null: not verified) */
  readonly drift: number | null;
}

export interface ReportDefinition {
  readonly name: string;
  readonly kind: Definition['kind'];
  readonly level: Definition['level'];
  readonly description: string | null;
  readonly file: string;
  readonly schedule: string | null;
  /** Oldest first. */
  readonly runs: ReportRun[];
  /** Audiences with at least one run: each condition's count at the latest run's as_of. */
  readonly breakdown: { readonly as_of: string; readonly conditions: { condition: string; matched: number; depth: number }[] } | null;
  readonly sql: string;
}

export interface ReportData {
  readonly project: string;
  readonly generated_at: string;
  readonly warehouse: string;
  readonly state_schema: string;
  readonly runs: number;
  /** Runs whose summary in the state is unreadable (edited by hand): counted in `runs`, in no definition's runs. */
  readonly unreadable_runs: string[];
  readonly definitions: ReportDefinition[];
}

/** The runs of one definition, oldest first, from history entries (any order). */
export function runsOf(entries: readonly HistoryEntry[], name: string): ReportRun[] {
  const out: ReportRun[] = [];
  for (const e of entries) {
    const d = e.definitions.find((x) => x.name === name);
    if (!d || e.as_of === null) continue;
    out.push({
      run_id: e.run_id,
      as_of: e.as_of,
      started_at: e.started_at,
      seconds: e.seconds,
      status: e.status,
      size: d.size,
      entered: d.entered,
      exited: d.exited,
      changed: d.changed,
      blocked: d.status === 'blocked',
      mode: d.mode ?? null,
      rows_read: typeof d.rows_read === 'number' ? d.rows_read : null,
      drift: latestDrift(e, name),
    });
  }
  return out.sort((a, b) => Date.parse(a.as_of) - Date.parse(b.as_of) || (a.started_at ?? '').localeCompare(b.started_at ?? ''));
}

/** The drifted entities of a definition in the run's latest verification, or null when it was not verified. */
function latestDrift(entry: HistoryEntry, name: string): number | null {
  const latest = entry.verifications?.[0];
  if (!latest) return null;
  return latest.drift.find((d) => d.name === name)?.entities ?? 0;
}

export async function reportData(ctx: Omit<InspectContext, 'asOf'>, options: { limit?: number; now?: Date } = {}): Promise<ReportData> {
  const { project, connection } = ctx;
  const entries = await history(connection, project.config.stateSchema, { limit: options.limit });
  const definitions: ReportDefinition[] = [];
  for (const d of project.definitions) {
    const runs = runsOf(entries, d.name);
    const latest = runs.at(-1);
    const asOf = latest?.as_of ?? (options.now ?? new Date()).toISOString();
    let breakdown: ReportDefinition['breakdown'] = null;
    if (d.kind === 'audience' && latest) {
      const p = await preview({ ...ctx, asOf }, d.name, 0);
      breakdown = { as_of: asOf, conditions: p.breakdown };
    }
    definitions.push({
      name: d.name,
      kind: d.kind,
      level: d.level,
      description: d.description,
      file: d.loc.file,
      schedule: (d.kind === 'audience' ? d.schedule : null) ?? project.config.schedule?.default ?? null,
      runs,
      breakdown,
      sql: compileSql({ project, catalog: ctx.catalog, asOf, targets: [d.name] }, connection.dialect.printer),
    });
  }
  return {
    project: projectName(project),
    generated_at: (options.now ?? new Date()).toISOString(),
    warehouse: project.config.warehouse.type,
    state_schema: project.config.stateSchema,
    runs: entries.length,
    unreadable_runs: entries.filter((e) => e.summary_unreadable).map((e) => e.run_id),
    definitions,
  };
}

function projectName(project: Project): string {
  return project.root.split(/[\\/]/).filter(Boolean).at(-1) ?? project.root;
}
