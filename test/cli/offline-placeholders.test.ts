// `validate --offline` and `compile` never connect, so a `${VAR}` of quorum.yml that CI does not set
// reads as a placeholder there, as under `quorum test` (docs/operating.md, docs/testing.md's CI
// advice); the online `validate`, which connects, still says missing_env. An audit on 5 December
// found `validate --offline` failing with missing_env on a project with ${DATABASE_URL}.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { writeProject } from '../sync/support/project.js';

afterAll(() => removeTempDirs());

async function quorum(dir: string, ...args: string[]) {
  const env = { ...process.env };
  for (const name of ['QUORUM_UNSET_DATABASE_URL', 'QUORUM_TEST_WRITE_KEY']) delete env[name];
  return childOutput(spawn(process.execPath, cliArgs(...args, '--project', dir), { env }));
}

describe('commands that never connect read unset ${VAR}s as placeholders', () => {
  it('validate --offline and compile pass; validate names the variable', async () => {
    const dir = await tempDir('offline-placeholders');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9', noWarehouse: true });
    const yml = path.join(dir, 'quorum.yml');
    const text = await readFile(yml, 'utf8');
    await writeFile(yml, text.replace(/warehouse:\n {2}type: duckdb\n {2}path: warehouse.duckdb/, 'warehouse:\n  type: postgres\n  url: ${QUORUM_UNSET_DATABASE_URL}'));
    const offline = await quorum(dir, 'validate', '--offline');
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('definitions are valid (offline');
    const compiled = await quorum(dir, 'compile', 'logins_3d');
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain('SELECT');
    const online = await quorum(dir, 'validate');
    expect(online.code).toBe(1);
    expect(online.stderr).toMatch(/error\[missing_env\]: .*QUORUM_(UNSET_DATABASE_URL|TEST_WRITE_KEY)/);
  }, 60_000);
});
