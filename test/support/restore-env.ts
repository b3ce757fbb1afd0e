// A setup file. vitest runs its workers with isolate: false (vitest.config.ts), so one process runs
// file after file, and a variable one file's hooks put into process.env (QUORUM_HTTP_BACKOFF_MS,
// say) would reach every later file of that worker. This beforeAll runs once the file's imports
// have run, before the file's own hooks: a module that sets a variable as it is imported sets it
// once per worker, and keeps it; whatever the file's hooks and tests changed is undone after it.
import { afterAll, beforeAll } from 'vitest';

let before: Readonly<Record<string, string | undefined>> = {};

beforeAll(() => {
  before = { ...process.env };
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(before, key)) delete process.env[key];
  for (const [key, value] of Object.entries(before)) if (process.env[key] !== value) process.env[key] = value;
});
