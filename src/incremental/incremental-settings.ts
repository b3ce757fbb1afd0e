// What an incremental run needs to know beyond the plan (SPEC §6.1): which column of each source
// table says when a row arrived, and how far behind the watermark a row may still land. The
// project's `source.arrival_time` / `incremental.arrival_lag` keys feed this interface; until
// they are parsed, the defaults below apply (docs/incremental.md).
import type { Catalog } from '../warehouse/catalog.js';

/** The grain of the partials: one UTC day. Changing it changes every partial table's name. */
export const BUCKET_SECONDS = 86_400;

/**
 * Default `incremental.arrival_lag`: one hour. Segment's and RudderStack's warehouse loaders
 * write a batch at a time, so rows of one sync land out of `uuid_ts` / `received_at` order by
 * at most the length of a sync; an hour covers their usual schedules. 0 would make every
 * out-of-order load drift, which the contract does not allow.
 */
export const DEFAULT_ARRIVAL_LAG_SECONDS = 3_600;

/** Load-time columns of the segment / rudderstack presets, best first. */
export const PRESET_ARRIVAL_COLUMNS = ['uuid_ts', 'received_at'] as const;

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
export function incrementalSettings(catalog: Catalog, options: { arrivalTime?: string | null; arrivalLagSeconds?: number } = {}): IncrementalSettings {
  return {
    arrivalLagSeconds: options.arrivalLagSeconds ?? DEFAULT_ARRIVAL_LAG_SECONDS,
    columnType: (table, column) => catalog.tables.get(table)?.columns.get(column),
    arrivalColumn(table: string): string | null {
      const columns = catalog.tables.get(table)?.columns;
      if (options.arrivalTime) return columns === undefined || columns.get(options.arrivalTime) === 'timestamp' ? options.arrivalTime : null;
      if (columns === undefined) return null;
      return PRESET_ARRIVAL_COLUMNS.find((c) => columns.get(c) === 'timestamp') ?? null;
    },
  };
}
