// Development aid for the benches: wraps the statement methods of a connection object so that each
// call reports its SQL, its wall time and the process's CPU time over it. Under a loaded machine
// the wall time is mostly waiting; the CPU time (user + system, every thread of the process, so the
// embedded DuckDB's workers too) is what the statement itself cost.
import { performance } from 'node:perf_hooks';

export type StatementTiming = (sql: string, ms: number, cpuMs: number) => void;

/** user + system CPU ms of this process since `since` (a process.cpuUsage() reading). */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Replaces `methods` of `target` (each taking the SQL text first) with timed versions. */
export function timeStatements(target: unknown, methods: readonly string[], report: StatementTiming): void {
  const t = target as Record<string, (sql: string, ...rest: unknown[]) => Promise<unknown>>;
  for (const method of methods) {
    const original = t[method].bind(t);
    t[method] = async (sql: string, ...rest: unknown[]) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      try {
        return await original(sql, ...rest);
      } finally {
        report(sql, performance.now() - started, cpuMsSince(cpu));
      }
    };
  }
}
