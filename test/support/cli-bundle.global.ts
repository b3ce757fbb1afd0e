// Vitest global setup: the test CLI (test/sync/support/quorum-cli.ts) bundled once per test run,
// for the test files that start it as a child process. Under `node --import tsx` every child
// compiled the sources again; the bundle starts on less than half the CPU time (1.1 s against
// 2.5 s user for `validate --offline`, medians of five on the 2-core CI machine at load 24).
// The directory is this run's own (pid and random bytes), so parallel runs never share a file.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

export default async function bundleCli(project: TestProject): Promise<() => Promise<void>> {
  const dir = path.resolve(`node_modules/.cache/quorum-test-cli-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  // splitting keeps the connectors' dynamic imports lazy, as the installed CLI keeps them
  await build({
    entryPoints: ['test/sync/support/quorum-cli.ts'],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  project.provide('quorumCli', path.join(dir, 'quorum-cli.mjs'));
  return () => rm(dir, { recursive: true, force: true });
}
