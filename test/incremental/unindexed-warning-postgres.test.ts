// On Postgres an incremental run finds its new rows through each source table's arrival column and
// event time; without an index on both, every such statement reads the table whole (BENCHMARKS.md,
// "Postgres: indexes on the arrival column and the event time"). The run warns, naming the table
// and columns: indexing exactly what it named silences it. `quorum validate` says the same before the
// first run, as a warning at quorum.yml's `enabled:` line.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics/format.js';
import { newRowIndexAdvice } from '../../src/evaluation/index-advice.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { run, type RunWarning } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import type { Project } from '../../src/definitions/model.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { FAST_RETRY, receiverForFile, tempDir, withSession } from '../sync/support/harness.js';
import { pgliteProject } from '../sync/support/pglite-second-run.js';
import { loadIntoPostgres } from '../sync/support/postgres-data.js';
import { AS_OFS, enableIncremental, makeDataset, writeProject } from '../sync/support/project.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const receiver = receiverForFile();

async function warningsOfRun(connection: WarehouseConnection, project: Project, asOf: string): Promise<RunWarning[]> {
  const warnings: RunWarning[] = [];
  const catalog = await readCatalog(connection, project);
  const output = await run({ connection, project, catalog, asOf, definitions: selectDefinitions(project, []), destinationOptions: { retry: FAST_RETRY }, onWarning: (w) => warnings.push(w) });
  expect(output.failed).toEqual({});
  return warnings;
}

/** `app.tracks(received_at, timestamp)` -> ['tracks', ['received_at', 'timestamp']] */
function named(entry: string): [string, string[]] {
  const table = entry.slice('app.'.length, entry.indexOf('('));
  return [table, entry.slice(entry.indexOf('(') + 1, -1).split(', ')];
}

/** A fresh PGlite holding `dataset` in schema app, closed when `work` ends. */
async function onPglite(dataset: ReturnType<typeof makeDataset>, work: (connection: PgliteConnection) => Promise<void>): Promise<void> {
  const connection = await PgliteConnection.open(postgres);
  try {
    await loadIntoPostgres(connection.db, 'app', dataset);
    await work(connection);
  } finally {
    await connection.close();
  }
}

describe('an incremental run on Postgres (PGlite) without indexes on its new rows', () => {
  it('warns with the tables and columns to index, and not once they are', async () => {
    const project = await pgliteProject('unindexed', receiver(), enableIncremental);
    await onPglite(makeDataset({ users: 20, logins: 100 }), async (connection) => {
      const first = await warningsOfRun(connection, project, AS_OFS[0]);
      expect(first.map((w) => w.code)).toEqual(['incremental.unindexed']);
      const tables = first[0].fields.tables as string[];
      // the events the definitions read, the identifies and the groups of the universe and memberships
      expect(tables.length).toBeGreaterThan(2);
      for (const entry of tables) expect(entry).toMatch(/^app\.\w+\((received_at|timestamp)(, (received_at|timestamp))?\)$/);
      expect(tables.some((t) => t.includes('received_at, timestamp'))).toBe(true);

      // an index on only one of the two columns is still named, with the other
      const [someTable] = named(tables[0]);
      await connection.db.exec(`CREATE INDEX ON app."${someTable}" (received_at)`);
      const partly = await warningsOfRun(connection, project, AS_OFS[1]);
      expect(partly[0].fields.tables as string[]).toContain(`app.${someTable}(timestamp)`);

      for (const entry of partly[0].fields.tables as string[]) {
        const [table, columns] = named(entry);
        for (const column of columns) await connection.db.exec(`CREATE INDEX ON app."${table}" ("${column}")`);
      }
      expect(await warningsOfRun(connection, project, AS_OFS[2])).toEqual([]);

      // advice only: a catalog that cannot be read for indexes leaves the run as it was
      await connection.db.exec(`DROP INDEX app."${someTable}_received_at_idx"`);
      connection.readIndexedColumns = () => Promise.reject(new Error('permission denied for table pg_index'));
      expect(await warningsOfRun(connection, project, AS_OFS[3])).toEqual([]);
    });
  });
});

async function adviceOf(connection: WarehouseConnection, project: Project) {
  return newRowIndexAdvice({ project, connection, catalog: await readCatalog(connection, project) }, AS_OFS[0]);
}

describe('quorum validate on Postgres (PGlite) with incremental runs on', () => {
  it('warns at the enabled: line with the tables the run would name, and its example index is one of them', async () => {
    const project = await pgliteProject('unindexed-validate', receiver(), enableIncremental);
    await onPglite(makeDataset({ users: 20, logins: 100 }), async (connection) => {
      const [advice, ...more] = await adviceOf(connection, project);
      expect(more).toEqual([]);
      expect(advice).toMatchObject({ code: 'unindexed_new_rows', severity: 'warning' });
      if (advice.code !== 'unindexed_new_rows') throw new Error(advice.code);
      // the same tables and columns as the run's own warning, before any run
      const run = await warningsOfRun(connection, project, AS_OFS[0]);
      expect(advice.params.tables.map((t) => `app.${t.table}(${t.columns.join(', ')})`)).toEqual(run[0].fields.tables);
      const yml = (await readFile(path.join(project.root, 'quorum.yml'), 'utf8')).split('\n');
      expect(yml[advice.loc!.line - 1].trim()).toBe('enabled: true');
      expect(formatDiagnostic(advice, project.root)).toContain(`quorum.yml:${advice.loc!.line}:${advice.loc!.col} warning[unindexed_new_rows]: `);

      // the hint's example is a statement Postgres runs, and it indexes one of the columns named
      const example = advice.hint!.slice(advice.hint!.indexOf('CREATE INDEX'), advice.hint!.indexOf(';'));
      await connection.db.exec(example);
      const [after] = await adviceOf(connection, project);
      if (after?.code !== 'unindexed_new_rows') throw new Error('no advice after one index');
      const columnsNamed = (a: typeof after) => a.params.tables.reduce((n, t) => n + t.columns.length, 0);
      expect(columnsNamed(after)).toBe(columnsNamed(advice) - 1);

      for (const t of after.params.tables) for (const column of t.columns) await connection.db.exec(`CREATE INDEX ON app."${t.table}" ("${column}")`);
      expect(await adviceOf(connection, project)).toEqual([]);
    });
  });

  it('says nothing with incremental runs off, nor on a warehouse without indexes', async () => {
    const off = await pgliteProject('unindexed-off', receiver());
    expect(off.config.incremental?.enabled ?? false).toBe(false);
    await onPglite(makeDataset({ users: 5, logins: 20 }), async (connection) => {
      expect(await adviceOf(connection, off)).toEqual([]);
    });
    const dir = await tempDir('unindexed-duckdb');
    await writeProject(dir, { endpoint: receiver().url });
    await enableIncremental(dir);
    await withSession(dir, async (session) => {
      expect(session.project.config.incremental?.enabled).toBe(true);
      expect(session.connection.readIndexedColumns).toBeUndefined();
      expect(await newRowIndexAdvice(session, AS_OFS[0])).toEqual([]);
    });
  });
});
