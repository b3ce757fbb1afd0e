// The in-memory DuckDB of the engine tests. One thread: vitest runs a worker per core, and DuckDB's
// own pool of a thread per core in each of them made the workers wait on each other's threads.
import { IN_MEMORY, type DuckDbWarehouse } from '../../dialects/duckdb/duckdb-config.js';

export const TEST_DUCKDB: DuckDbWarehouse = { type: 'duckdb', path: IN_MEMORY, threads: 1 };
