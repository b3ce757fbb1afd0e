// `quorum explain --plan <name>` as a child process on the demo project: the physical plan of a
// definition's member list, as text for a person and as the plan's own JSON.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli-bundle.js';
import { dialectNamed } from '../../dialects/registry.js';
import { copyDemoProject } from '../support/demo-project.js';
import { physicalPlanOf } from '../../src/evaluation/physical-plan-of.js';
import { openProject } from '../../src/evaluation/session.js';

let dir: string;
let demo: string;

function quorum(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return quorumIn(demo, args);
}

function quorumIn(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliArgs(...args), { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

/** A copy of the demo project with identity stitching off, which every dirty-entity restriction needs. */
async function stitchOff(name: string): Promise<string> {
  const off = path.join(dir, name);
  await copyDemoProject(off);
  const config = path.join(off, 'quorum.yml');
  await writeFile(config, (await readFile(config, 'utf8')).replace('stitch: anonymous_id', 'stitch: "off"'));
  return off;
}

/** `explain --plan` of `definition` in the stitch-off project `off`, which must print no error. */
async function planWithoutStitching(off: string, definition: string): Promise<string> {
  const r = await quorumIn(off, ['explain', '--plan', definition, '--as-of', '2024-06-01']);
  expect(r.stderr).toBe('');
  return r.stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-explain-plan-'));
  demo = path.join(dir, 'demo');
  await copyDemoProject(demo);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quorum explain --plan', () => {
  it('lists the CTEs in order with kind, strategy, inputs and reason', async () => {
    const r = await quorum(['explain', '--plan', 'at_risk_accounts', '--as-of', '2024-06-01']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('physical plan of at_risk_accounts as of 2024-06-01T00:00:00.000Z: 14 CTEs, then the member list\n');
    expect(r.stdout).toContain(
      ' 7. events:account:logged_in:per_user  [user_groups: shared_per_user_groups]\n' +
        '    reads: logged_in (table), identity\n' +
        '    why: one scan of logged_in serves 2 measures at user and account level\n' +
        ' 8. events:account:logged_in  [event_scan: pre_aggregated_per_user]\n' +
        '    reads: memberships, events:account:logged_in:per_user\n',
    );
    expect(r.stdout).toContain('12. quantifiers  [quantifiers: count_every_user]\n');
    expect(r.stdout).toContain('\noutputs: at_risk_accounts (audience, account) from audience:at_risk_accounts\n');
    // The incremental pass's decisions follow: each scan's partials with their grain and why, what is recomputed.
    expect(r.stdout).toContain('\nincremental runs: off (incremental.enabled: false);');
    expect(r.stdout).toContain('  events:account:logged_in  [partials, grain 1 day]\n    why: per (raw identity, UTC day) partials of the closed days inside its widest window');
    expect(r.stdout).toContain('  custom traits  [recomputed each run]\n');
    expect(r.stdout).toContain('\n  definitions: at_risk_accounts incremental\n');
    // the demo stitches identities: an edge re-attributes rows, so every run covers all accounts
    expect(r.stdout).toMatch(/\n {2}entities recomputed: at_risk_accounts all \(identity stitching is on: [^\n]*\)\n/);
    // so no scan's merge may read only some users: each is read by that definition, which covers all accounts
    // nor any shared part: the universes, memberships and custom traits are read for every entity
    expect(r.stdout).toContain('\n  shared parts read: universe:user all (at_risk_accounts covers all entities); custom_traits:user all (at_risk_accounts covers all entities); universe:account all (at_risk_accounts covers all entities); memberships all (at_risk_accounts covers all entities); custom_traits:account all (at_risk_accounts covers all entities)\n');
    expect(r.stdout).toMatch(/\n {2}users read: events:account:logged_in all \(read by at_risk_accounts, which covers all entities\); events:user:report_created all \(read by at_risk_accounts, which covers all entities\); [^\n]*\n$/);
  });

  it('a user audience without identity stitching reads the dirty users only in each of its scans', async () => {
    const plan = await planWithoutStitching(await stitchOff('stitch-off'), 'power_users');
    expect(plan).toContain('\n  entities recomputed: power_users changed entities (');
    expect(plan).toContain('\n  users read: events:user:logged_in dirty users only; events:user:report_created dirty users only\n');
    // the dirty users alone are read restricted at any share: no gate
    expect(plan).not.toContain('read whole above');
    // the user universe is read for the dirty users; no account-level definition reads the accounts' parts
    expect(plan).toContain('\n  shared parts read: universe:user dirty users only; universe:account all (no account-level definition of the run reads it); memberships all (no account-level definition of the run reads it)\n');
  });

  it('an account audience without identity stitching covers its dirty accounts, and reads its members whole', async () => {
    const off = await stitchOff('stitch-off-accounts');
    const plan = await planWithoutStitching(off, 'at_risk_accounts');
    // its custom traits (groups.plan, identifies.role) and the members' event tables bound it
    expect(plan).toContain('\n  entities recomputed: at_risk_accounts changed entities (only accounts named by a group call new to the run, or with a member who has a row new to the run in groups, identifies, logged_in, report_created or an event a window edge left behind, can change; every other account keeps its previous answer)\n');
    // a dirty account is made of all its members' rows, dirty users or not: its own scan and the user scans its quantifiers read are read for those members
    expect(plan).toContain('\n  users read: events:account:logged_in members of dirty accounts only; events:user:report_created members of dirty accounts only; events:user:logged_in members of dirty accounts only\n');
    // its quantifiers read the members' features (the role custom trait among them); its own parts are keyed by account
    expect(plan).toContain('\n  shared parts read: universe:user members of dirty accounts only; custom_traits:user members of dirty accounts only; universe:account dirty accounts only; memberships dirty accounts only; custom_traits:account dirty accounts only\n');
    // with most accounts dirty those semi-joins cost more than they leave out: every read keyed by the dirty accounts is gated, and says why
    expect(plan).toContain(
      '\n  read whole above 75% of the accounts dirty: universe:user, custom_traits:user, universe:account, memberships, custom_traits:account, events:account:logged_in, events:user:report_created, events:user:logged_in' +
        ' (with most accounts dirty, the semi-join on their keys costs more than the few rows it leaves out)\n',
    );
    // an account audience read through a user's accounts: any of them can move the user
    const passthrough = await planWithoutStitching(off, 'users_in_high_adoption_accounts');
    expect(passthrough).toContain("\n  entities recomputed: users_in_high_adoption_accounts all (it reads a user's membership of an account audience, which any of the user's accounts can change)\n");
  });

  it('--json prints the serialisable plan itself, its as_of spelt as_of', async () => {
    const r = await quorum(['explain', '--plan', 'power_users', '--as-of', '2024-06-01', '--json']);
    expect(r.code).toBe(0);
    const { project } = await openProject(demo, dialectNamed);
    const expected = physicalPlanOf({ project, asOf: '2024-06-01T00:00:00.000Z', targets: ['power_users'] });
    // as_of, as every JSON output of the CLI spells it
    const { asOf, ...rest } = expected;
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(printed).toEqual(JSON.parse(JSON.stringify({ ...rest, as_of: asOf })));
    expect(Object.keys(printed).slice(0, 2)).toEqual(['kind', 'as_of']);
    expect(expected.ctes.find((c) => c.kind === 'features' && c.level === 'user')).toMatchObject({ strategy: 'event_users' });
    expect(expected.incremental?.parts.filter((p) => p.kind === 'partials').every((p) => p.grain === 86_400)).toBe(true);
  });

  it('a misspelt name gets did you mean; an audience with --plan, or neither, is a usage error', async () => {
    const misspelt = await quorum(['explain', '--plan', 'at_risk_acounts']);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('did you mean "at_risk_accounts"?');
    const both = await quorum(['explain', 'at_risk_accounts', '--plan', 'at_risk_accounts']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--plan names the definition: give no <audience> <id> with it');
    const neither = await quorum(['explain']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('explain needs an audience and an id (quorum explain <audience> <id>), or --plan <name>');
  });
});
