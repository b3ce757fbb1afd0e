// makeFolders: the folders of the paths an operator names on the command line are made through it
// (src/files/make-folders.ts; a file destination's, by src/files/inside-project.ts).
// Under /proc, where Node's own recursive mkdir never settles, the CLI is tried as a child process
// with a time limit (test/cli/first-hour.test.ts), so that a regression fails instead of hanging.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolders } from '../../src/files/make-folders.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-folders-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeFolders', () => {
  it('makes every missing folder of a path, and leaves an existing one alone', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    await makeFolders(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await makeFolders(deep);
    await makeFolders(path.join(dir, 'a'));
    expect((await stat(deep)).isDirectory()).toBe(true);
  });

  it('many callers making the same folders at once all succeed', async () => {
    const deep = path.join(dir, 'together', 'x', 'y', 'z');
    await Promise.all(Array.from({ length: 8 }, () => makeFolders(deep)));
    expect((await stat(deep)).isDirectory()).toBe(true);
  });

  it('a file where a folder should be: ENOTDIR, with the path', async () => {
    const file = path.join(dir, 'plain.txt');
    await writeFile(file, 'x');
    await expect(makeFolders(path.join(file, 'inside'))).rejects.toMatchObject({ code: 'ENOTDIR', path: path.join(file, 'inside') });
  });
});
