// A file destination writes inside the project only: quorum.yml comes in pull requests, and quorum
// runs with credentials on a scheduler host, where `path: ../../home/quorum/.bashrc` or a committed
// link `out -> /etc/cron.d` appended browser-supplied trait values to any file the process could
// write (and cut off its last line, when it did not end in a newline). The CLI as a child process,
// on real files and links in a temp folder; src/files/inside-project.ts holds the rules.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';
import { receiverForFile, tempDir } from '../sync/support/harness.js';
import { AS_OFS, writeProject } from '../sync/support/project.js';

const receiver = receiverForFile();

function quorum(dir: string, ...args: string[]) {
  return childOutput(spawn(process.execPath, cliArgs(...args, '--project', dir), { env: { ...process.env, QUORUM_DEBUG: '' } }));
}

/** A project whose definitions also sync to `audit`, and a folder beside it for the rest of the machine. */
async function projectWithAudit(name: string, audit: string): Promise<{ project: string; outside: string }> {
  const dir = await tempDir(name);
  const project = path.join(dir, 'project');
  const outside = path.join(dir, 'outside');
  await mkdir(project);
  await mkdir(outside);
  await writeProject(project, { endpoint: `${receiver().url}/${name}`, extraDestinations: { audit }, extraTargets: ['- to: audit'] });
  return { project, outside };
}

interface RunSummary {
  readonly delivered: Record<string, number>;
  readonly failed: Record<string, number>;
  readonly errors: string[];
}

async function runJson(project: string, asOf: string): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const r = await quorum(project, 'run', '--as-of', asOf, '--json');
  expect(r.stdout, r.stderr).toMatch(/^\{/);
  return { code: r.code, summary: JSON.parse(r.stdout) as RunSummary, stderr: r.stderr };
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

/** `quorum.yml:line:col` of `value`'s first appearance. */
async function placeOf(project: string, value: string): Promise<string> {
  const lines = (await readFile(path.join(project, 'quorum.yml'), 'utf8')).split('\n');
  const line = lines.findIndex((l) => l.includes(value));
  return `quorum.yml:${line + 1}:${lines[line].indexOf(value) + 1}`;
}

describe('a file destination outside the project is invalid input', () => {
  it('validate and run name the path: line, the resolved path, and how to fix it; nothing is written', async () => {
    const { project, outside } = await projectWithAudit('outside-path', '{ type: file, path: out/calls.ndjson }');
    const absolute = path.join(outside, 'cron.d', 'quorum');
    const yml = path.join(project, 'quorum.yml');
    await writeFile(
      yml,
      `${await readFile(yml, 'utf8')}  up: { type: file, path: ../outside/calls.ndjson }\n  abs: { type: file, path: ${absolute} }\n  fine: { type: file, path: ${path.join(project, 'out', 'absolute.ndjson')} }\n`,
    );
    const fix = 'hint: write a path inside the project, e.g. out/calls.ndjson; quorum.yml comes in pull requests, so a file destination writes nowhere else (docs/language.md, "destinations", says how to keep the calls elsewhere)';
    for (const command of [['validate'], ['validate', '--offline'], ['run', '--as-of', AS_OFS[1]]]) {
      const r = await quorum(project, ...command);
      expect(r.code, r.stderr).toBe(1);
      const up = `${await placeOf(project, '../outside/calls.ndjson')} error[invalid_value]: destination "up": "path" is "../outside/calls.ndjson", which resolves to ${path.join(outside, 'calls.ndjson')}, outside the project folder ${project}.`;
      const abs = `${await placeOf(project, absolute)} error[invalid_value]: destination "abs": "path" is "${absolute}", which resolves to ${absolute}, outside the project folder ${project}.`;
      expect(r.stderr).toContain(`${up}\n`);
      expect(r.stderr).toContain(`${abs}\n`);
      expect(r.stderr.split('\n').filter((l) => l === fix)).toHaveLength(2);
      // an absolute path inside the project is fine
      expect(r.stderr).not.toContain('destination "fine"');
      noStackTrace(r.stderr);
    }
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(project)).not.toContain('out');
  }, 60_000);
});
