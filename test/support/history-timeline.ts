// The four-load timeline of the hand-built histories that restricted runs are checked on
// (window-edge-history.ts, history-accounts.ts): loads an hour, then a day, apart, each followed by a
// run, so that a 1-day window's edge passes the first load's rows between runs 2 and 3. Stitching
// off and an hour of arrival_lag, as every restriction to dirty entities needs.
import type { Definition, IdentityConfig } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import { AS_OF, makeProject } from './arbitraries.js';
import type { WarehouseHistory } from './history-arbitraries.js';
import { withIdentity } from './identity-arbitraries.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.parse(AS_OF) - 3 * DAY;
export const iso = (ms: number) => new Date(ms).toISOString();

/** When each batch is loaded (its rows' uuid_ts). */
export const LOADS: readonly number[] = [T0 + 20 * MINUTE, T0 + 2 * HOUR, T0 + DAY + 2 * HOUR, T0 + DAY + 3 * HOUR];
const RUNS: readonly number[] = [T0 + 30 * MINUTE, T0 + 2 * HOUR, T0 + DAY + 2 * HOUR, T0 + DAY + 3 * HOUR];

/** The history of `batches` (one per load) with a run after each, stitching off, incremental on. */
export function timelineHistory(definitions: readonly Definition[], columns: Readonly<Record<string, Readonly<Record<string, LogicalType>>>>, batches: readonly Record<string, SourceRow[]>[]): WarehouseHistory {
  return incrementalHistory(definitions, { stitch: 'off', conflict: 'first' }, columns, batches, RUNS);
}

/** The history of `batches` with a run at each of `runs`, arriving by uuid_ts, incremental on with an hour of arrival_lag. */
export function incrementalHistory(
  definitions: readonly Definition[],
  identity: IdentityConfig,
  columns: Readonly<Record<string, Readonly<Record<string, LogicalType>>>>,
  batches: readonly Record<string, SourceRow[]>[],
  runs: readonly number[],
): WarehouseHistory {
  const project = withIdentity(makeProject(definitions, 'timestamp'), identity);
  return {
    project: { ...project, config: { ...project.config, incremental: { enabled: true, arrivalLagSeconds: 3600, fullEverySeconds: null, verifyEverySeconds: null } } },
    columns,
    batches: batches.map((rows) => ({ rows })),
    runs: runs.map(iso),
    arrival: 'uuid_ts',
  };
}
