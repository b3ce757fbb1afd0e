// Two runs of a project on PGlite, the second one watched: every statement its transactions send
// is shown to `watch` first, which may query the same transaction (to read what the planner knows,
// say) before the statement runs. For tests of what quorum's statements do on a real Postgres.
import type { Transaction } from '@electric-sql/pglite';
import { PgliteConnection } from '../../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../../dialects/postgres/index.js';
import { dialectNamed } from '../../../dialects/registry.js';
import { loadProject } from '../../../src/definitions/load-project.js';
import type { Project } from '../../../src/definitions/model.js';
import { readCatalog } from '../../../src/evaluation/evaluate.js';
import type { SourceDataset } from '../../../src/reference/dataset.js';
import { run, type RunOutput } from '../../../src/sync/run.js';
import { selectDefinitions } from '../../../src/sync/select.js';
import { FAST_RETRY, tempDir } from './harness.js';
import { loadIntoPostgres } from './postgres-data.js';
import { writeProject } from './project.js';
import type { Receiver } from './receiver.js';

/** The sync tests' project (project.ts) in a fresh folder, delivering to `receiver`, with no warehouse file; `edit` may change its files before it loads. */
export async function pgliteProject(prefix: string, receiver: Receiver, edit?: (dir: string) => Promise<void>): Promise<Project> {
  const dir = await tempDir(prefix);
  await writeProject(dir, { endpoint: receiver.url, noWarehouse: true });
  await edit?.(dir);
  return (await loadProject(dir, { dialects: dialectNamed })).project as Project;
}

export type Watch = (sql: string, query: Transaction['query']) => Promise<void>;

/** Loads `dataset` into a fresh PGlite, runs every definition at `first`, then at `second` under `watch` (of `secondProject`, if given). */
export async function watchSecondRun(project: Project, dataset: SourceDataset, first: string, second: string, watch: Watch, secondProject: Project = project): Promise<{ first: RunOutput; second: RunOutput }> {
  const connection = await PgliteConnection.open(postgres);
  try {
    await loadIntoPostgres(connection.db, 'app', dataset);
    const catalog = await readCatalog(connection, project);
    const runAt = (asOf: string, p: Project) => run({ connection, project: p, catalog, asOf, definitions: selectDefinitions(p, []), destinationOptions: { retry: FAST_RETRY } });
    const firstOutput = await runAt(first, project);
    const transaction = connection.db.transaction.bind(connection.db);
    connection.db.transaction = <T>(work: (tx: Transaction) => Promise<T>) =>
      transaction(async (tx) => {
        const query = tx.query.bind(tx);
        tx.query = (async (sql: string, ...rest: unknown[]) => {
          await watch(sql, query);
          return query(sql, ...(rest as []));
        }) as Transaction['query'];
        return work(tx);
      });
    return { first: firstOutput, second: await runAt(second, secondProject) };
  } finally {
    await connection.close();
  }
}
