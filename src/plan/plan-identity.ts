// What a plan needs to know to stitch anonymous rows to users (SPEC §2.1): the conflict rule and
// which tables hold identity edges. An edge is any row with both ids. Segment writes every track
// call to `tracks` as well as to its event's own table, so the per-event tables are subsets of
// `tracks` (docs/semantics.md, "Entities"): the edges of identifies, groups, tracks, pages and
// screens are all the edges there are, and reading each event table again would only double the
// cost. Without a catalog (`compile` offline), pages and screens count when the plan reads them.
import { stitches } from '../definitions/parse-identity.js';
import type { Project } from '../definitions/model.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { PlanIdentity } from './plan.js';

/** `tablesRead`: the source tables the plan reads (their columns bound what a stitched read projects). */
export function planIdentity(project: Project, catalog: Catalog, tablesRead: readonly string[]): PlanIdentity | null {
  const identity = project.config.identity;
  if (!stitches(identity)) return null;
  const { tables, columns, eventTime } = project.config.source;
  const needed = [columns.anonymousId, columns.userId, eventTime];
  const candidates = [tables.identifies, tables.groups, tables.tracks, tables.pages, tables.screens];
  const tableColumns: Record<string, string[]> = {};
  let edgeTables: string[];
  if (catalog.known) {
    edgeTables = candidates.filter((name) => {
      const table = catalog.tables.get(name);
      return table !== undefined && needed.every((c) => table.columns.has(c));
    });
    for (const name of tablesRead) {
      const table = catalog.tables.get(name);
      if (table) tableColumns[name] = [...table.columns.keys()];
    }
  } else {
    edgeTables = candidates.filter((name, i) => i < 3 || tablesRead.includes(name));
  }
  return { conflict: identity.conflict, edgeTables, tableColumns, onlyStitchedEvents: false };
}
