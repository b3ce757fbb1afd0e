// The worker's own database on the test PostgreSQL server (postgres-databases.global.ts makes
// them). A setup file: it runs before each test file is imported, so the suites, and the CLI
// children they start with the inherited environment, read the worker's URL from
// QUORUM_TEST_POSTGRES_URL as before.
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** one URL for each worker, VITEST_POOL_ID 1 first; null without a server */
    postgresWorkerUrls: string[] | null;
  }
}

const urls = inject('postgresWorkerUrls');
if (urls) {
  const worker = Number(process.env.VITEST_POOL_ID);
  const url = urls[worker - 1];
  if (url === undefined) throw new Error(`no test database for worker ${process.env.VITEST_POOL_ID ?? '(VITEST_POOL_ID unset)'}: ${urls.length} were made`);
  process.env.QUORUM_TEST_POSTGRES_URL = url;
}
