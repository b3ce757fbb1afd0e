// Which of a run's statements hold the memory, and as what: with QUORUM_BENCH_STATEMENTS=1,
// bench/max-rss.ts wraps every statement quorum sends to an embedded DuckDB and writes, for each
// one that grew the process by `ROSE_MB` or took `SLOW_CPU_MS` of CPU, one JSON line to stderr:
// its RSS before, at its peak and after, its CPU, and the highest `duckdb_memory()` of each of
// DuckDB's tags while it ran (HASH_TABLE, IN_MEMORY_TABLE, ALLOCATOR, ORDER_BY, ...), read from a
// second connection of the same instance. The stage peaks of max-rss.ts said which stage holds the
// memory; rounds of BENCHMARKS.md then each wrote a throw-away probe to find the statement, and
// whether the memory was DuckDB's accounted buffers or what its allocator kept.
//
// The second connection's reads cost CPU and samples are 10 ms (RSS) and 50 ms (tags) apart, so
// read the CPU of a run measured this way as an upper bound, and its peaks as the order of things.
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import type { DuckDBConnection } from '@duckdb/node-api';

const MB = 2 ** 20;
const ROSE_MB = 8;
const SLOW_CPU_MS = 250;
const RSS_EVERY_MS = 10;
const TAGS_EVERY = 5;

export interface StatementMemory {
  /** the statement's first words */
  readonly statement: string;
  readonly rssMb: { readonly before: number; readonly peak: number; readonly after: number };
  readonly cpuMs: number;
  /** the highest memory DuckDB counted under each tag while the statement ran (`duckdb_memory()`) */
  readonly duckdbMb: Readonly<Record<string, number>>;
}

const cpuMs = () => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1000;
};
const mb = (bytes: number) => Math.round(bytes / MB);
/** For the report only: the statement's first 70 characters on one line. */
const firstWords = (sql: string) => sql.slice(0, 400).split('\n').map((line) => line.trim()).join(' ').slice(0, 70);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tagPeaks(monitor: DuckDBConnection, peaks: Map<string, number>): Promise<void> {
  const reader = await monitor.runAndReadAll('SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0');
  for (const [tag, bytes] of reader.getRows()) peaks.set(String(tag), Math.max(peaks.get(String(tag)) ?? 0, Number(bytes)));
}

/** Wraps `execute` and `query` of every DuckDB connection of this process; `report` gets the statements worth a line. */
export function watchStatements(report: (figure: StatementMemory) => void): void {
  const monitors = new WeakMap<DuckDbConnection, Promise<DuckDBConnection>>();
  const watched = <T>(original: (this: DuckDbConnection, sql: string) => Promise<T>) =>
    async function (this: DuckDbConnection, sql: string): Promise<T> {
      if (!monitors.has(this)) monitors.set(this, this.instance.connect());
      const monitor = await monitors.get(this)!;
      const before = process.memoryUsage.rss();
      const cpuBefore = cpuMs();
      const tags = new Map<string, number>();
      let peak = before;
      let finished = false;
      const running = original.call(this, sql).finally(() => {
        finished = true;
      });
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      for (let tick = 0; !finished; tick += 1) {
        await Promise.race([settled, pause(RSS_EVERY_MS)]);
        peak = Math.max(peak, process.memoryUsage.rss());
        if (!finished && tick % TAGS_EVERY === 0) await tagPeaks(monitor, tags);
      }
      try {
        return await running;
      } finally {
        const after = process.memoryUsage.rss();
        peak = Math.max(peak, after);
        const cpu = cpuMs() - cpuBefore;
        if (peak - before >= ROSE_MB * MB || cpu >= SLOW_CPU_MS) {
          report({
            statement: firstWords(sql),
            rssMb: { before: mb(before), peak: mb(peak), after: mb(after) },
            cpuMs: Math.round(cpu),
            duckdbMb: Object.fromEntries([...tags].map(([tag, bytes]) => [tag, mb(bytes)])),
          });
        }
      }
    };
  DuckDbConnection.prototype.execute = watched(DuckDbConnection.prototype.execute);
  DuckDbConnection.prototype.query = watched(DuckDbConnection.prototype.query);
}
