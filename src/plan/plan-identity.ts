// What a plan needs to know to stitch anonymous rows to users (SPEC §2.1): the conflict rule and
// which tables hold identity edges. An edge is any row with both ids, in any table that has both
// columns, so the catalog decides; without one (`compile` offline) the Segment tables every
// warehouse has, plus the event tables the plan reads, stand in for "every table".
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
  let edgeTables: string[];
  const tableColumns: Record<string, string[]> = {};
  if (catalog.known) {
    edgeTables = [...catalog.tables.values()].filter((t) => needed.every((c) => t.columns.has(c))).map((t) => t.name);
    for (const name of tablesRead) {
      const table = catalog.tables.get(name);
      if (table) tableColumns[name] = [...table.columns.keys()];
    }
  } else {
    edgeTables = [tables.identifies, tables.groups, tables.tracks];
    for (const name of tablesRead) if (!edgeTables.includes(name)) edgeTables.push(name);
  }
  return { conflict: identity.conflict, edgeTables: edgeTables.sort(), tableColumns, onlyStitchedEvents: false };
}
