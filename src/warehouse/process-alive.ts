// Whether a process of this host still runs, for what a process that died without cleaning up
// leaves behind (a run's lock, an in-memory DuckDB's spill folder).

/** Signal 0 checks without sending; EPERM means it runs, as another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}
