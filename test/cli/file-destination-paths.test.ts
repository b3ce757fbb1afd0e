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

describe('a file destination refuses to write through a symbolic link', () => {
  it('a linked folder: delivery fails, nothing is made outside, and the calls go out once the link is gone', async () => {
    const { project, outside } = await projectWithAudit('linked-folder', '{ type: file, path: out/calls.ndjson }');
    await symlink(outside, path.join(project, 'out'));
    const first = await runJson(project, AS_OFS[1]);
    expect(first.code).toBe(1);
    const waiting = first.summary.failed.audit;
    expect(waiting).toBeGreaterThan(0);
    expect(first.summary.delivered.audit ?? 0).toBe(0);
    expect(first.summary.delivered.hook).toBeGreaterThan(0);
    const refused = `destination "audit": will not append to ${path.join(project, 'out', 'calls.ndjson')}: ${path.join(project, 'out')} is a symbolic link; a file destination writes only to a real file through real folders inside the project (replace the link with a folder); ${waiting} calls wait in the outbox for the next run`;
    expect(first.summary.errors).toEqual([refused]);
    expect(first.stderr).toContain(`error[delivery_failed]: ${refused}`);
    noStackTrace(first.stderr);
    expect(await readdir(outside)).toEqual([]);
    const history = await quorum(project, 'history', '--json');
    expect(history.stdout).toContain(JSON.stringify(refused));

    await rm(path.join(project, 'out'));
    const second = await runJson(project, AS_OFS[1]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.summary.delivered.audit).toBe(waiting);
    const lines = (await readFile(path.join(project, 'out', 'calls.ndjson'), 'utf8')).trim().split('\n');
    expect(new Set(lines.map((l) => (JSON.parse(l) as { messageId: string }).messageId)).size).toBe(waiting);
  }, 60_000);

  it('a linked file: delivery fails and its target keeps every byte, the last line too', async () => {
    const { project, outside } = await projectWithAudit('linked-file', '{ type: file, path: out/calls.ndjson }');
    const target = path.join(outside, '.bashrc');
    const precious = 'export PATH=/usr/bin\nalias ll="ls -l"';
    await writeFile(target, precious);
    const before = await stat(target);
    await mkdir(path.join(project, 'out'));
    await symlink(target, path.join(project, 'out', 'calls.ndjson'));
    const first = await runJson(project, AS_OFS[1]);
    expect(first.code).toBe(1);
    const waiting = first.summary.failed.audit;
    expect(waiting).toBeGreaterThan(0);
    expect(first.summary.errors).toEqual([
      `destination "audit": will not append to ${path.join(project, 'out', 'calls.ndjson')}: ${path.join(project, 'out', 'calls.ndjson')} is a symbolic link; a file destination writes only to a real file through real folders inside the project (replace the link with a file); ${waiting} calls wait in the outbox for the next run`,
    ]);
    noStackTrace(first.stderr);
    expect(await readFile(target, 'utf8')).toBe(precious);
    expect((await stat(target)).mtimeMs).toBe(before.mtimeMs);

    await rm(path.join(project, 'out', 'calls.ndjson'));
    const second = await runJson(project, AS_OFS[1]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.summary.delivered.audit).toBe(waiting);
    expect((await readFile(path.join(project, 'out', 'calls.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(waiting);
    expect(await readFile(target, 'utf8')).toBe(precious);
  }, 60_000);
});
