// `quorum run --dry-run` (SPEC §7) evaluates the definitions once: one read-only statement gives the
// counts and the sample of changes, where it used to send a second one that evaluated everything
// again. On the demo project (`quorum init`), before any run and after a real one (so that there are
// entered, exited and changed entities), its summaries are those of the joins per transition
// (transition-sql.ts: countsQuery's counts, each transition's entities in entity_id order), on
// DuckDB, on PGlite, and in BigQuery's and Snowflake's SQL translated to DuckDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { DIALECTS, dialectNamed } from '../../dialects/registry.js';
import { DEMO_AS_OF } from '../../fixtures/demo/generate-warehouse.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import type { Project } from '../../src/definitions/model.js';
import { planFor, readCatalog } from '../../src/evaluation/evaluate.js';
import { openSession, type Session } from '../../src/evaluation/session.js';
import { col, select, subquery, union, type Query } from '../../src/sql/ast.js';
import { transitionSelect } from '../../src/sync/change-set-sql.js';
import {
  countsQuery,
  dryRunQuery,
  dryRunRefs,
  entitiesChanged,
  entitiesEntered,
  entitiesExited,
  readCounts,
  stagingQuery,
} from '../../src/sync/diff-sql.js';
import { definitionSummary, guardrailBreaches } from '../../src/sync/guardrail.js';
import { run, syncDefinitions } from '../../src/sync/run.js';
import type { RunOutput, RunRequest } from '../../src/sync/run-types.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { stateTablesExist } from '../../src/sync/state-sql.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import { readRows, type WarehouseConnection } from '../../src/warehouse/connection.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { TranspilingConnection } from '../dialects/support/transpiling-connection.js';
import { copyDemoProject } from '../support/demo-project.js';
import { readSourceDataset } from '../support/source-dataset.js';
import { FAST_RETRY } from './support/harness.js';

const SAMPLE = 10;
const REAL_RUN = '2024-05-15T00:00:00Z';
/** Before the state exists (every entity enters), then after the real run: later (entered, exited, changed) and earlier (mass exits). */
const BEFORE_STATE = ['2024-04-01T00:00:00Z', DEMO_AS_OF];
const AFTER_RUN = ['2024-05-20T00:00:00Z', DEMO_AS_OF, '2024-04-01T00:00:00Z'];

interface Engine {
  readonly project: Project;
  readonly catalog: Catalog;
  readonly connection: WarehouseConnection;
}

/** `connection`, with every statement it is sent recorded in `sent`. */
function recorded(connection: WarehouseConnection, sent: string[]): WarehouseConnection {
  const recording = new Set(['query', 'queryReadOnly', 'readBatches', 'describe', 'execute']);
  return new Proxy(connection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (!recording.has(String(property))) return method;
      return (sql: string) => {
        sent.push(sql);
        return method(sql);
      };
    },
  });
}

/** A dry run, and how many of the statements it sent read the source tables (evaluated the definitions). */
async function dryRun(engine: Engine, asOf: string): Promise<{ output: RunOutput; evaluations: number }> {
  const sent: string[] = [];
  const request: RunRequest = {
    ...engine,
    connection: recorded(engine.connection, sent),
    asOf,
    definitions: selectDefinitions(engine.project, []),
    dryRun: true,
    sampleSize: SAMPLE,
  };
  const output = await run(request);
  const sources = `${engine.connection.dialect.printer.visitSchemaName(engine.project.config.source.schema)}.`;
  return { output, evaluations: sent.filter((sql) => sql.includes(sources)).length };
}

/**
 * What the dry run reports, from the joins per transition (transition-sql.ts) over the same CTEs:
 * countsQuery's counts, and each transition's entities ordered by the engine, the first SAMPLE kept.
 */
async function fromTheJoins(engine: Engine, asOf: string) {
  const { project, catalog, connection } = engine;
  const plan = planFor({ project, catalog, asOf, targets: selectDefinitions(project, []) });
  const definitions = syncDefinitions(project, plan);
  const schema = project.config.stateSchema;
  const exists = await stateTablesExist(connection, schema);
  const refs = dryRunRefs(schema, exists);
  const read = async (body: Query) =>
    readRows(connection, connection.dialect.printer.print(dryRunQuery(stagingQuery(plan, definitions), exists, body)));
  const counts = readCounts(await read(countsQuery(refs, definitions)), definitions);
  const names = definitions.map((d) => d.name);
  const traits = definitions.filter((d) => d.kind === 'trait').map((d) => d.name);
  const transitions = [transitionSelect('entered', entitiesEntered(refs, names)), transitionSelect('exited', entitiesExited(refs, names))];
  if (traits.length > 0) transitions.push(transitionSelect('changed', entitiesChanged(refs, traits)));
  const keys = ['definition', 'transition', 'entity_id'];
  const ordered = select({
    columns: keys.map((k) => ({ expr: col(k, 'c'), alias: k })),
    from: subquery(union(transitions), 'c'),
    orderBy: keys.map((k) => ({ expr: col(k, 'c'), direction: 'ASC' as const })),
  });
  const samples = new Map(names.map((name) => [name, { entered: [] as string[], exited: [] as string[], changed: [] as string[] }]));
  for (const row of await read(ordered)) {
    const sample = samples.get(String(row.definition))![String(row.transition) as 'entered' | 'exited' | 'changed'];
    if (sample.length < SAMPLE) sample.push(String(row.entity_id));
  }
  const breaches = guardrailBreaches(project, definitions, counts, false);
  return definitions.map((d) => ({
    name: d.name,
    ...definitionSummary(counts.get(d.name)!, breaches.get(d.name) ?? null, 'dry-run'),
    sample: samples.get(d.name),
  }));
}

