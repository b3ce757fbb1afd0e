// The global options (SPEC §7) where a command cannot honour them are usage errors that say what to
// use instead (global-flags.ts), and honoured where they have an obvious meaning: compile --json
// prints the SQL as JSON, schedule --json logs JSON. An audit on 5 December found them silently
// ignored: `compile --json` printed SQL text, `preview x --select y` printed x's preview.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../definitions/fixture-helpers.js';
import { cliArgs } from '../support/cli-bundle.js';
import { selectBeforeCommand } from '../../src/cli/main.js';
import { cliIn } from '../sync/support/cli-in-process.js';

// refused before the project is read: this one does not exist
const NOWHERE = '/nonexistent/quorum-global-flags-project';

const PROJECT: Record<string, string> = {
  'quorum.yml': 'warehouse: { type: duckdb, path: warehouse.duckdb }\nsource: { preset: segment, schema: app }\ndestinations:\n  crm: { type: stdout }\nschedule: { default: "0 0 1 1 *" }\n',
  'audiences/power_users.yml': 'audience: power_users\nlevel: user\nwhere:\n  all:\n    - { performed: Logged In, at_least: 20, within: 30d }\n',
};

describe('--select where a command cannot honour it', () => {
  it.each([
    'preview power_users',
    'members power_users',
    'compile power_users',
    'explain power_users u1',
    'explain --plan power_users',
    'validate',
    'history',
    'history power_users',
    'report',
    'state check',
    'state verify',
    'state repair --from last',
    'init /nonexistent/quorum-global-flags-init',
  ])('quorum %s --select power_users: a usage error, exit 2, saying what to use instead', async (command) => {
    const result = await cliIn(NOWHERE, ...command.split(' '), '--select', 'power_users');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error\[usage\]: quorum (\w+|state \w+) [^\n]+; --select does not apply \((name it:|use|run|pass) [^\n]+\)\n/);
  });

  it('--as-of on validate, which checks definitions that are the same at every instant', async () => {
    const result = await cliIn(NOWHERE, 'validate', '--offline', '--as-of', '2024-06-01');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[usage]: quorum validate checks the definitions, which are the same at every instant; --as-of does not apply (use quorum preview <name> --as-of');
  });

  it('--help lists only the global options a command honours', async () => {
    const verify = await cliIn(NOWHERE, 'state', 'verify', '--help');
    expect(verify.code).toBe(0);
    const globals = verify.stdout.slice(verify.stdout.indexOf('Global Options:'));
    expect(globals).toContain('--project <dir>');
    expect(globals).toContain('--json');
    expect(globals).not.toMatch(/--as-of|--select/);
    expect((await cliIn(NOWHERE, 'compile', '--help')).stdout).toContain('--json');
  });
});

describe('--json where it has an obvious meaning', () => {
  it('compile --json: the name, dialect, as_of and SQL, the SQL as the text form prints it', async () => {
    const root = tempProject(PROJECT);
    const json = await cliIn(root, 'compile', 'power_users', '--as-of', '2024-06-01', '--dialect', 'postgres', '--json');
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as { name: string; dialect: string; as_of: string; catalog: boolean; sql: string };
    expect({ ...data, sql: undefined }).toEqual({ name: 'power_users', dialect: 'postgres', as_of: '2024-06-01T00:00:00.000Z', catalog: false, sql: undefined });
    const text = await cliIn(root, 'compile', 'power_users', '--as-of', '2024-06-01', '--dialect', 'postgres');
    expect(text.stdout).toBe(`-- quorum compile power_users --dialect postgres --as-of 2024-06-01T00:00:00.000Z (offline: literal types as written)\n${data.sql}`);
  });

  it('schedule --json logs JSON lines, as --log-format json does', async () => {
    const child = spawn(process.execPath, cliArgs('schedule', '--json', '--project', tempProject(PROJECT)), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const firstLine = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('\n')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await firstLine;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { code: string }).code)).toEqual(expect.arrayContaining(['schedule.started', 'schedule.stopped']));
  });

  it('schedule --json with --log-format text is a usage error that says to keep one', async () => {
    const result = await cliIn(NOWHERE, 'schedule', '--json', '--log-format', 'text');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[usage]: --json logs JSON, and --log-format text asks for text\nhint: keep one of them');
  });
});

describe('--select before the command', () => {
  it('is a usage error that shows the command with --select after it, not "unknown option"', async () => {
    const result = await cliIn(NOWHERE, '--select', 'power_users', 'at_*', 'run', '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error[usage]: --select before the command takes every word after it as a pattern, the command "run" too\n' +
        `hint: put --select after the command: quorum run --dry-run --project ${NOWHERE} --select power_users at_*\n\n1 error\n`,
    );
  });

  it('is found past the values of other options, and only when it swallowed a command', () => {
    expect(selectBeforeCommand(['--project', 'run', '--select', 'a', 'test'])?.hint).toBe('put --select after the command: quorum --project run test --select a');
    // commander reads these: the patterns end at an option, or --select comes after the command
    expect(selectBeforeCommand(['--select', 'a', '--json', 'run'])).toBeNull();
    expect(selectBeforeCommand(['run', '--select', 'a', 'test'])).toBeNull();
    expect(selectBeforeCommand(['--select=a', 'run'])).toBeNull();
  });
});
