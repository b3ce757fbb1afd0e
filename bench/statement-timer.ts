// Development aid for the benches: wraps the statement methods of a connection object so that each
// call reports its SQL and its time (for finding what a run spends its time on).
import { performance } from 'node:perf_hooks';

export type StatementTiming = (sql: string, ms: number) => void;

/** Replaces `methods` of `target` (each taking the SQL text first) with timed versions. */
export function timeStatements(target: unknown, methods: readonly string[], report: StatementTiming): void {
  const t = target as Record<string, (sql: string, ...rest: unknown[]) => Promise<unknown>>;
  for (const method of methods) {
    const original = t[method].bind(t);
    t[method] = async (sql: string, ...rest: unknown[]) => {
      const started = performance.now();
      try {
        return await original(sql, ...rest);
      } finally {
        report(sql, performance.now() - started);
      }
    };
  }
}