const summaries = (output: RunOutput) =>
  output.definitions.map(({ name, size, entered, exited, changed, status, message, sample }) => ({
    name,
    size,
    entered,
    exited,
    changed,
    status,
    ...(message === undefined ? {} : { message }),
    sample,
  }));

/** Every as_of: one evaluation, the joins' answer. Returns the dry runs' outputs. */
async function checkDryRuns(engine: Engine, asOfs: readonly string[]): Promise<RunOutput[]> {
  const outputs: RunOutput[] = [];
  for (const asOf of asOfs) {
    const { output, evaluations } = await dryRun(engine, asOf);
    expect(evaluations, `statements that read the source tables, as of ${asOf}`).toBe(1);
    expect(summaries(output), asOf).toEqual(await fromTheJoins(engine, output.as_of));
    outputs.push(output);
  }
  return outputs;
}

const total = (outputs: readonly RunOutput[], key: 'entered' | 'exited' | 'changed') =>
  outputs.flatMap((o) => o.definitions).reduce((n, d) => n + d[key], 0);

describe('quorum run --dry-run evaluates the definitions once (the demo project)', () => {
  let dir: string;
  let duck: Session;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quorum-dry-once-'));
    await copyDemoProject(dir);
    duck = await openSession(dir, dialectNamed);
  }, 120_000);
  afterAll(async () => {
    await duck?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DuckDB: one statement evaluates, and gives the counts and samples of the joins, before the state exists and after a real run', async () => {
    await checkDryRuns(duck, BEFORE_STATE);
    const real = await run({
      ...duck,
      asOf: REAL_RUN,
      definitions: selectDefinitions(duck.project, []),
      destinationOptions: { retry: FAST_RETRY },
    });
    expect(real.failed).toEqual({});
    const after = await checkDryRuns(duck, AFTER_RUN);
    for (const key of ['entered', 'exited', 'changed'] as const) expect(total(after, key), key).toBeGreaterThan(100);
    // an account audience's users joining and leaving accounts that stay are changes too
    expect(after.flatMap((o) => o.definitions).some((d) => d.name.endsWith('_accounts') && d.changed > 0)).toBe(true);
  }, 300_000);

  it("BigQuery's and Snowflake's statement (translated to DuckDB) reads staging once and answers as DuckDB's does", async () => {
    // (runs after the DuckDB case: the state of its real run exists)
    const state = await dryRun(duck, AFTER_RUN[0]);
    for (const name of ['bigquery', 'snowflake'] as const) {
      const translated = new TranspilingConnection(DIALECTS[name], duck.connection as DuckDbConnection);
      const output = await run({
        ...duck,
        connection: translated,
        asOf: AFTER_RUN[0],
        definitions: selectDefinitions(duck.project, []),
        dryRun: true,
        sampleSize: SAMPLE,
      });
      expect(summaries(output), name).toEqual(summaries(state.output));
      const evaluations = translated.statements.filter((s) => s.printed.includes(DIALECTS[name].printer.quoteIdentifier('quorum:staging')));
      expect(evaluations.length, name).toBe(1);
      // the CTE's name, then its one reference: BigQuery evaluates a CTE again at each reference
      expect(evaluations[0].printed.split(DIALECTS[name].printer.quoteIdentifier('quorum:staging')).length - 1, name).toBe(2);
    }
  }, 300_000);

  it('PGlite: the same, over an eighth of the demo data', async () => {
    const lite = await PgliteConnection.open(postgres);
    try {
      // Every eighth person (by user or anonymous id): the demo's 900,000 rows take minutes to load into PGlite.
      const subset = await readSourceDataset(duck.connection, duck.catalog, 'app', 'hash(coalesce(user_id, anonymous_id)) % 8 = 0');
      await loadDatasetPg(lite.db, subset);
      const engine: Engine = { project: duck.project, catalog: await readCatalog(lite, duck.project), connection: lite };
      await checkDryRuns(engine, BEFORE_STATE.slice(1));
      const real = await run({
        ...engine,
        asOf: REAL_RUN,
        definitions: selectDefinitions(duck.project, []),
        destinationOptions: { retry: FAST_RETRY },
      });
      expect(real.failed).toEqual({});
      const after = await checkDryRuns(engine, [AFTER_RUN[1], AFTER_RUN[2]]);
      for (const key of ['entered', 'exited', 'changed'] as const) expect(total(after, key), key).toBeGreaterThan(10);
    } finally {
      await lite.close();
    }
  }, 600_000);
});
