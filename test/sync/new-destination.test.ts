// A destination added to definitions that already ran is sent every current member (or value) as
// entered on the next run, as Engage sends a newly connected destination the whole audience; the
// destinations they already had get the changes only, and the new one only changes from then on.
// Before state format 7 it heard of the next changes alone (an audit on 5 December). Checked against
// deployments that never changed their destinations, with the incremental engine off and on.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { FAST_RETRY, receiverForFile, runAt, tempDir } from './support/harness.js';
import { pgliteProject } from './support/pglite-second-run.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, enableIncremental, makeDataset, writeProject } from './support/project.js';
import type { ReceivedCall } from './support/receiver.js';

const receiverOf = receiverForFile();

const SECOND = ['- { to: second }'];

/** A project syncing to `<name>-first`; with `second`, every definition syncs to `<name>-second` too. */
async function deployment(name: string, incremental: boolean, second: boolean, dir?: string): Promise<string> {
  const at = dir ?? (await tempDir(`new-destination-${name}`));
  const destination = `{ type: segment, write_key: "\${QUORUM_TEST_WRITE_KEY}", endpoint: "${receiverOf().url}/${name}-second" }`;
  await writeProject(at, { endpoint: `${receiverOf().url}/${name}-first`, extraDestinations: { second: destination }, extraTargets: second ? SECOND : [], noWarehouse: dir !== undefined });
  if (incremental) await enableIncremental(at);
  return at;
}

/** The project's definitions with their `sync:` cut off: they run and are sent nowhere. */
async function withoutSync(dir: string): Promise<void> {
  for (const folder of ['audiences', 'traits']) {
    for (const file of await readdir(path.join(dir, folder))) {
      const at = path.join(dir, folder, file);
      const text = await readFile(at, 'utf8');
      await writeFile(at, text.slice(0, text.indexOf('\nsync:') + 1));
    }
  }
}

/** A call without its context.quorum.run_id, which names the deployment's run. */
const withoutRun = (call: ReceivedCall) => {
  const context = call.context as { quorum?: object } | undefined;
  return JSON.stringify({ ...call, context: { ...context, quorum: { ...context?.quorum, run_id: undefined } } });
};
/** Without the messageId either, whose generation counts the deployment's snapshots. */
const withoutId = (call: ReceivedCall) => withoutRun({ ...call, messageId: '' });
const sorted = (calls: readonly ReceivedCall[], key: (c: ReceivedCall) => string) => calls.map(key).sort();
/** Calls that arrived at a path since `from` calls had. */
const since = (prefix: string, from: number) => receiverOf().calls(prefix).slice(from);

