// `quorum state verify` (SPEC §6.1) on DuckDB, through the CLI: a state that the warehouse still
// agrees with verifies clean (exit 0); after a GDPR-style deletion of a user's events and after a
// snapshot value rewritten by hand, it reports the drifted definitions with counts and entity ids
// (exit 1), sends nothing and changes no snapshot; every verification is recorded and shown by
// `history --json`; a full run repairs the drift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runThenVerify } from '../../src/sync/run-and-verify.js';
import { selectDefinitions } from '../../src/sync/select.js';
import type { Verification } from '../../src/sync/state-verify.js';
import { cliIn } from '../sync/support/cli-in-process.js';
import { removeTempDirs, runAt, tempDir, withSession } from '../sync/support/harness.js';
import { AS_OFS, enableIncremental, makeDataset, writeProject } from '../sync/support/project.js';

const S = 'quorum_state';
let dir: string;

const verify = async () => {
  const result = await cliIn(dir, 'state', 'verify', '--json');
  return { code: result.code, verification: JSON.parse(result.stdout) as Verification };
};
const stateRows = (sql: string) => withSession(dir, (s) => s.connection.query(sql));
const snapshotText = async () => JSON.stringify(await stateRows(`SELECT definition, entity_id, value FROM ${S}.snapshots ORDER BY 1, 2`));
const outboxCount = async () => Number((await stateRows(`SELECT COUNT(*) AS n FROM ${S}.outbox`))[0].n);

beforeAll(async () => {
  dir = await tempDir('verify');
  await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused', dataset: makeDataset({ users: 20, logins: 120 }) });
  await enableIncremental(dir);
}, 60_000);

afterAll(() => removeTempDirs());

describe('quorum state verify', () => {
  it('says there is nothing to verify before the first run', async () => {
    const result = await cliIn(dir, 'state', 'verify');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('does not exist yet');
  });

  it('is clean while the warehouse agrees, and reports drift after a deletion and a rewritten value', async () => {
    await runAt(dir, AS_OFS[1], { destinations: new Map() });
    await runAt(dir, AS_OFS[2], { destinations: new Map() });
    const clean = await verify();
    expect(clean.code).toBe(0);
    expect(clean.verification).toMatchObject({ status: 'clean', definitions: 4, drifted_definitions: 0, drifted_entities: 0, drift: [] });

    // GDPR: every event of the most active user is deleted from the warehouse
    const [top] = await stateRows(`SELECT user_id FROM app.logged_in WHERE timestamp <= TIMESTAMP '2024-06-05 00:00:00' AND timestamp > TIMESTAMP '2024-06-03 00:00:00' GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1`);
    const user = String(top.user_id);
    await withSession(dir, async (s) => {
      await s.connection.execute(`DELETE FROM app.logged_in WHERE user_id = '${user.replace(/'/g, "''")}'`);
      await s.connection.execute(`DELETE FROM app.tracks WHERE user_id = '${user.replace(/'/g, "''")}'`);
      // and one trait value rewritten by hand in the state
      await s.connection.execute(`UPDATE ${S}.snapshots SET value = '999' WHERE definition = 'logins_3d' AND entity_id = (SELECT MIN(entity_id) FROM ${S}.snapshots WHERE definition = 'logins_3d')`);
    });
    const before = { snapshots: await snapshotText(), outbox: await outboxCount() };
    const drift = await verify();
    expect(drift.code).toBe(1);
    expect(drift.verification.status).toBe('drift');
    const byName = new Map(drift.verification.drift.map((d) => [d.name, d]));
    expect(byName.get('logins_3d')?.changed).toBeGreaterThan(0);
    // the deleted user had a login in recent_method's two days before the last as_of: only they lose the value
    expect(byName.get('recent_method')).toMatchObject({ exited: 1, entities: 1, sample: [user] });
    expect(drift.verification.drifted_entities).toBe(drift.verification.drift.reduce((n, d) => n + d.entities, 0));
    for (const d of drift.verification.drift) expect(d.sample.length).toBe(Math.min(5, d.entities));
    expect({ snapshots: await snapshotText(), outbox: await outboxCount() }).toEqual(before);

    const text = await cliIn(dir, 'state', 'verify');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('logins_3d');
    expect(text.stdout).toContain('quorum run --full');

    const history = JSON.parse((await cliIn(dir, 'history', '--json')).stdout) as { runs: { run_id: string; verifications?: Verification[] }[] };
    expect(history.runs[0].verifications?.map((v) => v.status)).toEqual(['drift', 'drift', 'clean']);
    expect(Number((await stateRows(`SELECT COUNT(*) AS n FROM ${S}.verifications`))[0].n)).toBe(3);

    // the report's runs table: each run's mode, and the drift its latest verification found
    const out = path.join(dir, 'report.html');
    expect((await cliIn(dir, 'report', '--out', out)).code).toBe(0);
    const html = await readFile(out, 'utf8');
    const section = html.slice(html.indexOf('id="def-logins_3d"'));
    const row = section.slice(section.indexOf(`data-run="${history.runs[0].run_id}"`)).split('</tr>')[0];
    expect(row).toContain('<td>incremental</td>');
    expect(row).toMatch(/<td class="n blocked">[1-9]/);
  }, 120_000);

  it('is clean again after a full run', async () => {
    const output = await runAt(dir, AS_OFS[2], { destinations: new Map(), full: true, allowMassExit: true });
    expect(output.definitions.every((d) => d.mode === 'full' && d.mode_reason === 'requested')).toBe(true);
    expect((await verify()).verification).toMatchObject({ status: 'clean', drifted_entities: 0 });
  }, 60_000);
});

describe('incremental.verify_every', () => {
  it('verifies after a run when the last verification is older than it, and gives each definition its drift', async () => {
    const config = path.join(dir, 'quorum.yml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('incremental:\n  enabled: true\n', 'incremental:\n  enabled: true\n  verify_every: 1h\n'));
    const runAtTime = (now: Date) =>
      withSession(dir, (s) => runThenVerify({ ...s, asOf: AS_OFS[3], definitions: selectDefinitions(s.project, []), destinations: new Map(), allowMassExit: true }, () => now));
    const count = async () => Number((await stateRows(`SELECT COUNT(*) AS n FROM ${S}.verifications`))[0].n);
    const before = await count();
    // the last verification (above) is minutes old: not due within the hour
    const soon = await runAtTime(new Date(Date.now() + 10 * 60_000));
    expect(soon.verification).toBeUndefined();
    expect(soon.definitions.every((d) => d.drift === undefined)).toBe(true);
    expect(await count()).toBe(before);
    const later = await runAtTime(new Date(Date.now() + 2 * 3600_000));
    expect(later.verification).toMatchObject({ status: 'clean', drifted_entities: 0 });
    expect(later.definitions.map((d) => d.drift?.entities)).toEqual(later.definitions.map(() => 0));
    expect(await count()).toBe(before + 1);
  }, 60_000);
});
