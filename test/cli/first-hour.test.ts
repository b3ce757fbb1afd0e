// The first hour of a new user, as a child process on the demo project: every common mistake gets
// its exact message, hint and exit code (SPEC §7: 1 invalid input, 2 usage), and never a stack
// trace, a "bug in quorum" for the user's own mistake, or a dependency's warning.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli-bundle.js';
import { copyDemoProject } from '../support/demo-project.js';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let demo: string;

function quorum(args: readonly string[], cwd = demo, timeout = 0): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliArgs(...args), { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, QUORUM_DEBUG: '' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Nothing a person should not see: no stack frame, no bug report request, no dependency noise. */
function expectClean(r: Result): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(/^\s+at /m);
  expect(all).not.toContain('bug in quorum');
  expect(all).not.toMatch(/Warning|DEP0\d+|deprecat|Unhandled/i);
}

async function withEdit(file: string, from: string, to: string, body: (project: string) => Promise<void>): Promise<void> {
  const project = await mkdtemp(path.join(dir, 'edit-'));
  await cp(demo, project, { recursive: true });
  const target = path.join(project, file);
  const text = await readFile(target, 'utf8');
  expect(text).toContain(from);
  await writeFile(target, text.replace(from, to));
  await body(project);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-first-hour-'));
  demo = path.join(dir, 'demo');
  await copyDemoProject(demo);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a misspelt definition name', () => {
  const hint = 'hint: did you mean "at_risk_accounts"? (the project defines: ';
  for (const args of [
    ['members', 'at_risk_acounts'],
    ['preview', 'at_risk_acounts'],
    ['explain', 'at_risk_acounts', 'acc_0016'],
    ['compile', 'at_risk_acounts'],
    ['run', 'at_risk_acounts', '--dry-run'],
  ]) {
    it(`quorum ${args.join(' ')}: exit 1 with did you mean`, async () => {
      const r = await quorum([...args, '--as-of', '2024-06-01']);
      expect(r.code).toBe(1);
      const verb = args[0] === 'run' ? 'matches' : 'is named';
      expect(r.stderr).toContain(`error[unknown_reference]: no definition ${verb} "at_risk_acounts"\n${hint}`);
      expectClean(r);
    });
  }

  it('quorum history at_risk_acounts: exit 1, not an empty history', async () => {
    const r = await quorum(['history', 'at_risk_acounts']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[unknown_reference]: no definition is named "at_risk_acounts", and no run recorded one\n' + hint);
    expectClean(r);
  });
});

