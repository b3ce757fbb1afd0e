// The bundled CLI (scripts/bundle-cli.ts: what bin/quorum.js runs after `npm ci`) is the same
// program as the modules. Bundled here from source, so that it is never a stale dist/, it answers
// the demo project (a SQL trait read by DuckDB's parser inside the bundle, audiences, traits) with
// exactly the output and exit codes of the CLI from source, and a mistake is still a message.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDemoProject } from '../support/demo-project.js';
import { bundleCli } from '../../scripts/bundle-cli.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// inside the repository, where the packages the bundle leaves out resolve
const OUT = path.join(ROOT, 'node_modules/.cache/quorum-bundled-cli-test');
const RUNNER = path.join(OUT, 'quorum.mjs');

let dir: string;
let demo: string;
let bundled: readonly string[];

function bundledQuorum(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUNNER, ...args, '--project', demo], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, QUORUM_DEBUG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  bundled = await bundleCli(path.join(ROOT, 'src/cli/main.ts'), path.join(OUT, 'bundle'));
  await writeFile(RUNNER, "import { main } from './bundle/main.js';\nprocess.exitCode = await main(process.argv);\n");
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-bundled-cli-'));
  demo = path.join(dir, 'demo');
  await copyDemoProject(demo);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the bundled CLI', () => {
  it('bundles the packages every command loads, the DuckDB client among them', () => {
    expect(bundled).toEqual(['zod', 'yaml', 'commander', 'croner', '@duckdb/node-api']);
  });

  for (const args of [
    ['members', 'at_risk_accounts', '--as-of', '2024-06-01'],
    ['members', 'active_users_past_month', '--as-of', '2024-06-01', '--format', 'json'],
    ['preview', 'at_risk_accounts', '--as-of', '2024-06-01'],
    ['validate'],
    ['compile', 'at_risk_accounts', '--dialect', 'postgres', '--as-of', '2024-06-01'],
    ['members', 'at_risk_acounts', '--as-of', '2024-06-01'],
  ]) {
    it(`quorum ${args.join(' ')}: what the CLI from source prints, with its exit code`, async () => {
      const bundle = await bundledQuorum(args);
      const source = await cliIn(demo, ...args);
      expect(bundle.code).toBe(source.code);
      expect(bundle.stdout).toBe(source.stdout);
      expect(bundle.stderr).toBe(source.stderr);
      expect(bundle.stdout + bundle.stderr).not.toMatch(/^\s+at /m);
    }, 60_000);
  }

  it('says a usage mistake as the CLI from source does (exit 2)', async () => {
    const bundle = await bundledQuorum(['members']);
    expect(bundle.code).toBe(2);
    expect(bundle.stderr).toContain("error: missing required argument 'name'");
  });
});
