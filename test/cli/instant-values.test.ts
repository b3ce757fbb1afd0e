// A trait whose value is an instant reaches destinations and `members` as ISO-8601 text in UTC to
// the millisecond, Segment's form for dates, whatever the column's type. Before, DuckDB sent its own
// rendering, "2024-05-29 06:45:20.288639", which has no zone and which Postgres, BigQuery and
// Snowflake each render differently (an audit on 5 December). The dialects' texts are held to the
// reference evaluator's by the coverage project (test/dialects/support/coverage-project.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli-bundle.js';
import { copyDemoProject } from '../support/demo-project.js';

const AS_OF = '2024-06-01T00:00:00Z';
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let dir: string;
let demo: string;

function quorum(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, cliArgs(...args, '--project', demo), { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-instants-'));
  demo = path.join(dir, 'demo');
  await copyDemoProject(demo);
  const sync = 'sync:\n  - to: audit\n    calls: [identify]\n';
  await writeFile(path.join(demo, 'traits', 'last_login_at.yml'), `computed_trait: last_login_at\nlevel: user\ncompute: last\nevent: Logged In\nproperty: timestamp\n${sync}`);
  // a TIMESTAMP, a TIMESTAMPTZ two hours east of UTC and a DATE: each its UTC instant
  await writeFile(
    path.join(demo, 'traits', 'signed_up.yml'),
    [
      'sql_trait: signed_up',
      'level: user',
      'sql: |',
      '  select user_id, min(timestamp) as signed_up_at,',
      "    min(timestamp)::timestamptz at time zone 'Etc/GMT-2' at time zone 'Etc/GMT-2' as signed_up_tz,",
      '    min(timestamp)::date as signed_up_on',
      "  from {{ source('identifies') }} where user_id is not null group by 1",
      sync,
    ].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a trait whose value is an instant', () => {
  it('is sent and listed as ISO-8601 text in UTC, the same in both', async () => {
    await quorum('run', 'last_login_at', 'signed_up', '--as-of', AS_OF);
    const calls = (await readFile(path.join(demo, 'out', 'calls.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { userId: string; traits: Record<string, unknown>; context: { personas: { computation_key: string } } });
    const of = (trait: string) => calls.filter((c) => c.context.personas.computation_key === trait);
    const lastLogin = new Map(of('last_login_at').map((c) => [c.userId, c.traits.last_login_at]));
    // a multi-column SQL trait's calls carry its columns as traits
    const signedUp = new Map(of('signed_up').map((c) => [c.userId, c.traits]));
    expect(lastLogin.size).toBeGreaterThan(100);
    expect(signedUp.size).toBeGreaterThan(100);
    for (const value of lastLogin.values()) expect(value).toMatch(ISO_MILLIS);
    for (const value of signedUp.values()) {
      const v = value as { signed_up_at: string; signed_up_tz: string; signed_up_on: string };
      expect(v.signed_up_at).toMatch(ISO_MILLIS);
      // the same instant however it is typed; a date is its midnight in UTC
      expect(v.signed_up_tz).toBe(v.signed_up_at);
      expect(v.signed_up_on).toBe(`${v.signed_up_at.slice(0, 10)}T00:00:00.000Z`);
    }

    for (const [trait, values] of [['last_login_at', lastLogin], ['signed_up', signedUp]] as const) {
      const listed = JSON.parse(await quorum('members', trait, '--json', '--as-of', AS_OF)) as { members: { id: string; value: unknown }[] };
      // members lists every user, those without a value as null; a first run sends only the values
      expect(new Map(listed.members.filter((m) => m.value !== null).map((m) => [m.id, m.value]))).toEqual(values);
    }
  }, 120_000);
});
