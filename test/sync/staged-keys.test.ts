// A run checks every SQL trait its statement reads for a key given twice, before it stages
// anything: the compiled SQL gives one row per entity of every other definition. The error names
// the SQL trait, also when the run evaluates only an audience that reads it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run } from '../../src/sync/run.js';
import { FAST_RETRY, removeTempDirs, runAt, tempDir } from './support/harness.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, makeDataset, writeProject } from './support/project.js';

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

/** An audience that reads the repeating trait: run alone, it is the only definition staged. */
const READER = ['audience: sso_users', 'level: user', 'where:', '  - { trait: recent_method, equals: sso }', ''].join('\n');

const REPEATED_KEY = /^SQL trait "recent_method" returned user_id ".+" more than once with different values$/;

describe('a SQL trait that gives one key two values', () => {
  it('stops the run at its evaluation, naming the trait and the key', async () => {
    const dir = await tempDir('staged-keys');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused' });
    await writeFile(path.join(dir, 'traits', 'recent_method.yml'), REPEATING_TRAIT);
    const error = await failureOf(runAt(dir, AS_OFS.at(-1)!));
    expect(error.diagnostics.map((d) => [d.code, d.message])).toEqual([['duplicate_key', expect.stringMatching(REPEATED_KEY)]]);
    expect(error.diagnostics[0].loc?.file).toMatch(/recent_method\.yml$/);
  });

  it('stops a run of only an audience that reads it, naming the trait, not the audience', async () => {
    const dir = await tempDir('staged-keys-reader');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused' });
    await writeFile(path.join(dir, 'traits', 'recent_method.yml'), REPEATING_TRAIT);
    await writeFile(path.join(dir, 'audiences', 'sso_users.yml'), READER);
    const error = await failureOf(runAt(dir, AS_OFS.at(-1)!, { definitions: ['sso_users'] }));
    expect(error.diagnostics.map((d) => [d.code, d.message])).toEqual([['duplicate_key', expect.stringMatching(REPEATED_KEY)]]);
  });

  it('stops the run on Postgres too, where the trait runs in a read-only transaction first', async () => {
    const dir = await tempDir('staged-keys-pglite');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused', noWarehouse: true });
    await writeFile(path.join(dir, 'traits', 'recent_method.yml'), REPEATING_TRAIT);
    await writeFile(path.join(dir, 'audiences', 'sso_users.yml'), READER);
    const project = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
    const connection = await PgliteConnection.open(postgres);
    try {
      await loadIntoPostgres(connection.db, 'app', makeDataset({ users: 24, logins: 120 }));
      const catalog = await readCatalog(connection, project);
      const work = run({ connection, project, catalog, asOf: AS_OFS.at(-1)!, definitions: ['sso_users'], destinationOptions: { retry: FAST_RETRY, maxCalls: 30 } });
      const error = await failureOf(work);
      expect(error.diagnostics.map((d) => [d.code, d.message])).toEqual([['duplicate_key', expect.stringMatching(REPEATED_KEY)]]);
    } finally {
      await connection.close();
    }
  });
});
