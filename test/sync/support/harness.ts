// Runs `quorum run` in-process against a test project, and the reference evaluator beside it.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { dialectNamed } from '../../../dialects/registry.js';
import type { Project } from '../../../src/definitions/model.js';
import { openSession, type Session } from '../../../src/evaluation/session.js';
import type { DefinitionResult, SourceDataset } from '../../../src/reference/dataset.js';
import { evaluateReference } from '../../../src/reference/evaluate.js';
import { run, type RunOutput, type RunRequest } from '../../../src/sync/run.js';
import { selectDefinitions } from '../../../src/sync/select.js';
import { loadDataset, runSqlTraits } from '../../support/load-duckdb.js';
import { WRITE_KEY } from './project.js';
import { startReceiver, type Receiver } from './receiver.js';

process.env.QUORUM_TEST_WRITE_KEY = WRITE_KEY;

export const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 2_000 };

const created: string[] = [];

/** Call from afterAll: removes every directory `tempDir` made in this test file. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** For a test file: a receiver started before its tests and closed after them, with the file's temp folders. */
export function receiverForFile(): () => Receiver {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ writeKey: WRITE_KEY });
  });
  afterAll(async () => {
    removeTempDirs();
    await receiver.close();
  });
  return () => receiver;
}

/** A fresh directory, removed by `removeTempDirs` (QUORUM_KEEP_TEMP=1 keeps it). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `quorum-${prefix}-`));
  if (!process.env.QUORUM_KEEP_TEMP) created.push(dir);
  return dir;
}

export async function withSession<T>(dir: string, work: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(dir, dialectNamed);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

export async function runAt(dir: string, asOf: string, extra: Partial<RunRequest> = {}): Promise<RunOutput> {
  return withSession(dir, (session) =>
    run({ ...session, asOf, definitions: selectDefinitions(session.project, []), destinationOptions: { retry: FAST_RETRY, maxCalls: 40 }, ...extra }),
  );
}

/** The reference evaluator's answer, SQL traits run on an in-memory DuckDB holding the same data. */
export class Reference {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly dataset: SourceDataset,
  ) {}

  static async open(dataset: SourceDataset): Promise<Reference> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await loadDataset(connection, dataset);
    return new Reference(instance, connection, dataset);
  }

  async at(project: Project, asOf: string): Promise<Map<string, DefinitionResult>> {
    const sql = await runSqlTraits(this.connection, project, asOf);
    return evaluateReference(project, this.dataset, asOf, { sqlTraitRows: sql.rows, sqlTraitColumnTypes: sql.types });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
