// What an incremental run needs to know beyond the plan (SPEC §6.1): which column of each source
// table says when a row arrived, and how far behind the watermark a row may still land. The
// project's `source.arrival_time` / `incremental.arrival_lag` keys feed this interface
// (projectIncrementalSettings); where they are absent, the defaults below apply (docs/incremental.md).
import { DEFAULT_ARRIVAL_LAG_SECONDS } from '../definitions/parse-incremental.js';
import { PRESET_ARRIVAL_COLUMNS } from '../definitions/source-layout.js';
import type { Project, SourceLayout } from '../definitions/model.js';
import type { Catalog } from '../warehouse/catalog.js';

// Default `incremental.arrival_lag` (one hour) and the presets' arrival columns are the project's
// own (definitions/parse-incremental.ts, definitions/source-layout.ts), so they are written once.

export interface IncrementalSettings {
  /** The arrival column of a source table, or null when it has none (its scans run full). */
  arrivalColumn(table: string): string | null;
  readonly arrivalLagSeconds: number;
  /** A source column's type as the catalog knows it (the plan keeps only the tables its scans read). */
  columnType(table: string, column: string): string | undefined;
}

/**
 * The preset's arrival column: `uuid_ts` where the table has it, `received_at` otherwise
 * (`source.arrival_time`, when set, names one column for every table instead).
 */
export function incrementalSettings(catalog: Catalog, options: { arrivalTime?: string | null; arrivalLagSeconds?: number; preset?: SourceLayout['preset'] } = {}): IncrementalSettings {
  return {
    arrivalLagSeconds: options.arrivalLagSeconds ?? DEFAULT_ARRIVAL_LAG_SECONDS,
    columnType: (table, column) => catalog.tables.get(table)?.columns.get(column),
    arrivalColumn(table: string): string | null {
      const columns = catalog.tables.get(table)?.columns;
      if (options.arrivalTime) return columns === undefined || columns.get(options.arrivalTime) === 'timestamp' ? options.arrivalTime : null;
      if (columns === undefined) return null;
      return PRESET_ARRIVAL_COLUMNS[options.preset ?? 'segment'].find((c) => columns.get(c) === 'timestamp') ?? null;
    },
  };
}

/** The settings a project's quorum.yml gives (`source.arrival_time`, `incremental.arrival_lag`). */
export function projectIncrementalSettings(project: Project, catalog: Catalog): IncrementalSettings {
  const { source, incremental } = project.config;
  return incrementalSettings(catalog, { arrivalTime: source.arrivalTime ?? null, arrivalLagSeconds: incremental?.arrivalLagSeconds, preset: source.preset });
}
