// quorum.yml's `warehouse:` for DuckDB: one file, relative to the project, or `:memory:`; and the
// embedded engine's memory and threads, which DuckDB takes only when the instance opens (quorum
// locks its configuration right after).
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { WarehouseConfigSpec } from '../../src/definitions/parse-warehouse.js';

export interface DuckDbWarehouse extends WarehouseConfig {
  readonly type: 'duckdb';
  /** Absolute after loading; ":memory:" stays as written. */
  readonly path: string;
  /** DuckDB's `memory_limit`, as written (e.g. "200MB"); absent: DuckDB's default, 80% of RAM. */
  readonly memoryLimit?: string;
  /** DuckDB's `threads`; absent: one per core. */
  readonly threads?: number;
}

export const IN_MEMORY = ':memory:';

/**
 * The units DuckDB's size settings accept, lower-cased, in bytes: decimal (KB = 1000) and binary
 * (KiB = 1024). https://duckdb.org/docs/configuration/overview
 */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1, byte: 1, bytes: 1,
  k: 1e3, kb: 1e3, kilobyte: 1e3, kilobytes: 1e3,
  m: 1e6, mb: 1e6, megabyte: 1e6, megabytes: 1e6,
  g: 1e9, gb: 1e9, gigabyte: 1e9, gigabytes: 1e9,
  t: 1e12, tb: 1e12, terabyte: 1e12, terabytes: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** Bytes of a DuckDB size such as "200MB" or "1.5 GiB"; null when DuckDB would refuse it or it is zero. */
export function duckDbSizeBytes(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(text);
  if (!match) return null;
  const unit = SIZE_UNITS[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(match[1]) * unit;
  return bytes >= 1 ? bytes : null;
}

export const duckDbConfig: WarehouseConfigSpec<DuckDbWarehouse> = {
  keys: {
    path: { optional: true, description: 'duckdb: the database file, relative to the project; default warehouse.duckdb' },
    memory_limit: {
      optional: true,
      form: 'size',
      description: 'duckdb: the most memory the embedded engine may hold, e.g. 200MB or 1GB; beyond it DuckDB spills to a folder beside the database file (default: 80% of RAM)',
    },
    threads: { optional: true, form: 'whole_number', description: "duckdb: how many threads the embedded engine runs queries on (default: one per core)" },
  },
  parse(section) {
    const file = section.optionalText('path');
    // a placeholder for an unset ${VAR} (offline commands; read first) is no setting: DuckDB's default stands in
    const setting = (key: string) => {
      const text = section.optionalText(key);
      return section.isPlaceholder(key) ? undefined : text;
    };
    const memoryLimit = setting('memory_limit');
    const threadsText = setting('threads');
    let ok = file !== null && memoryLimit !== null && threadsText !== null;
    if (typeof memoryLimit === 'string' && duckDbSizeBytes(memoryLimit) === null) {
      ok = section.invalid('memory_limit', `is "${memoryLimit}", which is not a size DuckDB reads`, 'write a number and a unit, e.g. 200MB, 1.5GB or 512MiB') ?? false;
    }
    let threads: number | undefined;
    if (typeof threadsText === 'string') {
      threads = /^\s*\d+\s*$/.test(threadsText) ? Number(threadsText) : 0;
      if (!Number.isSafeInteger(threads) || threads < 1) {
        ok = section.invalid('threads', `is "${threadsText}", not a whole number of at least 1`, 'write how many threads DuckDB may use, e.g. 2; leave it out for one per core') ?? false;
      }
    }
    if (!ok || file === null) return null;
    const where = file === undefined ? section.projectPath('warehouse.duckdb') : file === IN_MEMORY ? file : section.projectPath(file);
    return {
      type: 'duckdb',
      path: where,
      ...(typeof memoryLimit === 'string' ? { memoryLimit: memoryLimit.trim() } : {}),
      ...(threads === undefined ? {} : { threads }),
    };
  },
  secrets: () => [],
};
