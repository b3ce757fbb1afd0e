// A `runs` summary edited by hand is history, not the state's memory of what was sent: the read
// commands show that run without its per-definition details and say so, `state check` warns
// (exit 0), and `quorum schedule` still reads the last runs (it retried for ever before).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRuns } from '../../src/schedule/last-runs.js';
import { cliIn } from '../sync/support/cli-in-process.js';
import { withConnection, writeOperateProject } from './support/operate-project.js';

const STATE = 'quorum_state';
let dir: string;
const cli = (...args: string[]) => cliIn(dir, ...args);

const sql = <T>(work: Parameters<typeof withConnection<T>>[1]) => withConnection(dir, work);

let damaged: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-unreadable-summary-'));
  await writeOperateProject(dir);
  for (const asOf of ['2024-06-02T00:00:00Z', '2024-06-05T00:00:00Z']) expect((await cli('run', '--as-of', asOf)).code).toBe(0);
  damaged = await sql(async (c) => {
    await c.execute(`UPDATE ${STATE}.runs SET summary = '{not json' WHERE as_of < '2024-06-05'`);
    return String((await c.query(`SELECT run_id FROM ${STATE}.runs WHERE as_of < '2024-06-05'`))[0].run_id);
  });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a runs summary edited by hand', () => {
  it('history shows that run flagged, without its details, and the other run in full', async () => {
    const all = await cli('history', '--json');
    expect(all.code, all.stderr).toBe(0);
    const runs = (JSON.parse(all.stdout) as { runs: { run_id: string; definitions: unknown[]; summary_unreadable?: boolean }[] }).runs;
    expect(runs.map((r) => [r.run_id === damaged, r.summary_unreadable ?? false, r.definitions.length > 0])).toEqual([
      [false, false, true],
      [true, true, false],
    ]);
    const one = await cli('history', 'active_admins');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`${damaged}  as of 2024-06-02T00:00:00.000Z  succeeded`);
    expect(one.stdout).toContain('summary unreadable (edited outside quorum)');
    expect(one.stdout.match(/active_admins: size/g)).toHaveLength(1);
  });

  it('explain and report read on and name the run they leave out', async () => {
    const explain = await cli('explain', 'active_admins', 'u001', '--as-of', '2024-06-06T00:00:00Z', '--json');
    expect(explain.code, explain.stderr).toBe(0);
    const result = JSON.parse(explain.stdout) as { history: { as_of: string }[]; unreadable_runs: string[] };
    expect(result.history.map((h) => h.as_of)).toEqual(['2024-06-05T00:00:00.000Z', '2024-06-06T00:00:00.000Z']);
    expect(result.unreadable_runs).toEqual([damaged]);
    const out = path.join(dir, 'report.html');
    const report = await cli('report', '--out', out);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('2 runs (1 with an unreadable summary, not shown)');
    expect(await readFile(out, 'utf8')).toContain("1 run is not shown: its summary in the state is unreadable");
  });

  it('state check warns and exits 0; runs and the scheduler go on', async () => {
    const check = await cli('state', 'check', '--json');
    expect(check.code, check.stderr).toBe(0);
    const result = JSON.parse(check.stdout) as { status: string; warnings: { table: string; message: string }[] };
    expect(result.status).toBe('consistent');
    expect(result.warnings).toEqual([{ table: 'runs', message: expect.stringContaining(`the summary of run ${damaged} (as of 2024-06-02T00:00:00.000Z)`) as string }]);
    expect((await cli('state', 'check')).stdout).toContain('warning: the summary of run');
    expect(await sql((c) => lastRuns(c, STATE))).toEqual(new Map(['active_accounts', 'active_admins', 'logins_3d'].map((n) => [n, '2024-06-05T00:00:00.000Z'])));
    expect((await cli('run', '--dry-run', '--as-of', '2024-06-06T00:00:00Z')).code).toBe(0);
  });
});
