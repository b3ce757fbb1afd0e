// The same run over time on Postgres (PGlite, in-process): the state tables, the diff, the
// outbox inserts and the lock are the default printer's SQL with the postgres dialect's
// overrides, and must give exactly the calls the reference evaluator predicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { history } from '../../src/sync/history.js';
import { run } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { expectedCalls, keyOfReceived } from './support/expected.js';
import { FAST_RETRY, Reference, removeTempDirs, tempDir } from './support/harness.js';
import { outboxCallsFrom, outboxMessageIds } from '../support/outbox-ids.js';
import { loadIntoPostgres } from './support/postgres-data.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { dialectNamed } from '../../dialects/registry.js';

const INSTANTS = [AS_OFS[0], AS_OFS[2], AS_OFS[3], AS_OFS[5]];

let receiver: Receiver;
let reference: Reference;
const dataset = makeDataset({ users: 24, logins: 120 });

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  reference = await Reference.open(dataset);
});
afterAll(async () => {
  removeTempDirs();
  await receiver.close();
  reference.close();
});

describe('quorum run on Postgres (PGlite)', () => {
  it('sends exactly the predicted changes over four instants, and nothing on a repeat', async () => {
    const dir = await tempDir('pglite');
    await writeProject(dir, { endpoint: receiver.url, noWarehouse: true });
    const project = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
    const connection = await PgliteConnection.open(postgres);
    try {
      await loadIntoPostgres(connection.db, 'app', dataset);
      const catalog = await readCatalog(connection, project);
      let prev: { asOf: string; results: Awaited<ReturnType<Reference['at']>> } | null = null;
      let seen = 0;
      for (const asOf of [...INSTANTS, INSTANTS[INSTANTS.length - 1]]) {
        const output = await run({ connection, project, catalog, asOf, definitions: selectDefinitions(project, []), destinationOptions: { retry: FAST_RETRY, maxCalls: 30 } });
        const results = await reference.at(project, asOf);
        const calls = receiver.calls().slice(seen);
        seen += calls.length;
        expect(calls.map(keyOfReceived).sort(), asOf).toEqual(prev?.asOf === asOf ? [] : expectedCalls(project, dataset, prev, { asOf, results }));
        expect(output.failed).toEqual({});
        prev = { asOf, results };
      }
      expect(seen).toBeGreaterThan(60);
      const dry = await run({ connection, project, catalog, asOf: AS_OFS[0], definitions: selectDefinitions(project, []), dryRun: true });
      const back = await reference.at(project, AS_OFS[0]);
      const admins = back.get('active_admins')!;
      expect(dry.definitions.find((d) => d.name === 'active_admins')!.size).toBe(admins.kind === 'audience' ? admins.members.size : -1);
      expect(receiver.calls().length).toBe(seen);
      expect(receiver.invalid).toEqual([]);
      const runs = await history(connection, project.config.stateSchema);
      expect(runs.length).toBe(INSTANTS.length + 1);
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      const pending = await connection.query(`SELECT COUNT(*) AS n FROM ${await outboxCallsFrom(connection, 'quorum_state')} WHERE delivered_at IS NULL`);
      expect(Number(pending[0].n)).toBe(0);
      // every call the outbox holds went out with the id delivery derives from its row
      const ids = await outboxMessageIds(connection, 'quorum_state');
      const received = new Set(receiver.calls().map((c) => c.messageId));
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.filter((id) => !received.has(id))).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
