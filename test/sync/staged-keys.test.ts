// A run checks the staged rows for a key given twice only when a SQL trait is in its statement:
// the compiled SQL gives one row per entity of each definition, and the check's GROUP BY over every
// staged row cost seconds for 50 definitions at SF 1 (BENCHMARKS.md, "Incremental runs"). A SQL
// trait that repeats a key still stops the run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { removeTempDirs, runAt, tempDir } from './support/harness.js';
import { AS_OFS, writeProject } from './support/project.js';

afterAll(() => removeTempDirs());

/** Every login of a user, not one per user: a user who logged in twice by two methods has two values. */
const REPEATING_TRAIT = [
  'sql_trait: recent_method',
  'level: user',
  'sql: |',
  "  select user_id, method as recent_method from {{ source('logged_in') }}",
  '  where timestamp <= {{ as_of }}',
  '',
].join('\n');

async function failureOf(work: Promise<unknown>): Promise<DiagnosticsError> {
  const outcome = await work.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(outcome).toBeInstanceOf(DiagnosticsError);
  return outcome as DiagnosticsError;
}

describe('a SQL trait that gives one key two values', () => {
  it('stops the run at its evaluation, naming the key', async () => {
    const dir = await tempDir('staged-keys');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused' });
    await writeFile(path.join(dir, 'traits', 'recent_method.yml'), REPEATING_TRAIT);
    const error = await failureOf(runAt(dir, AS_OFS.at(-1)!));
    // the first definition whose staged rows repeat a user: the trait, or one that joins it
    expect(error.diagnostics.map((d) => [d.code, d.message])).toEqual([['duplicate_key', expect.stringMatching(/returned user_id ".+" more than once with different values$/)]]);
  });
});
