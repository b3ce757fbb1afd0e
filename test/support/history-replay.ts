// Replaying an arrival history (history-arbitraries.ts) the way a schedule runs quorum: each batch
// is appended to a real warehouse (history-engines.ts) and the library's `run` follows it in its
// default mode. After every run the committed snapshot must equal a fresh full recomputation with
// no state (`evaluate`) and the reference evaluator's answer.
import { expect } from 'vitest';
import type { Project } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { IncrementalMutation } from '../../src/incremental/evaluate-incremental.js';
import type { DefinitionResult } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { run, type RunOutput } from '../../src/sync/run.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { committedAnswer, withValues } from './committed-answer.js';
import { differences, exactDifferences } from './compare-results.js';
import { contentsAfter, describeHistory, type WarehouseHistory } from './history-arbitraries.js';
import type { HistoryEngine } from './history-engines.js';

/** What one run of a replay saw, for checks of the caller's own. */
export interface ReplayedRun {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
  readonly output: RunOutput;
  /** The run's log lines. */
  readonly log: readonly string[];
  /** The reference evaluator's answer after this run's batch. */
  readonly reference: Map<string, DefinitionResult>;
}

export interface ReplayOptions {
  /** A deliberate fault of the engine (run()'s test-only incrementalMutation). */
  readonly mutation?: IncrementalMutation;
  /** false: the runs empty their dirty keys before COMMIT, as a deployment's do; by default they stay for afterRun to read. */
  readonly keepDirtyKeys?: boolean;
  /** Called after run `index` (0-based) passed both comparisons. */
  readonly afterRun?: (index: number, replayed: ReplayedRun) => Promise<void> | void;
}

export async function replayHistory(engine: HistoryEngine, history: WarehouseHistory, schemas: { source: string; state: string }, options: ReplayOptions = {}): Promise<void> {
  const project: Project = {
    ...history.project,
    config: { ...history.project.config, source: { ...history.project.config.source, schema: schemas.source }, stateSchema: schemas.state },
  };
  const targets = project.definitions.map((d) => d.name);
  await engine.reset(schemas.source, schemas.state, history.columns);
  for (const [i, batch] of history.batches.entries()) {
    for (const [table, rows] of Object.entries(batch.rows)) await engine.append(schemas.source, table, history.columns[table], rows);
    const connection = engine.connection();
    const catalog = await readCatalog(connection, project);
    const asOf = history.runs[i];
    const log: string[] = [];
    const output = await run({ connection, project, catalog, asOf, definitions: targets, destinations: new Map(), allowMassExit: true, incrementalMutation: options.mutation, keepDirtyKeys: options.keepDirtyKeys ?? true, log: (line) => log.push(line) });
    expect(output.errors).toEqual([]);
    const committed = await committedAnswer(connection, project);
    const where = `after batch ${i} (run as of ${asOf}) of\n${describeHistory(history)}`;
    const fresh = await evaluate(connection, { project, catalog, asOf, targets });
    expect(exactDifferences(withValues(fresh), committed), `the committed snapshot differs from a full recomputation ${where}`).toEqual([]);
    const sql = engine.sqlTraits ? await engine.sqlTraits(project, asOf) : null;
    const reference = evaluateReference(project, contentsAfter(history, i), asOf, sql ? { sqlTraitRows: sql.rows, sqlTraitColumnTypes: sql.types } : {}) as Map<string, DefinitionResult>;
    expect(differences(withValues(reference), committed), `the committed snapshot differs from the reference ${where}`).toEqual([]);
    await options.afterRun?.(i, { connection, project, catalog, asOf, output, log, reference });
  }
}
