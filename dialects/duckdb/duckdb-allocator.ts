// Giving back to the system the memory that finished DuckDB statements freed.
//
// DuckDB allocates through the jemalloc it bundles, one allocator for the whole process, which keeps
// the pages a statement freed for later allocations. After the evaluation of a million users the
// process kept ~330 MB, and the run's state writes and delivery started from there (BENCHMARKS.md,
// "Peak memory below 300 MB"). DuckDB purges every arena (`Allocator::FlushAll`) in a few places of
// its own: when `memory_limit` or `threads` is SET, and when an instance starts or closes. quorum's
// sessions lock their configuration (the sandbox, SPEC §4), so the SETs are refused; an empty
// instance opened and closed beside the session purges the same process-wide allocator without
// touching the session or its settings. Delivery asks for it before its first page (deliver.ts).
// A purge costs 10-50 ms, so it is done only once the process has grown by `GROWTH` since the last
// one (or since its lowest point after it).
import { DuckDBInstance } from '@duckdb/node-api';
import { IN_MEMORY } from './duckdb-config.js';

/** RSS growth (bytes) below which a release does nothing. */
export const GROWTH = 64 * 2 ** 20;

export class AllocatorRelease {
  private baseline = process.memoryUsage.rss();

  /** Purges DuckDB's allocator if the process grew by `GROWTH`; whether it did. */
  async release(): Promise<boolean> {
    const rss = process.memoryUsage.rss();
    if (rss - this.baseline < GROWTH) {
      this.baseline = Math.min(this.baseline, rss);
      return false;
    }
    await purgeAllocator();
    this.baseline = process.memoryUsage.rss();
    return true;
  }
}

/**
 * Opens and closes an empty one-thread DuckDB, whose start and close purge every arena. Only
 * memory is at stake, so a purge that fails (no memory left to open even an empty instance) is
 * left for the statement's own error, if any, to report.
 */
export async function purgeAllocator(): Promise<void> {
  try {
    const empty = await DuckDBInstance.create(IN_MEMORY, { threads: '1' });
    empty.closeSync();
  } catch {
    // nothing purged; the next statement's end tries again
  }
}
