// Project files that are symbolic links (SPEC §8: every malformed file gets an error naming it).
// An audit on 5 December found a definition that linked to nothing, or to itself, skipped in
// silence ("16 definitions are valid"). A link may lead elsewhere inside the project; one that
// leaves it, or enters its .git folder, is refused, so that no error quotes the file it reaches
// (docs/security.md, "Paths from the project"). Real links in temp folders, `validate` in-process.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliIn } from '../sync/support/cli-in-process.js';
import { tempProject } from './fixture-helpers.js';

const CONFIG = 'destinations:\n  crm: { type: stdout }\n';
const AUDIENCE = 'audience: fine\nlevel: account\nwhere: { trait: plan, equals: pro }\n';
const TRAIT = 'computed_trait: logins\nlevel: user\ncompute: count\nevent: Logged In\n';
/** Not YAML: an error about it would quote this line in its code frame. */
const SECRET = 'AUTHORIZATION: basic c2VjcmV0LXRva2Vu: x\n';

function project(links: Record<string, string>, files: Record<string, string> = {}): string {
  const root = tempProject({ 'quorum.yml': CONFIG, 'audiences/fine.yml': AUDIENCE, ...files });
  for (const [file, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    symlinkSync(target, path.join(root, file));
  }
  return root;
}

/** A folder outside every project, holding `text` as secret.yml. */
function outsideFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quorum-outside-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'secret.yml'), text);
  return path.join(dir, 'secret.yml');
}

async function validate(root: string): Promise<{ code: number; stderr: string; stdout: string }> {
  return cliIn(root, 'validate', '--offline');
}

describe('a project file that is a broken link is an error naming it', () => {
  it('a definition linked to a missing file', async () => {
    const out = await validate(project({ 'traits/logins.yml': 'gone/x.yml' }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('traits/logins.yml:1:1 error[unreadable_file]: traits/logins.yml is a symbolic link to gone/x.yml, where there is no file.');
    expect(out.stderr).toContain('hint: replace the link with the definition file itself, or delete it');
    expect(out.stdout).not.toContain('valid');
  });

  it('a definition linked to itself, and two linked to each other', async () => {
    const out = await validate(project({ 'traits/self.yml': 'self.yml', 'audiences/a.yml': 'b.yml', 'audiences/b.yml': 'a.yml' }));
    expect(out.code).toBe(1);
    for (const file of ['audiences/a.yml', 'audiences/b.yml', 'traits/self.yml']) {
      expect(out.stderr).toContain(`${file}:1:1 error[unreadable_file]: ${file} is a symbolic link that never reaches a file: its links lead round in a loop.`);
    }
    expect(out.stderr).toContain('3 errors');
  });

  it('a test file linked to a missing file, at validate', async () => {
    const out = await validate(project({ 'tests/gone.test.yml': '../nowhere.test.yml' }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('tests/gone.test.yml:1:1 error[unreadable_file]: tests/gone.test.yml is a symbolic link to ../nowhere.test.yml, where there is no file.');
    expect(out.stderr).toContain('hint: replace the link with the test file itself, or delete it');
  });

  it('quorum.yml linked to a missing file is that, not a folder without quorum.yml', async () => {
    const root = tempProject({ 'audiences/fine.yml': AUDIENCE });
    symlinkSync('shared/quorum.yml', path.join(root, 'quorum.yml'));
    const out = await validate(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('quorum.yml:1:1 error[unreadable_file]: quorum.yml is a symbolic link to shared/quorum.yml, where there is no file.');
    expect(out.stderr).not.toContain('not_a_project');
  });

  it('a folder named like a definition', async () => {
    const out = await validate(project({}, { 'traits/folder.yml/inner.txt': 'x' }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('traits/folder.yml:1:1 error[unreadable_file]: traits/folder.yml is a folder, not a file.');
  });
});

describe('a link may not leave the project', () => {
  it('a definition linked to a file outside is refused, and nothing of that file is shown', async () => {
    const secret = outsideFile(SECRET);
    const out = await validate(project({ 'traits/logins.yml': secret }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`traits/logins.yml:1:1 error[unreadable_file]: traits/logins.yml leads through a symbolic link to ${secret}, outside the project folder`);
    expect(out.stderr).toContain('hint: copy the file into the project instead');
    expect(out.stderr).not.toContain('c2VjcmV0');
    expect(out.stderr).toContain('1 error');
  });

  it("a definition linked to the project's .git/config (where CI keeps its token) is refused", async () => {
    const out = await validate(project({ 'traits/logins.yml': '../.git/config' }, { '.git/config': SECRET }));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("traits/logins.yml leads through a symbolic link to ");
    expect(out.stderr).toContain("/.git/config, inside the project's .git folder.");
    expect(out.stderr).not.toContain('c2VjcmV0');
  });

  it('a definitions folder linked outside is refused file by file; so are test files and quorum.yml', async () => {
    const secret = outsideFile(SECRET);
    const root = tempProject({ 'audiences/fine.yml': AUDIENCE });
    symlinkSync(path.dirname(secret), path.join(root, 'traits'));
    symlinkSync(secret, path.join(root, 'quorum.yml'));
    const out = await validate(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('traits/secret.yml:1:1 error[unreadable_file]: traits/secret.yml leads through a symbolic link to');
    expect(out.stderr).toContain('quorum.yml:1:1 error[unreadable_file]: quorum.yml leads through a symbolic link to');
    expect(out.stderr).not.toContain('c2VjcmV0');
    const tests = await validate(project({ 'tests/x.test.yml': secret }));
    expect(tests.stderr).toContain('tests/x.test.yml:1:1 error[unreadable_file]: tests/x.test.yml leads through a symbolic link to');
    expect(tests.stderr).toContain('hint: copy the file into the project instead; quorum reads a test file only from inside the project');
    expect(tests.stderr).not.toContain('c2VjcmV0');
  });

  it('a link to a file elsewhere in the project is read, and a project folder that is itself a link is the operator’s', async () => {
    const root = project({ 'traits/logins.yml': '../shared/logins.yml' }, { 'shared/logins.yml': TRAIT });
    const out = await validate(root);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('2 definitions are valid');
    const link = `${root}-link`;
    symlinkSync(root, link);
    onTestFinished(() => rmSync(link));
    const linked = await validate(link);
    expect(linked.stdout).toContain('2 definitions are valid');
  });

  it('an error about a linked file inside the project quotes it as any other', async () => {
    const root = project({ 'traits/logins.yml': '../shared/logins.yml' }, { 'shared/logins.yml': `${TRAIT}colour: blue\n` });
    const out = await validate(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('traits/logins.yml:5:1 error[unknown_key]');
    expect(out.stderr).toContain('  5 | colour: blue');
  });
});
