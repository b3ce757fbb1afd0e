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
    // the CI machine's two cores; the wire suites get a database per worker
    // (postgres-databases.global.ts), the other files make their own temp dirs and ports
    maxWorkers: 2,
    globalSetup: ['test/support/cli-bundle.global.ts', 'test/support/postgres-databases.global.ts', 'test/support/demo-project.global.ts'],
    setupFiles: ['test/support/postgres-worker-url.ts'],
    sequence: { sequencer: SlowestFirst },
  },
});
