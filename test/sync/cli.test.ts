// `quorum run` and `quorum history` through the CLI's own entry point (in-process): SPEC §7's
// --json shapes, selection, exit codes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from './support/cli-in-process.js';
import { removeTempDirs, tempDir } from './support/harness.js';
import { AS_OFS, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let receiver: Receiver;
let dir: string;

const cli = (...args: string[]) => cliIn(dir, ...args);

beforeAll(async () => {
  process.env.QUORUM_HTTP_BACKOFF_MS = '5';
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  dir = await tempDir('cli');
  await writeProject(dir, { endpoint: receiver.url, maxExitFraction: 0.5 });
});
afterAll(async () => {
  removeTempDirs();
  await receiver.close();
});

describe('quorum run / history on the command line', () => {
  it('prints the SPEC §7 JSON shape and exits 0', async () => {
    const dry = await cli('run', '--dry-run', '--as-of', AS_OFS[2], '--json');
    expect(dry.code).toBe(0);
    expect(receiver.calls()).toEqual([]);
    const { code, stdout } = await cli('run', '--as-of', AS_OFS[2], '--json');
    expect(code).toBe(0);
    const output = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(expect.arrayContaining(['run_id', 'as_of', 'definitions', 'delivered', 'failed']));
    expect(output.as_of).toBe(AS_OFS[2]);
    const definitions = output.definitions as Record<string, unknown>[];
    expect(definitions.map((d) => d.name)).toEqual(['active_accounts', 'active_admins', 'logins_3d', 'recent_method']);
    for (const d of definitions) for (const key of ['size', 'entered', 'exited', 'changed']) expect(typeof d[key]).toBe('number');
    expect(output.delivered).toEqual({ hook: receiver.calls().length });
    expect(output.failed).toEqual({});
  });

  it('runs only the named or selected definitions', async () => {
    const { code, stdout } = await cli('run', 'active_*', '--select', 'logins_3d', '--as-of', AS_OFS[3], '--json');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { definitions: { name: string }[] }).definitions.map((d) => d.name)).toEqual(['active_accounts', 'active_admins', 'logins_3d']);
    const unknown = await cli('run', 'nope', '--as-of', AS_OFS[3]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no definition matches "nope"');
  });

  it('exits 1 with the guardrail message, and --allow-mass-exit lets it through', async () => {
    const blocked = await cli('run', 'active_accounts', '--as-of', '2024-07-01');
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('BLOCKED');
    expect(blocked.stderr).toMatch(/mass_exit.*active_accounts" would lose/s);
    expect(blocked.stderr).toContain('--allow-mass-exit');
    const allowed = await cli('run', 'active_accounts', '--as-of', '2024-07-01', '--allow-mass-exit');
    expect(allowed.code).toBe(0);
  });

  it('logs the stages of a dry run as a real run does: the evaluation is stage.execute, not stage.compile', async () => {
    // (a real run's stages: test/operate/schedule-process.test.ts)
    const r = await cli('run', '--dry-run', '--as-of', AS_OFS[3], '--log-format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const events = r.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { code: string; message: string; ms: number });
    const stages = events.filter((e) => e.code.startsWith('stage.'));
    expect(stages.map((e) => e.code)).toEqual(['stage.load', 'stage.validate', 'stage.compile', 'stage.execute', 'stage.diff']);
    expect(stages.find((e) => e.code === 'stage.execute')?.message).toBe('dry run: evaluated and diffed in one read-only statement');
    for (const e of stages) expect(typeof e.ms).toBe('number');
  });

  it('lists past runs, newest first, per definition', async () => {
    const all = await cli('history', '--json');
    expect(all.code).toBe(0);
    const runs = (JSON.parse(all.stdout) as { runs: { status: string; definitions: unknown[] }[] }).runs;
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
    const one = await cli('history', 'logins_3d');
    expect(one.code).toBe(0);
    expect(one.stdout.match(/logins_3d: size/g)?.length).toBe(2);
    expect(one.stdout).not.toContain('active_admins');
    // a run's deliveries are the whole run's, never shown as if they were one definition's
    expect(one.stdout).toContain('the whole run delivered (all its definitions): hook ');
    expect(one.stdout).not.toMatch(/^ {4}delivered:/m);
    const named = (JSON.parse((await cli('history', 'logins_3d', '--json')).stdout) as { runs: Record<string, unknown>[] }).runs;
    expect(named.map((r) => [r.run_delivered, 'delivered' in r, 'failed' in r, 'errors' in r])).toEqual(
      runs.filter((r) => r.definitions.some((d) => (d as { name: string }).name === 'logins_3d')).map((r) => [(r as unknown as { delivered: unknown }).delivered, false, false, false]),
    );
  });
});

describe('a stdout destination and --json', () => {
  it('keeps stdout for the summary: the calls wait in the outbox with a diagnostic, and go out on a run without --json, alone on stdout', async () => {
    const main = dir;
    dir = await tempDir('cli-stdout');
    try {
      await writeProject(dir, { endpoint: `${receiver.url}/stdout`, extraDestinations: { out: '{ type: stdout }' }, extraTargets: ['- to: out'] });
      const json = await cli('run', '--as-of', AS_OFS[1], '--json');
      expect(json.code).toBe(1);
      const output = JSON.parse(json.stdout) as { delivered: Record<string, number>; failed: Record<string, number> };
      expect(output.failed.out).toBeGreaterThan(0);
      expect(output.delivered.hook).toBeGreaterThan(0);
      expect(json.stderr).toContain('standard output carries the --json run summary');
      const plain = await cli('run', '--as-of', AS_OFS[1]);
      expect(plain.code).toBe(0);
      // standard output is the calls, one a line, and nothing else; the summary went to stderr
      const lines = plain.stdout.split('\n').slice(0, -1);
      expect(lines.length).toBe(output.failed.out);
      expect(new Set(lines.map((l) => (JSON.parse(l) as { messageId: string }).messageId)).size).toBe(lines.length);
      expect(plain.stderr).toMatch(/^run \S+ as of /m);
      expect(plain.stderr).toMatch(/^ {2}out: \d+ delivered$/m);
      // ... in a run with nothing for it too, and a dry run (which delivers nothing) keeps its summary on stdout
      const quiet = await cli('run', '--as-of', AS_OFS[1]);
      expect([quiet.code, quiet.stdout]).toEqual([0, '']);
      expect(quiet.stderr).toMatch(/^run \S+ as of /);
      const dry = await cli('run', '--dry-run', '--as-of', AS_OFS[2]);
      expect(dry.stdout).toMatch(/^dry run \(nothing written, nothing delivered\) as of /);
    } finally {
      dir = main;
    }
  });
});

describe('a call over 32 KB', () => {
  it('is reported as set aside and never sent, naming the definition and entity, with a hint of its own', async () => {
    const main = dir;
    dir = await tempDir('cli-too-large');
    try {
      await writeProject(dir, { endpoint: `${receiver.url}/too-large` });
      const big = ['sql_trait: big', 'level: user', 'sql: |', "  select user_id, case when user_id = 'u001' then repeat('x', 40000) else 'small' end as big", "  from {{ source('identifies') }}", 'sync:', '  - to: hook', ''];
      writeFileSync(path.join(dir, 'traits', 'big.yml'), big.join('\n'));
      const run = await cli('run', 'big', '--as-of', AS_OFS[1]);
      expect(run.code).toBe(1);
      expect(receiver.calls('too-large').length).toBeGreaterThan(0);
      expect(receiver.calls('too-large').some((c) => JSON.stringify(c).includes('xxxx'))).toBe(false);
      expect(run.stdout).toMatch(/^ {2}hook: \d+ delivered, 1 set aside as too large \(never sent\)$/m);
      expect(run.stdout).not.toContain('waiting in the outbox');
      expect(run.stderr).toContain('traits/big.yml:1:');
      expect(run.stderr).toContain('error[call_too_large]: destination "hook": the identify call of "big" for entity "u001" is');
      expect(run.stderr).toContain('set aside and will never be sent');
      expect(run.stderr).toContain('make the value of "big" smaller');
      expect(run.stderr).not.toContain('go out first on the next run');
      const again = await cli('run', 'big', '--as-of', AS_OFS[1], '--json');
      expect(again.code).toBe(0);
      expect((JSON.parse(again.stdout) as { too_large?: unknown }).too_large).toBeUndefined();
    } finally {
      dir = main;
    }
  });
});
