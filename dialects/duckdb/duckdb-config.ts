// quorum.yml's `warehouse:` for DuckDB: one file, relative to the project, or `:memory:`.
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { WarehouseConfigSpec } from '../../src/definitions/parse-warehouse.js';

export interface DuckDbWarehouse extends WarehouseConfig {
  readonly type: 'duckdb';
  /** Absolute after loading; ":memory:" stays as written. */
  readonly path: string;
}

export const IN_MEMORY = ':memory:';

export const duckDbConfig: WarehouseConfigSpec<DuckDbWarehouse> = {
  keys: {
    path: { optional: true, description: 'duckdb: the database file, relative to the project; default warehouse.duckdb' },
  },
  parse(section) {
    const file = section.optionalText('path');
    if (file === null) return null;
    if (file === undefined) return { type: 'duckdb', path: section.projectPath('warehouse.duckdb') };
    return { type: 'duckdb', path: file === IN_MEMORY ? file : section.projectPath(file) };
  },
  secrets: () => [],
};
