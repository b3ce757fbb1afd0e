// The table layout of a generated arrival history with a `uuid_ts` arrival column, for hand-built
// histories that must load into the same tables as the generated ones.
import fc from 'fast-check';
import type { SourceRow } from '../../src/reference/dataset.js';
import { arbWarehouseHistory, type WarehouseHistory } from './history-arbitraries.js';

export interface UuidTsLayout {
  readonly columns: WarehouseHistory['columns'];
  /** `row` with every other column of `table` null and `uuid_ts` at `loadedAt` (ms). */
  readonly filled: (table: string, row: SourceRow, loadedAt: number) => SourceRow;
}

export function uuidTsLayout(): UuidTsLayout {
  const template = fc.sample(arbWarehouseHistory({ sqlTraits: false }), { numRuns: 30, seed: 15 }).find((h) => h.arrival === 'uuid_ts');
  if (template === undefined) throw new Error('no generated history with uuid_ts to take the layout from');
  const { columns } = template;
  const filled = (table: string, row: SourceRow, loadedAt: number): SourceRow => ({
    ...Object.fromEntries(Object.keys(columns[table]).map((c) => [c, null])),
    ...row,
    uuid_ts: new Date(loadedAt).toISOString(),
  });
  return { columns, filled };
}