describe('--as-of takes only real instants (exit 2)', () => {
  for (const [text, problem] of [
    ['2024-02-30', 'is not a real date: February 2024 has 29 days.'],
    ['2023-02-29', 'is not a real date: February 2023 has 28 days.'],
    ['2024-13-01', 'has month 13; months run from 01 to 12.'],
    ['yesterday', 'is not a date or an ISO-8601 timestamp.'],
  ]) {
    it(text, async () => {
      const r = await quorum(['members', 'at_risk_accounts', '--as-of', text]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error[usage]: --as-of "${text}" ${problem}\nhint: write a date (2024-06-01, midnight UTC) or an ISO-8601 instant`);
      expectClean(r);
    });
  }

  it('a leap day runs', async () => {
    const r = await quorum(['members', 'at_risk_accounts', '--as-of', '2024-02-29']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('id');
  });
});

describe('definition mistakes', () => {
  it('compile runs the offline checks: a misspelt trait is refused, the caret under the name', async () => {
    await withEdit('audiences/at_risk_accounts.yml', 'trait: logins_past_30_days, lt', 'trait: logins_past_30_dyas, lt', async (project) => {
      const r = await quorum(['compile', 'at_risk_accounts', '--project', project]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('audiences/at_risk_accounts.yml:10:16 error[unknown_reference]: account-level audience "at_risk_accounts" uses trait "logins_past_30_dyas"');
      expect(r.stderr).toContain(
        '  10 |     - { trait: logins_past_30_dyas, lt: 10 }            # account-level computed trait\n' +
          '     |                ^^^^^^^^^^^^^^^^^^^\n' +
          'hint: did you mean "logins_past_30_days"? If it really is a column of the warehouse, run quorum compile --catalog to check it there.',
      );
      expectClean(r);
    });
  });

  it('less_than gets one error that points to lt', async () => {
    await withEdit('audiences/at_risk_accounts.yml', 'lt: 10', 'less_than: 10', async (project) => {
      const r = await quorum(['validate', '--offline', '--project', project]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('audiences/at_risk_accounts.yml:10:37 error[unknown_key]: in audience "at_risk_accounts": a trait condition has an unknown key "less_than".');
      expect(r.stderr).toContain('hint: did you mean "lt"?');
      expect(r.stderr).not.toContain('has no operator');
      expect(r.stderr.trim().endsWith('1 error')).toBe(true);
      expectClean(r);
    });
  });

  it('a misspelt --columns trait', async () => {
    const r = await quorum(['members', 'power_users', '--columns', 'emial', '--as-of', '2024-06-01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[unknown_reference]: --columns "emial" is not a user-level trait, nor a column of identifies (a custom trait).\nhint: did you mean "email"?');
    expectClean(r);
  });

  it('--columns naming no account-level trait: the traits in the hint, not the columns of the call', async () => {
    const r = await quorum(['members', 'at_risk_accounts', '--columns', 'valeu', '--as-of', '2024-06-01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[unknown_reference]: --columns "valeu" is not an account-level trait, nor a column of groups (a custom trait).\nhint: the account-level traits are: ');
    const listed = /the account-level traits are: (.*)\n/.exec(r.stderr)![1].split(', ');
    expect(listed).toEqual(expect.arrayContaining(['logins_past_30_days', 'plan', 'industry']));
    for (const column of ['id', 'user_id', 'anonymous_id', 'group_id', 'timestamp', 'received_at']) expect(listed).not.toContain(column);
    expectClean(r);
  });

  it('--columns naming a column the output has already is a usage error, not a column dropped without a word', async () => {
    const audience = await quorum(['members', 'at_risk_accounts', '--columns', 'plan,id', '--as-of', '2024-06-01']);
    expect(audience.code).toBe(2);
    expect(audience.stdout).toBe('');
    expect(audience.stderr).toContain('error[usage]: --columns "id" names the column of the member id, which every row has already\nhint: leave "id" out of --columns');
    const trait = await quorum(['members', 'logins_past_30_days', '--columns', 'value', '--as-of', '2024-06-01']);
    expect(trait.code).toBe(2);
    expect(trait.stderr).toContain(`error[usage]: --columns "value" names the column of the trait's value, which every row has already`);
  });

  it('a quorum.yml that is a folder is said to be one', async () => {
    const project = await mkdtemp(path.join(dir, 'config-folder-'));
    await mkdir(path.join(project, 'quorum.yml'));
    const r = await quorum(['validate', '--project', project]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[not_a_project]: ${project}/quorum.yml is a folder, not a file.\nhint: quorum reads the project's settings from a file named quorum.yml`);
    expectClean(r);
  });

  it('--project naming a file', async () => {
    const r = await quorum(['validate', '--project', path.join(demo, 'quorum.yml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[not_a_project]: ${path.join(demo, 'quorum.yml')} is a file, not a project folder.\nhint: point --project at the folder that holds quorum.yml`);
    expectClean(r);
  });

  it('a folder without quorum.yml has its own code', async () => {
    const r = await quorum(['validate', '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[not_a_project]: no quorum.yml in ${dir}, so this is not a quorum project.`);
    expectClean(r);
  });
});

describe('usage mistakes (exit 2)', () => {
  it('a misspelt dialect', async () => {
    const r = await quorum(['compile', 'at_risk_accounts', '--dialect', 'snowflak']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: option '--dialect <dialect>' argument 'snowflak' is invalid. "snowflak" is not one of duckdb, postgres, bigquery, snowflake. Did you mean "snowflake"?`);
    expectClean(r);
  });

  it('a misspelt command', async () => {
    const r = await quorum(['previw', 'at_risk_accounts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'previw'\n(Did you mean preview?)");
    expectClean(r);
  });

  it('a misspelt help topic', async () => {
    const r = await quorum(['help', 'quantifer']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[usage]: no command or help topic is named "quantifer".\nhint: did you mean "quantifiers"?');
  });
});

describe('help that teaches', () => {
  it('preview --help lists the global options it takes and demo examples', async () => {
    const r = await quorum(['preview', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--project <dir>', '--as-of <timestamp>', '--json']) expect(r.stdout).toContain(option);
    expect(r.stdout).not.toContain('--select');
    expect(r.stdout).toContain('$ quorum preview at_risk_accounts --as-of 2024-06-01');
  });

  it('compile --help states the --dialect default', async () => {
    const r = await quorum(['compile', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('(default: warehouse.type in quorum.yml)');
  });

  it('every example of every command runs on the demo', async () => {
    const { COMMAND_EXAMPLES } = await import('../../src/cli/help-text.js');
    const runnable = ['preview', 'members', 'explain', 'compile', 'history'].flatMap((c) => COMMAND_EXAMPLES[c]!);
    for (const example of runnable.filter((e) => !e.includes('|') && !e.includes('--catalog'))) {
      const args = example.replace(/\s+#.*$/, '').split(/\s+/).slice(1);
      const r = await quorum(args);
      expect(r.code, `${example}\n${r.stderr}`).toBe(0);
    }
  });

  it('quorum help state repair: the help of a subcommand', async () => {
    const r = await quorum(['help', 'state', 'repair']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: quorum state repair [options]');
    const missing = await quorum(['help', 'state', 'repiar']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error[usage]: quorum state has no subcommand "repiar".\nhint: did you mean "repair"? its subcommands: check, verify, repair');
  });

  for (const topic of ['as-of', 'windows', 'quantifiers', 'operators']) {
    it(`quorum help ${topic}`, async () => {
      const r = await quorum(['help', topic]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('docs/language.md');
    });
  }
});

describe('explain reads as sentences', () => {
  it('words quantifiers as counts of users against what they need, and a history without runs as what a run would do', async () => {
    const r = await quorum(['explain', 'at_risk_accounts', 'acc_0016', '--as-of', '2024-06-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'users of the account: 2\n' +
        '  ✓ 1 of 2 users satisfies (role equals "Admin" and performed Report Created within 60d at_least 1); any_user needs at least one\n',
    );
    expect(r.stdout).toContain(
      'history: no run of this audience is recorded yet (quorum run records one)\n' +
        '  a run as of 2024-06-01T00:00:00.000Z would add this account (entered)\n',
    );
    expect(r.stdout).not.toMatch(/satisfy (any_user|all_users|no_user)|was false/);
  });
});

describe('init', () => {
  it('a re-run on the same demo says so, exits 0 and leaves it alone', async () => {
    const before = await readFile(path.join(demo, 'warehouse.duckdb'));
    const r = await quorum(['init', 'demo'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${demo} already holds the quorum demo project; left it as it is (quorum init --force writes it all again)`);
    expect((await readFile(path.join(demo, 'warehouse.duckdb'))).equals(before)).toBe(true);
  });

  it('--project names the folder when no [dir] is given, as for every command', async () => {
    const cwd = await mkdtemp(path.join(dir, 'init-cwd-'));
    const r = await quorum(['init', '--project', demo], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${demo} already holds the quorum demo project; left it as it is`);
    expect(await readdir(cwd)).toEqual([]);
    // the same folder both ways is no conflict
    expect((await quorum(['init', demo, '--project', demo], cwd)).code).toBe(0);
  });

  it('[dir] and --project naming two folders is a usage error that says which to keep', async () => {
    const r = await quorum(['init', 'a', '--project', 'b'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[usage]: quorum init was given two folders: a (the [dir] argument) and b (--project)\nhint: keep the one you mean: quorum init a, or quorum init --project b');
    expect(existsSync(path.join(dir, 'a')) || existsSync(path.join(dir, 'b'))).toBe(false);
  });

  it('a changed project is refused as a usage error that names --force', async () => {
    await withEdit('quorum.yml', 'schema: quorum', 'schema: quorum_state', async (project) => {
      const r = await quorum(['init', project], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error[usage]: quorum init: ${path.join(project, 'quorum.yml')} already exists; refusing to overwrite an existing quorum project.`);
      expect(r.stderr).toContain('`quorum init --force` to overwrite the demo files here');
    });
  });
});

describe('the environment is the user’s, not a bug', () => {
  it('report --out a folder: EISDIR with a hint', async () => {
    const folder = path.join(dir, 'reports');
    await mkdir(folder, { recursive: true });
    const r = await quorum(['report', '--out', folder]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[file_system]: cannot open ${folder}: illegal operation on a directory (EISDIR).`);
    expect(r.stderr).toContain('hint: a folder is where a file was expected; name a file inside it');
    expectClean(r);
  });

  it('test --output under a file: a user error with a hint', async () => {
    const r = await quorum(['test', '--output', path.join(demo, 'quorum.yml', 'report.xml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[file_system]: cannot open ${path.join(demo, 'quorum.yml', 'report.xml')}: not a directory (ENOTDIR).`);
    expect(r.stderr).toContain('hint: part of the path is a file, not a folder; check the path');
    expectClean(r);
  });

  // Node 20's recursive mkdir never settles under /proc (a new folder's mkdir answers ENOENT while
  // its parent exists); each command gets a time limit, so that a hang fails the test.
  describe.runIf(existsSync('/proc/self/status'))('a folder that cannot be made under /proc: an error, not a hang', () => {
    const refused = `error[file_system]: cannot mkdir /proc/quorum-no-such: no such file or directory (ENOENT).`;
    for (const args of [
      ['init', '/proc/quorum-no-such/demo'],
      ['report', '--out', '/proc/quorum-no-such/report.html'],
      ['test', '--output', '/proc/quorum-no-such/junit.xml'],
    ]) {
      it(`quorum ${args.join(' ')}`, async () => {
        const r = await quorum(args, demo, 60_000);
        expect(r.stderr).toContain(refused);
        expect(r.code).toBe(1);
        expectClean(r);
      });
    }

    // quorum.yml comes in pull requests: a file destination outside the project is refused when the
    // project loads, before anything connects or is made (test/cli/file-destination-paths.test.ts)
    it('a file destination there is refused when quorum.yml loads', async () => {
      await withEdit('quorum.yml', 'path: out/calls.ndjson', 'path: /proc/quorum-no-such/calls.ndjson', async (project) => {
        const r = await quorum(['run', '--project', project, '--as-of', '2024-06-01', '--json'], dir, 60_000);
        expect(r.code).toBe(1);
        const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; file: string; line: number } };
        expect(error).toMatchObject({ code: 'invalid_value', file: 'quorum.yml', line: 39 });
        expect(error.message).toBe(`destination "audit": "path" is "/proc/quorum-no-such/calls.ndjson", which resolves to /proc/quorum-no-such/calls.ndjson, outside the project folder ${project}.`);
        expectClean(r);
      });
    });
  });

  it('a reader that closes the pipe early ends the command quietly', async () => {
    const child = spawn(process.execPath, cliArgs('members', 'logins_past_30_days', '--as-of', '2024-06-01'), { cwd: demo });
    child.stdout.destroy(); // `| true`: nobody reads
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--json prints the error as JSON on stdout', async () => {
    const r = await quorum(['members', 'at_risk_acounts', '--json']);
    expect(r.code).toBe(1);
    const error = { code: 'unknown_reference', message: 'no definition is named "at_risk_acounts"', hint: expect.stringContaining('did you mean "at_risk_accounts"?'), file: null, line: null };
    expect(JSON.parse(r.stdout)).toEqual({ error, diagnostics: [expect.objectContaining({ code: 'unknown_reference', severity: 'error', loc: null, message: error.message })] });
  });
});
