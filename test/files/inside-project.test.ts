// A file destination's path comes from quorum.yml, which a pull request controls: it may name a
// file inside the project only (src/files/inside-project.ts).
// The CLI's side is test/cli/file-destination-paths.test.ts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { misplacedWrite } from '../../src/files/inside-project.js';

describe('misplacedWrite', () => {
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
    expect(misplacedWrite(root, path.resolve(root, file))).toBe(expected);
  });
});