describe.each([false, true])('a destination new to definitions (incremental engine %s)', (incremental) => {
  it('gets every current member once, then the changes; the old destination gets what it always would', async () => {
    const mode = incremental ? 'inc' : 'full';
    const dir = await deployment(`${mode}-added`, incremental, false);
    const never = await deployment(`${mode}-never`, incremental, false);
    const always = await deployment(`${mode}-always`, incremental, true);
    for (const d of [dir, never, always]) await runAt(d, AS_OFS[0]);
    expect(receiverOf().calls(`${mode}-added-second`)).toEqual([]);

    // the destination is added to every definition, and the next run sends it every current member
    await deployment(`${mode}-added`, incremental, true, dir);
    const firstBefore = receiverOf().calls(`${mode}-added-first`).length;
    const neverBefore = receiverOf().calls(`${mode}-never-first`).length;
    const alwaysBefore = receiverOf().calls(`${mode}-always-second`).length;
    // written in slices of 7 entities where an insert allows it, as a large backfill would be
    const output = await runAt(dir, AS_OFS[1], { outboxSliceRows: 7 });
    await runAt(never, AS_OFS[1]);
    await runAt(always, AS_OFS[1]);
    if (incremental) expect(output.definitions.map((d) => d.mode_reason)).toEqual(output.definitions.map(() => 'new_destination'));
    // what a first run at that as_of sends a destination: every member entered
    const fresh = await deployment(`${mode}-fresh`, incremental, true);
    await runAt(fresh, AS_OFS[1]);
    const backfill = receiverOf().calls(`${mode}-added-second`);
    expect(backfill.length).toBeGreaterThan(20);
    expect(sorted(backfill, withoutId)).toEqual(sorted(receiverOf().calls(`${mode}-fresh-second`), withoutId));
    // the old destination: exactly the calls (ids and all) of a deployment that never added one
    expect(sorted(since(`${mode}-added-first`, firstBefore), withoutRun)).toEqual(sorted(since(`${mode}-never-first`, neverBefore), withoutRun));

    // from then on the new destination gets the changes, as one that had it from the start
    const backfilled = backfill.length;
    const alwaysAt = receiverOf().calls(`${mode}-always-second`).length;
    expect(alwaysAt).toBeGreaterThan(alwaysBefore);
    const next = await runAt(dir, AS_OFS[2]);
    await runAt(always, AS_OFS[2]);
    if (incremental) expect(next.definitions.some((d) => d.mode_reason === 'new_destination')).toBe(false);
    const changes = since(`${mode}-added-second`, backfilled);
    expect(changes.length).toBeGreaterThan(0);
    expect(sorted(changes, withoutRun)).toEqual(sorted(since(`${mode}-always-second`, alwaysAt), withoutRun));
  }, 120_000);

  it('a destination removed and added again is sent every current member again', async () => {
    const mode = incremental ? 'inc' : 'full';
    const dir = await deployment(`${mode}-readded`, incremental, true);
    await runAt(dir, AS_OFS[0]);
    await deployment(`${mode}-readded`, incremental, false, dir);
    await runAt(dir, AS_OFS[1]);
    const before = receiverOf().calls(`${mode}-readded-second`).length;
    await deployment(`${mode}-readded`, incremental, true, dir);
    await runAt(dir, AS_OFS[2]);
    const fresh = await deployment(`${mode}-fresh2`, incremental, true);
    await runAt(fresh, AS_OFS[2]);
    const again = since(`${mode}-readded-second`, before);
    expect(again.length).toBeGreaterThan(20);
    expect(sorted(again, withoutId)).toEqual(sorted(receiverOf().calls(`${mode}-fresh2-second`), withoutId));
  }, 120_000);

  it('definitions that ran with no sync are sent every current member once one is added', async () => {
    const mode = incremental ? 'inc' : 'full';
    const dir = await deployment(`${mode}-unsynced`, incremental, true);
    await withoutSync(dir);
    await runAt(dir, AS_OFS[0]);
    await deployment(`${mode}-unsynced`, incremental, true, dir);
    const output = await runAt(dir, AS_OFS[1]);
    if (incremental) expect(output.definitions.map((d) => d.mode_reason)).toEqual(output.definitions.map(() => 'new_destination'));
    const fresh = await deployment(`${mode}-fresh3`, incremental, true);
    await runAt(fresh, AS_OFS[1]);
    for (const destination of ['first', 'second']) {
      const backfill = receiverOf().calls(`${mode}-unsynced-${destination}`);
      expect(backfill.length).toBeGreaterThan(20);
      expect(sorted(backfill, withoutId)).toEqual(sorted(receiverOf().calls(`${mode}-fresh3-${destination}`), withoutId));
    }
  }, 120_000);
});

// The same on PGlite, a real Postgres: the backfill's statements read staging as a first run does.
describe('a destination new to definitions, on PGlite', () => {
  it('gets every current member once, as a first run at that as_of would send it', async () => {
    const added = await pgliteProject('new-destination-pg', receiverOf(), (dir) => deployment('pg-added', false, false, dir).then(() => undefined));
    const withSecond = await pgliteProject('new-destination-pg2', receiverOf(), (dir) => deployment('pg-added', false, true, dir).then(() => undefined));
    const fresh = await pgliteProject('new-destination-pg3', receiverOf(), (dir) => deployment('pg-fresh', false, true, dir).then(() => undefined));
    const runOn = async (steps: readonly (readonly [Project, string])[]) => {
      const connection = await PgliteConnection.open(postgres);
      try {
        await loadIntoPostgres(connection.db, 'app', makeDataset());
        for (const [project, asOf] of steps) {
          const catalog = await readCatalog(connection, project);
          await run({ connection, project, catalog, asOf, definitions: selectDefinitions(project, []), destinationOptions: { retry: FAST_RETRY } });
        }
      } finally {
        await connection.close();
      }
    };
    await runOn([[added, AS_OFS[0]], [withSecond, AS_OFS[1]]]);
    await runOn([[fresh, AS_OFS[1]]]);
    const backfill = receiverOf().calls('pg-added-second');
    expect(backfill.length).toBeGreaterThan(20);
    expect(sorted(backfill, withoutId)).toEqual(sorted(receiverOf().calls('pg-fresh-second'), withoutId));
  }, 120_000);
});
