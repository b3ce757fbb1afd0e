import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // beforeAll hooks generate warehouses (the demo's took over 120 s at load 25 on the 2-core
    // machine while other work ran); a limit only detects a hang
    hookTimeout: 300_000,
    pool: 'forks',
    // Each worker process runs file after file instead of a fresh process per file: a file then
    // no longer re-imports vitest, DuckDB, PGlite and quorum's modules: one worker's CPU time was
    // 36.1 s isolated against 18.5 s for 24 small files (load 7), 102.9 s against 87.1 s for 17
    // others (load 10 to 15), 0.7 to 0.9 s a file. Test files are still evaluated afresh;
    // restore-env.ts undoes what a file's hooks put into process.env.
    isolate: false,
    // the CI machine's two cores; the wire suites get a database per worker
    // (postgres-databases.global.ts), the other files make their own temp dirs and ports
    maxWorkers: 2,
    globalSetup: ['test/support/cli-bundle.global.ts', 'test/support/postgres-databases.global.ts', 'test/support/demo-project.global.ts'],
    setupFiles: ['test/support/postgres-worker-url.ts', 'test/support/restore-env.ts'],
    sequence: { sequencer: SlowestFirst },
  },
});
