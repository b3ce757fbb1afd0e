// The embedded DuckDB gives back what its finished statements freed (dialects/duckdb/duckdb-allocator.ts):
// its bundled allocator keeps freed pages for the whole process, and quorum's locked session cannot
// SET the settings whose change purges it, so an empty instance opened and closed beside it does.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { GROWTH, purgeAllocator } from '../../dialects/duckdb/duckdb-allocator.js';
import { IN_MEMORY } from '../../dialects/duckdb/duckdb-config.js';
import { openDuckDb } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';

const MB = 2 ** 20;
// A hash table of two million distinct 14-character keys (above the 12 DuckDB keeps inline), of
// which only the count is kept: everything it allocated is freed when the statement ends.
const DISTINCT_KEYS = "select count(*) as n from (select distinct 'user-' || lpad(cast(i as varchar), 9, '0') as k from range(2000000) t(i))";

describe('DuckDB gives freed memory back after a large statement', () => {
  it('an empty instance opened and closed beside a locked session purges what its statement freed', async () => {
    const instance = await DuckDBInstance.create(IN_MEMORY, { threads: '2', lock_configuration: 'true' });
    const session = await instance.connect();
    try {
      // the worker process may have run other files' DuckDB first (isolate: false): start from an
      // allocator holding no freed pages, as a fresh process's does
      await purgeAllocator();
      const before = process.memoryUsage.rss();
      expect((await session.runAndReadAll(DISTINCT_KEYS)).getRowObjectsJson()).toEqual([{ n: '2000000' }]);
      const kept = process.memoryUsage.rss();
      // the allocator kept what the statement freed (the premise; if DuckDB ever gives it back
      // itself, the purge is no longer needed)
      expect(kept - before).toBeGreaterThan(GROWTH);
      await expect(session.run("set memory_limit = '1GB'")).rejects.toThrow(/configuration has been locked/);
      await purgeAllocator();
      expect(kept - process.memoryUsage.rss()).toBeGreaterThan(GROWTH / 2);
      // the session and its settings are untouched
      expect((await session.runAndReadAll("select current_setting('threads') as t, 41 + 1 as x")).getRowObjectsJson()).toEqual([{ t: '2', x: 42 }]);
    } finally {
      session.closeSync();
      instance.closeSync();
    }
  });

  it("quorum's connection gives back what a statement freed once the process grew, and keeps its configuration locked", async () => {
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY, threads: 2 });
    try {
      const before = process.memoryUsage.rss();
      expect(await connection.query(DISTINCT_KEYS)).toEqual([{ n: '2000000' }]);
      expect(process.memoryUsage.rss() - before).toBeGreaterThan(GROWTH);
      await connection.releaseFreedMemory();
      expect(process.memoryUsage.rss() - before).toBeLessThan(GROWTH);
      await expect(connection.execute("set memory_limit = '1GB'")).rejects.toThrow(/configuration has been locked/);
      expect(await connection.query("select current_setting('threads') as t")).toEqual([{ t: '2' }]);
    } finally {
      await connection.close();
    }
  });
});
