// Full runs and their reasons through the library `run` on DuckDB (SPEC §6.1): a first run, a
// later as_of, an earlier one, --full, a changed definition, incremental.full_every; the mode
// recorded in `run_modes` and in the runs' summaries (`history --json`); rows_read counted on
// request and equal to a COUNT of each table the definition reads, by hand.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../src/evaluation/evaluate.js';
import { tablesRead } from '../../src/incremental/rows-read.js';
import { history } from '../../src/sync/history.js';
import type { RunOutput } from '../../src/sync/run.js';
import { removeTempDirs, runAt, tempDir, withSession } from '../sync/support/harness.js';
import { AS_OFS, enableIncremental, makeDataset, writeProject } from '../sync/support/project.js';
import { cliIn } from '../sync/support/cli-in-process.js';

const S = 'quorum_state';
let dir: string;

const modes = (output: RunOutput) => Object.fromEntries(output.definitions.map((d) => [d.name, `${d.mode} ${d.mode_reason}`]));
// With the engine on, the SQL trait is decided incremental but read in full, as SPEC §6.1 says it always is.
const INCREMENTAL_ALL = (name: string) => (name === 'recent_method' ? 'full not_incremental' : 'incremental incremental');
const quietRun = (asOf: string, extra: Parameters<typeof runAt>[2] = {}) => runAt(dir, asOf, { destinations: new Map(), ...extra });

beforeAll(async () => {
  dir = await tempDir('full-runs');
  await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused', dataset: makeDataset({ users: 20, logins: 80 }) });
  await enableIncremental(dir);
}, 60_000);

afterAll(() => removeTempDirs());

describe('quorum run chooses full or incremental per definition', () => {
  it('runs full first, incremental after, full on an earlier as_of, on --full, on a changed definition and after full_every', async () => {
    const first = await quietRun(AS_OFS[1]);
    expect(Object.values(modes(first))).toEqual(first.definitions.map(() => 'full first_run'));
    const second = await quietRun(AS_OFS[2]);
    expect(Object.values(modes(second))).toEqual(first.definitions.map((d) => INCREMENTAL_ALL(d.name)));
    // what the engine read in full is said, with why (SPEC §6.1: "say so in the run summary")
    expect(second.definitions.map((d) => d.mode_detail ?? null)).toEqual(
      second.definitions.map((d) => (d.name === 'recent_method' ? 'sql_trait:recent_method: a SQL trait has no partials; it is re-run each run' : null)),
    );
    expect(Object.values(modes(await quietRun(AS_OFS[0])))).toEqual(first.definitions.map(() => 'full as_of_earlier'));
    expect(Object.values(modes(await quietRun(AS_OFS[3], { full: true })))).toEqual(first.definitions.map(() => 'full requested'));

    const audience = path.join(dir, 'audiences', 'active_admins.yml');
    await writeFile(audience, (await readFile(audience, 'utf8')).replace('within: 2d', 'within: 3d'));
    expect(modes(await quietRun(AS_OFS[3]))).toEqual({
      active_accounts: 'incremental incremental',
      active_admins: 'full dependencies_changed',
      logins_3d: 'incremental incremental',
      recent_method: 'full not_incremental',
    });

    // the last full run was at AS_OFS[3]; AS_OFS[5] is four days later
    const config = path.join(dir, 'quorum.yml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('incremental:\n  enabled: true\n', 'incremental:\n  enabled: true\n  full_every: 3d\n'));
    expect(Object.values(modes(await quietRun(AS_OFS[4])))).toEqual(first.definitions.map((d) => INCREMENTAL_ALL(d.name)));
    expect(Object.values(modes(await quietRun(AS_OFS[5])))).toEqual(first.definitions.map(() => 'full full_every'));
    expect(Object.values(modes(await quietRun(AS_OFS[5])))).toEqual(first.definitions.map((d) => INCREMENTAL_ALL(d.name)));

    const recorded = await withSession(dir, (s) => s.connection.query(`SELECT definition, mode, reason, CAST(full_as_of AS VARCHAR) AS full_as_of FROM ${S}.run_modes ORDER BY definition`));
    expect(recorded.map((r) => [r.definition, r.mode, r.reason])).toEqual(first.definitions.map((d) => [d.name, 'incremental', 'incremental']).sort());
    expect(new Set(recorded.map((r) => Date.parse(`${String(r.full_as_of).replace(' ', 'T')}Z`)))).toEqual(new Set([Date.parse(AS_OFS[5])]));

    const runs = await withSession(dir, (s) => history(s.connection, S, { limit: 2 }));
    expect(runs[1].definitions.map((d) => d.mode_reason)).toEqual(first.definitions.map(() => 'full_every'));
  }, 120_000);

  it('counts rows_read only when asked: the rows at or before as_of of every table the definition reads', async () => {
    // a full run's count (an incremental one reports what the engine read, which it counts anyway)
    expect((await quietRun(AS_OFS[5], { full: true })).definitions.every((d) => d.rows_read === null)).toBe(true);
    const output = await quietRun(AS_OFS[5], { countRowsRead: true, full: true });
    await withSession(dir, async (s) => {
      const tables = tablesRead(planFor({ project: s.project, catalog: s.catalog, asOf: AS_OFS[5], targets: ['logins_3d'] }));
      // an account-level count of one event: its table, the accounts and memberships, the user universe
      expect(tables).toEqual(expect.arrayContaining(['groups', 'logged_in']));
      let expected = 0;
      for (const table of tables.filter((t) => s.catalog.tables.has(t))) {
        const [row] = await s.connection.query(`SELECT COUNT(*) AS n FROM app.${table} WHERE timestamp <= TIMESTAMP '${AS_OFS[5].slice(0, 19).replace('T', ' ')}'`);
        expected += Number(row.n);
      }
      expect(expected).toBeGreaterThan(0);
      expect(output.definitions.find((d) => d.name === 'logins_3d')?.rows_read).toBe(expected);
    });
    const [recorded] = await withSession(dir, (s) => s.connection.query(`SELECT CAST(rows_read AS INTEGER) AS n FROM ${S}.run_modes WHERE definition = 'logins_3d'`));
    expect(Number(recorded.n)).toBe(output.definitions.find((d) => d.name === 'logins_3d')?.rows_read);
  }, 60_000);

  it('run --json gives each definition its mode, reason and rows_read; text output names the mode; --full is in the help', async () => {
    const json = await cliIn(dir, 'run', '--dry-run', '--json', '--as-of', AS_OFS[5]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as RunOutput;
    for (const d of parsed.definitions) {
      expect(d).toMatchObject({ mode: 'incremental', mode_reason: 'incremental' });
      expect(d.rows_read).toBeGreaterThan(0);
    }
    const full = JSON.parse((await cliIn(dir, 'run', '--dry-run', '--full', '--json', '--as-of', AS_OFS[5])).stdout) as RunOutput;
    expect(full.definitions.map((d) => `${d.mode} ${d.mode_reason}`)).toEqual(full.definitions.map(() => 'full requested'));
    const text = await cliIn(dir, 'run', '--dry-run', '--full', '--as-of', AS_OFS[5]);
    expect(text.stdout).toContain('full (requested)');
    expect(text.stdout).not.toContain('rows read');
    expect((await cliIn(dir, 'run', '--help')).stdout).toContain('--full');
  }, 60_000);
});
