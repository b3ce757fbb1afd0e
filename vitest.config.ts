import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // beforeAll hooks generate warehouses (the demo's took over 120 s at load 25 on the 2-core
    // machine while other work ran); a limit only detects a hang
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['test/support/cli-bundle.global.ts', 'test/support/postgres-databases.global.ts', 'test/support/demo-project.global.ts'],
    setupFiles: ['test/support/postgres-worker-url.ts'],
  },
});
