// `quorum state verify` and the run modes on Postgres (PGlite, in-process), whose SQL traits run
// read-only into temporary tables first (transactionAfterReadOnly): the same clean state, the same
// drift after a deletion, and the mode each run chose, as on DuckDB.
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Project } from '../../src/definitions/model.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { verifyState } from '../../src/sync/state-verify.js';
import { loadIntoPostgres } from '../sync/support/postgres-data.js';
import { INCREMENTAL_DEFAULTS } from '../../src/definitions/parse-incremental.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { AS_OFS, makeDataset, writeProject } from '../sync/support/project.js';

afterAll(() => removeTempDirs());

describe('state verify and run modes on PGlite', () => {
  it('is clean after runs, finds the drift a deletion leaves, and a full run repairs it', async () => {
    const dir = await tempDir('verify-pglite');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9/unused', noWarehouse: true });
    const loaded = (await loadProject(dir, { dialects: dialectNamed })).project as Project;
    // incremental evaluation is opt-in (docs/operating.md): this project turns it on
    const project: Project = { ...loaded, config: { ...loaded.config, incremental: { ...INCREMENTAL_DEFAULTS, enabled: true } } };
    const connection = await PgliteConnection.open(postgres);
    try {
      await loadIntoPostgres(connection.db, 'app', makeDataset({ users: 20, logins: 120 }));
      const session = { connection, project, catalog: await readCatalog(connection, project) };
      const runAt = (asOf: string, full = false) => run({ ...session, asOf, definitions: selectDefinitions(project, []), destinations: new Map(), allowMassExit: true, full, countRowsRead: true });
      const first = await runAt(AS_OFS[1]);
      expect(first.definitions.map((d) => d.mode_reason)).toEqual(first.definitions.map(() => 'first_run'));
      expect(first.definitions.every((d) => typeof d.rows_read === 'number' && d.rows_read > 0)).toBe(true);
      const second = await runAt(AS_OFS[2]);
      // the SQL trait is read in full every run (SPEC §6.1)
      expect(second.definitions.map((d) => d.mode)).toEqual(second.definitions.map((d) => (d.name === 'recent_method' ? 'full' : 'incremental')));
      expect((await verifyState(session, 'v1')).status).toBe('clean');

      await connection.db.exec("DELETE FROM app.logged_in WHERE timestamp > '2024-06-03 00:00:00'; DELETE FROM app.tracks WHERE timestamp > '2024-06-03 00:00:00'");
      const drift = await verifyState(session, 'v2');
      expect(drift.status).toBe('drift');
      expect(drift.drift.map((d) => d.name)).toEqual(expect.arrayContaining(['active_admins', 'recent_method']));
      // the SQL trait (recent_method) was recomputed from the warehouse as it is now: everyone lost it
      const recent = drift.drift.find((d) => d.name === 'recent_method')!;
      expect(recent.exited).toBe(recent.entities);

      await runAt(AS_OFS[2], true);
      const after = await verifyState(session, 'v3');
      expect(after).toMatchObject({ status: 'clean', drifted_entities: 0, definitions: 4 });
      const recorded = await connection.query('SELECT verification_id, status FROM quorum_state.verifications ORDER BY verification_id');
      expect(recorded).toEqual([{ verification_id: 'v1', status: 'clean' }, { verification_id: 'v2', status: 'drift' }, { verification_id: 'v3', status: 'clean' }]);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
