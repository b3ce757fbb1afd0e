// A file destination's path comes from quorum.yml, which a pull request controls: it may name a
// file inside the project only, reached through real folders (src/files/inside-project.ts).
// Real files and links in a temp folder; the CLI's side is test/cli/file-destination-paths.test.ts.
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { misplacedPath, openInsideProject, RefusedPath } from '../../src/files/inside-project.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';

afterAll(() => removeTempDirs());

/** A project folder and a folder beside it that stands for the rest of the machine. */
async function projectAndOutside(name: string): Promise<{ project: string; outside: string }> {
  const dir = await tempDir(name);
  const project = path.join(dir, 'project');
  const outside = path.join(dir, 'outside');
  await mkdir(project);
  await mkdir(outside);
  return { project, outside };
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(RefusedPath);
  return (error as RefusedPath).message;
}

describe('misplacedPath', () => {
  const root = path.join(path.sep, 'srv', 'project');
  it.each([
    ['out/calls.ndjson', null],
    ['calls.ndjson', null],
    ['out/../calls.ndjson', null],
    [path.join(root, 'out', 'calls.ndjson'), null],
    ['out/.github/calls.ndjson', null],
    ['../calls.ndjson', 'outside'],
    ['out/../../calls.ndjson', 'outside'],
    // a sibling whose name starts with the project's is outside, not inside
    ['../project-other/calls.ndjson', 'outside'],
    ['/etc/cron.d/quorum', 'outside'],
    ['.', 'the_project'],
    ['out/..', 'the_project'],
    ['.git/hooks/post-merge', 'git'],
    ['.GIT/hooks/post-merge', 'git'],
    ['sub/.git/config', 'git'],
  ])('%s: %s', (file, expected) => {
    expect(misplacedPath(root, path.resolve(root, file))).toBe(expected);
  });
});

describe('openInsideProject', () => {
  it('makes the missing folders and opens the file to append, inside the project', async () => {
    const { project } = await projectAndOutside('inside');
    const file = path.join(project, 'out', 'deep', 'calls.ndjson');
    for (const line of ['a\n', 'b\n']) {
      const handle = await openInsideProject(project, file);
      await handle.appendFile(line);
      await handle.close();
    }
    expect(await readFile(file, 'utf8')).toBe('a\nb\n');
  });

  it('refuses a folder that is a symbolic link leaving the project, and makes nothing there', async () => {
    const { project, outside } = await projectAndOutside('linked-folder');
    await symlink(outside, path.join(project, 'out'));
    const message = await refusal(openInsideProject(project, path.join(project, 'out', 'deep', 'calls.ndjson')));
    expect(message).toBe(`${path.join(project, 'out')} is a symbolic link; a file destination writes only to a real file through real folders inside the project (replace the link with a folder)`);
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a deeper folder that is a link, and a link that stays inside the project too', async () => {
    const { project } = await projectAndOutside('linked-inside');
    await mkdir(path.join(project, 'data'));
    await mkdir(path.join(project, 'out'));
    await symlink(path.join(project, 'data'), path.join(project, 'out', 'today'));
    const message = await refusal(openInsideProject(project, path.join(project, 'out', 'today', 'calls.ndjson')));
    expect(message).toContain(`${path.join(project, 'out', 'today')} is a symbolic link`);
    expect(await readdir(path.join(project, 'data'))).toEqual([]);
  });

  it('refuses a file that is a symbolic link, and leaves its target as it was', async () => {
    const { project, outside } = await projectAndOutside('linked-file');
    const target = path.join(outside, '.bashrc');
    // no newline at the end: a file destination would have cut this line off (dropTornLine)
    await writeFile(target, 'export PATH=/usr/bin\nalias ll="ls -l"');
    const before = await stat(target);
    await mkdir(path.join(project, 'out'));
    await symlink(target, path.join(project, 'out', 'calls.ndjson'));
    const message = await refusal(openInsideProject(project, path.join(project, 'out', 'calls.ndjson')));
    expect(message).toBe(`${path.join(project, 'out', 'calls.ndjson')} is a symbolic link; a file destination writes only to a real file through real folders inside the project (replace the link with a file)`);
    expect(await readFile(target, 'utf8')).toBe('export PATH=/usr/bin\nalias ll="ls -l"');
    expect((await stat(target)).mtimeMs).toBe(before.mtimeMs);
  });

  it('refuses a path outside the project however it is written, before touching the disk', async () => {
    const { project, outside } = await projectAndOutside('outside');
    for (const file of [path.join(outside, 'calls.ndjson'), path.join(project, '..', 'outside', 'new', 'calls.ndjson'), path.join(project, '.git', 'hooks', 'post-merge')]) {
      expect(await refusal(openInsideProject(project, file))).toBe(`it is not a place inside the project ${project} that quorum writes to`);
    }
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(project)).toEqual([]);
  });

  it('takes a project folder reached through a link of its own (the operator chose it)', async () => {
    const { project, outside } = await projectAndOutside('linked-root');
    const alias = path.join(outside, 'current');
    await symlink(project, alias);
    const handle = await openInsideProject(alias, path.join(alias, 'out', 'calls.ndjson'));
    await handle.appendFile('a\n');
    await handle.close();
    expect(await readFile(path.join(project, 'out', 'calls.ndjson'), 'utf8')).toBe('a\n');
  });
});
