// Vitest global setup: where this run keeps the one demo project its test files copy
// (test/support/demo-project.ts). Only the place: the first file that needs the project makes it,
// so a run of files that never use it pays nothing.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

export default function demoProjectCache(project: TestProject): () => Promise<void> {
  const dir = path.resolve(`node_modules/.cache/quorum-test-demo-${process.pid}-${randomBytes(3).toString('hex')}`);
  project.provide('demoProjectCache', dir);
  return () => rm(dir, { recursive: true, force: true });
}
