// `quorum validate` against the warehouse, with incremental runs on: the source tables that every
// run would read whole to find its new rows, said before the first run instead of in its log
// (the run's `incremental.unindexed` event names the same tables). A warning: the runs are exact
// either way, only slower than full runs (BENCHMARKS.md, "Postgres: indexes on the arrival column
// and the event time").
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { projectIncrementalSettings } from '../incremental/incremental-settings.js';
import { readUnindexedNewRows } from '../incremental/new-row-indexes.js';
import { planFor } from './evaluate.js';
import type { Session } from './session.js';

/** At most one warning, at quorum.yml's `incremental: enabled:`; none where indexes decide nothing. */
export async function newRowIndexAdvice(session: Pick<Session, 'project' | 'connection' | 'catalog'>, asOf: string): Promise<Diagnostic[]> {
  const { project, connection, catalog } = session;
  const config = project.config.incremental;
  if (config?.enabled !== true || connection.readIndexedColumns === undefined || project.definitions.length === 0) return [];
  // Every definition, as a scheduled run of the whole project reads them; the tables do not depend on as_of.
  const plan = planFor({ project, catalog, asOf, targets: project.definitions.map((d) => d.name) });
  const tables = await readUnindexedNewRows(connection, plan, projectIncrementalSettings(project, catalog));
  if (tables.length === 0) return [];
  return [diagnostic('unindexed_new_rows', { schema: plan.layout.schema, tables }, config.loc ?? project.config.loc, 'warning')];
}
