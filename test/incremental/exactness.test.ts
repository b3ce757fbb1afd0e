// The exactness property of incremental runs (SPEC §6.1, issue 15): for generated warehouse
// histories (test/support/history-arbitraries.ts: arrival batches with late rows, rows on window
// edges, identity edges that arrive after the rows they re-attribute, membership changes, funnels,
// and runs at irregular as_ofs that move forward), each batch is appended to a real warehouse and
// the library's `run` follows it in its default mode, the way a schedule calls it. After every run
// the committed snapshot must equal a fresh full recomputation with no state (`evaluate`) and the
// reference evaluator, on DuckDB, PGlite and (with QUORUM_TEST_POSTGRES_URL) PostgreSQL over the
// wire. QUORUM_PROPERTY_RUNS scales the number of histories (100 per engine by default, 300 in CI
// with the server; 2,000 per engine under `npm run test:deep`); the seed is fresh on each run and
// printed (property-seed.ts); a history that once failed is replayed on every run (REGRESSIONS).
// Beside the answers, every run that recomputes only some users (entity-scope.ts) is checked
// against the history (history-coverage.ts): each user whose answer changed was recomputed, and
// the run's dirty users are compared with the ones the history's rows make dirty. What the
// histories reached (restricted runs, users dirty by a window edge alone, answers that a window
// edge alone changed) is counted and must reach COVERAGE_FLOORS at CI's count.
// The mutation check at the end runs the same property with a deliberate fault switched on in the
// engine and requires it to fail: a property that cannot fail proves nothing.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import type { Project } from '../../src/definitions/model.js';
import type { IncrementalMutation } from '../../src/incremental/evaluate-incremental.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { featuresRead } from '../../src/plan/physical/incremental-pass.js';
import type { DefinitionResult, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { DefinitionSummary } from '../../src/sync/run.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { createTablesPg, insertRowsPg } from '../dialects/support/load-pglite.js';
import { differences } from '../support/compare-results.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { arbWarehouseHistory, contentsAfter, describeHistory, type HistoryOptions, type WarehouseHistory } from '../support/history-arbitraries.js';
import { committedAnswer } from '../support/committed-answer.js';
import { funnelEdgeHistory } from '../support/funnel-history.js';
import { DIRTY_AFTER_RUN, USER_IDS, windowEdgeHistory } from './window-edge-history.js';
import { accountsNamedByNewRows, belowFloors, changedEntities, describeCoverage, dirtyByHistory, emptyCoverage, type HistoryCoverage } from './history-coverage.js';
import { dirtyAccountsRef, dirtyRef } from '../../src/incremental/entity-scope.js';
import { planIncremental } from '../../src/incremental/evaluate-incremental.js';
import { incrementalSettings } from '../../src/incremental/incremental-settings.js';
import { aggregate, coalesce, col, concat, countAll, select, str, tableOf } from '../../src/sql/ast.js';
import { PROPERTY_SEED } from '../support/property-seed.js';
import { duckHistoryEngine, liteHistoryEngine, type HistoryEngine } from '../support/history-engines.js';
import { replayHistory, type ReplayedRun } from '../support/history-replay.js';
import { firstLastHistory } from '../support/first-last-history.js';

/**
 * A fifth of the differential suites' count per engine: 100 each by default, 300 in CI (DuckDB,
 * PGlite and the server), 2,000 each under test:deep (4,000 without a server). A history is two or
 * three runs with state, a few seconds on a loaded machine.
 */
const HISTORIES = Math.max(10, Math.round(Number(process.env.QUORUM_PROPERTY_RUNS ?? 500) / 5));
/** Time for one engine's histories: test:deep's 2,000 take hours, CI's 100 minutes. */
const TIMEOUT = Math.max(1_800_000, HISTORIES * 20_000);
/** CI's count: the floors are statistics, checked from there on. */
const FLOORS_FROM = 100;
/** test:deep says how far it got, so that a run stopped early still reports what passed. */
const PROGRESS_EVERY = HISTORIES > 200 ? 100 : 0;

/**
 * Histories that once failed, replayed exactly (fast-check's seed and path) on every run, each on
 * every engine. A new failure's report prints both: add it here once its cause is fixed.
 */
const REGRESSIONS: readonly { readonly seed: number; readonly path: string; readonly what: string }[] = [];

/** Runs of a definition that reads a funnel, by mode: the property must see funnels run incrementally. */
const funnelRuns = { incremental: 0, full: 0 };

function tallyFunnels(project: Project, catalog: Catalog, asOf: string, definitions: readonly DefinitionSummary[]): void {
  const plan = planFor({ project, catalog, asOf, targets: definitions.map((d) => d.name) });
  const funnelColumns = new Set(plan.features.filter((f) => f.source.kind === 'funnel').map((f) => f.column));
  for (const d of definitions) {
    if (![...featuresRead(plan, d.name)].some((c) => funnelColumns.has(c))) continue;
    if (d.mode === 'incremental') funnelRuns.incremental += 1;
    else funnelRuns.full += 1;
  }
}

/** Replays one history (history-replay.ts): after every batch a run, then its snapshot against both oracles, then the coverage checks. */
async function replay(engine: HistoryEngine, history: WarehouseHistory, schemas: { source: string; state: string }, mutation?: IncrementalMutation, afterRun?: (run: number, connection: WarehouseConnection) => Promise<void>, coverage?: HistoryCoverage): Promise<void> {
  let previousReference: Map<string, DefinitionResult> | null = null;
  let edgeChanged = false;
  let memberChanged = false;
  await replayHistory(engine, history, schemas, {
    mutation,
    afterRun: async (i, { connection, project, catalog, asOf, output, log, reference }) => {
      tallyFunnels(project, catalog, asOf, output.definitions);
      if (previousReference !== null) {
        const restricted = await restrictedRun(connection, project, catalog, asOf, log);
        if (restricted !== null) {
          // the users whose answer truly changed must all have been recomputed, whatever made them change
          const changed = changedEntities(previousReference, reference, restricted.definitions);
          const where = `after batch ${i} (run as of ${asOf}) of\n${describeHistory(history)}`;
          expect([...changed].filter((u) => !restricted.dirty.has(u)).sort(), `users whose answers changed but run ${i + 1} did not recompute ${where}`).toEqual([]);
          if (coverage) edgeChanged = tallyDirty(coverage, history, i, restricted.dirty, changed) || edgeChanged;
        }
        const accounts = await restrictedRun(connection, project, catalog, asOf, log, 'account');
        if (accounts !== null) {
          // likewise the accounts, through their members' rows and memberships
          const changed = changedEntities(previousReference, reference, accounts.definitions);
          const where = `after batch ${i} (run as of ${asOf}) of\n${describeHistory(history)}`;
          expect([...changed].filter((a) => !accounts.dirty.has(a)).sort(), `accounts whose answers changed but run ${i + 1} did not recompute ${where}`).toEqual([]);
          if (coverage) {
            coverage.restrictedAccountRuns += 1;
            const named = accountsNamedByNewRows(history, i);
            memberChanged = [...changed].some((a) => !named.has(a)) || memberChanged;
          }
        }
      }
      previousReference = reference;
      await afterRun?.(i, connection);
    },
  });
  if (coverage) {
    coverage.histories += 1;
    if (history.scoped) coverage.scopedHistories += 1;
    if (edgeChanged) coverage.edgeChangedHistories += 1;
    if (memberChanged) coverage.memberChangedHistories += 1;
  }
}

/**
 * The definitions the run restricted to dirty entities of `level` (all of the plan's `changed entities` ones of that level, or
 * null when it restricted none, or only some: then which is not known here) and those entities.
 */
async function restrictedRun(connection: WarehouseConnection, project: Project, catalog: Catalog, asOf: string, logged: readonly string[], level: 'user' | 'account' = 'user'): Promise<{ definitions: string[]; dirty: Set<string> } | null> {
  const pattern = level === 'user' ? /^(\d+) definitions recomputed for \d+ users/ : /^(\d+) account-level definitions recomputed for \d+ accounts/;
  const line = logged.map((l) => pattern.exec(l)).find((m) => m !== null);
  if (line === undefined || line === null) return null;
  const plan = planFor({ project, catalog, asOf, targets: project.definitions.map((d) => d.name) });
  const settings = incrementalSettings(catalog, { arrivalLagSeconds: project.config.incremental?.arrivalLagSeconds });
  const scoped = planIncremental(plan, settings).pass.scopes.definitions.filter((d) => d.covers === 'changed entities' && d.level === level).map((d) => d.name);
  if (scoped.length !== Number(line[1])) return null;
  const keys = (level === 'user' ? dirtyRef : dirtyAccountsRef)(project.config.stateSchema);
  const rows = await connection.query(connection.dialect.printer.print(select({ columns: [{ expr: col('id', 'd'), alias: 'id' }], from: tableOf(keys, 'd') })));
  return { definitions: scoped, dirty: new Set(rows.map((r) => String(r.id))) };
}

/** Counts run `i`'s dirty users against the history's; true when a window edge alone changed an answer. */
function tallyDirty(coverage: HistoryCoverage, history: WarehouseHistory, i: number, dirty: ReadonlySet<string>, changed: ReadonlySet<string>): boolean {
  const expected = dirtyByHistory(history, i);
  coverage.restrictedRuns += 1;
  const missed = [...expected.keys()].filter((u) => !dirty.has(u));
  const extra = [...dirty].filter((u) => !expected.has(u));
  coverage.missedByRun += missed.length;
  coverage.extraInRun += extra.length;
  const at = `run ${i + 1} as of ${history.runs[i]}`;
  coverage.examples.push(...[...missed.map((u) => `${at} missed ${u} (${expected.get(u)})`), ...extra.map((u) => `${at} added ${u}`)].slice(0, Math.max(0, 3 - coverage.examples.length)));
  const edgeOnly = [...dirty].filter((u) => expected.get(u) === 'window edge');
  coverage.edgeOnlyDirty += edgeOnly.length;
  return edgeOnly.some((u) => changed.has(u));
}

type Schemas = { readonly source: string; readonly state: string };

function historyProperty(engine: () => HistoryEngine, options: HistoryOptions, schemas: Schemas, mutation?: IncrementalMutation, coverage?: HistoryCoverage) {
  let passed = 0;
  return fc.asyncProperty(arbWarehouseHistory(options), async (history) => {
    await replay(engine(), history, schemas, mutation, undefined, coverage);
    passed += 1;
    if (PROGRESS_EVERY > 0 && passed % PROGRESS_EVERY === 0) console.log(`exactness: ${passed} of ${HISTORIES} histories passed (seed ${PROPERTY_SEED})`);
  });
}

/**
 * The histories, then the coverage floors: at CI's count and above, so that a quick run with
 * QUORUM_PROPERTY_RUNS set low still tests exactness without the floors' statistics.
 */
async function property(engine: () => HistoryEngine, options: HistoryOptions, schemas: Schemas = { source: 'app', state: 'quorum' }) {
  for (const r of REGRESSIONS) await fc.assert(historyProperty(engine, options, schemas), { seed: r.seed, path: r.path, endOnFailure: true });
  const coverage = emptyCoverage();
  await fc.assert(historyProperty(engine, options, schemas, undefined, coverage), { numRuns: HISTORIES, seed: PROPERTY_SEED, endOnFailure: true });
  console.log(`exactness coverage (seed ${PROPERTY_SEED}): ${describeCoverage(coverage)}`);
  if (HISTORIES >= FLOORS_FROM) expect(belowFloors(coverage), `the generated histories fell below their coverage floors (seed ${PROPERTY_SEED}): ${describeCoverage(coverage)}`).toEqual([]);
}

const duckEngine = duckHistoryEngine;
const liteEngine = liteHistoryEngine;

describe('incremental runs are exact: the committed answer after every batch is a full recomputation\'s', () => {
  const engines = duckAndPglite();
  afterAll(() => console.log(`exactness: runs of definitions that read a funnel: ${funnelRuns.incremental} incremental, ${funnelRuns.full} full`));

  it(`on DuckDB, ${HISTORIES} generated histories (seed ${PROPERTY_SEED})`, async () => {
    await property(() => duckEngine(engines), {});
  }, TIMEOUT);

  it(`on PGlite, ${HISTORIES} generated histories (seed ${PROPERTY_SEED})`, async () => {
    // SQL traits' rows would come from DuckDB; DuckDB checks them above
    await property(() => liteEngine(engines), { sqlTraits: false });
  }, TIMEOUT);
});

describe('funnel answers that change with no new row of the user (test/support/funnel-history.ts)', () => {
  const engines = duckAndPglite();

  it.each(['DuckDB', 'PGlite'] as const)('on %s, after every run the committed answer is a full recomputation\'s, funnels kept in state', async (name) => {
    const before = funnelRuns.incremental;
    await replay(name === 'DuckDB' ? duckEngine(engines) : liteEngine(engines), funnelEdgeHistory(), { source: 'app', state: 'quorum' });
    // runs 2 to 5 of both funnel audiences
    expect(funnelRuns.incremental - before).toBe(8);
  });
});

describe('all-history first / last keep one winning row per raw key (test/support/first-last-history.ts)', () => {
  const engines = duckAndPglite();
  const engineOf = (name: 'DuckDB' | 'PGlite') => (name === 'DuckDB' ? duckEngine(engines) : liteEngine(engines));

  /** Per winner-only partial table: its rows, and its distinct (raw key, context account) pairs. */
  async function winnerTables({ connection, project, catalog, asOf }: ReplayedRun): Promise<{ rows: number; keys: number }[]> {
    const plan = planFor({ project, catalog, asOf, targets: project.definitions.map((d) => d.name) });
    const scans = planIncremental(plan, incrementalSettings(catalog, { arrivalLagSeconds: project.config.incremental?.arrivalLagSeconds })).pass.scans.filter((s) => s.keep === 'winner per key');
    const out: { rows: number; keys: number }[] = [];
    for (const s of new Map(scans.map((x) => [x.partialTable, x])).values()) {
      const keys = s.context ? ['rk', 'ctx'] : ['rk'];
      const [row] = await connection.query(
        connection.dialect.printer.print(
          select({
            columns: [
              { expr: countAll(), alias: 'n' },
              { expr: aggregate('count_distinct', concat(...keys.map((k) => coalesce(col(k, 'p'), str('-'))), str('|'))), alias: 'k' },
            ],
            from: tableOf({ schema: project.config.stateSchema, name: s.partialTable }, 'p'),
          }),
        ),
      );
      out.push({ rows: Number(row.n), keys: Number(row.k) });
    }
    return out;
  }

  it.each(['DuckDB', 'PGlite'] as const)('on %s, after every run the committed answer is a full recomputation\'s and those tables hold one row per raw key', async (name) => {
    const history = firstLastHistory();
    const seen: { rows: number; keys: number }[][] = [];
    await replayHistory(engineOf(name), history, { source: 'app', state: 'quorum' }, {
      afterRun: async (_i, replayed) => {
        seen.push(await winnerTables(replayed));
      },
    });
    // first_method and account_first_method share one table (the same rows, kept per raw key), last_method and context_last_method one each
    expect(seen.map((run) => run.length)).toEqual(history.runs.map(() => 3));
    for (const run of seen) for (const t of run) expect(t.rows).toBe(t.keys);
    // a9, u1, u2 and u3, from the first run on
    expect(seen.flat().every((t) => t.keys >= 3)).toBe(true);
  });

  it.each(['DuckDB', 'PGlite'] as const)('on %s, keeping the losing row instead of the winner gives a wrong answer', async (name) => {
    await expect(replayHistory(engineOf(name), firstLastHistory(), { source: 'app', state: 'quorum' }, { mutation: 'keep-losing-row' })).rejects.toThrow(/differs from a full recomputation/);
  });
});

describe('answers that change with no new row of the user, in runs that recompute only the users whose answers can have changed (window-edge-history.ts)', () => {
  const engines = duckAndPglite();
  const engineOf = (name: 'DuckDB' | 'PGlite') => (name === 'DuckDB' ? duckEngine(engines) : liteEngine(engines));

  it.each(['DuckDB', 'PGlite'] as const)('on %s, after every run the committed answer is a full recomputation\'s, and the run recomputed the users it had to', async (name) => {
    await replay(engineOf(name), windowEdgeHistory(), { source: 'app', state: 'quorum' }, undefined, async (i, connection) => {
      const rows = await connection.query('SELECT id FROM quorum.entity_scope_dirty ORDER BY id');
      expect(rows.map((r) => String(r.id)), `users recomputed by run ${i + 1}`).toEqual(DIRTY_AFTER_RUN[i]);
    });
  });

  it.each(['DuckDB', 'PGlite'] as const)('on %s, a run that forgets the users a window edge left behind gives a wrong answer', async (name) => {
    await expect(replay(engineOf(name), windowEdgeHistory(), { source: 'app', state: 'quorum' }, 'forget-window-edges')).rejects.toThrow(/differs from a full recomputation/);
  });
});

describe('the same history with numbered users: a user_id column of integers or floating numbers, fractional or whole (window-edge-history.ts)', () => {
  const engines = duckAndPglite();
  const engineOf = (name: 'DuckDB' | 'PGlite') => (name === 'DuckDB' ? duckEngine(engines) : liteEngine(engines));

  // The partials and universe facts keep ids as text and are built only over text id columns: with
  // numbered users the scans run full, so no definition can be restricted and every run recomputes
  // every user. Still exact: the answers are a full recomputation's, with no dirty users recorded.
  it.each([
    ['DuckDB', 'integer'],
    ['PGlite', 'integer'],
    ['DuckDB', 'number'],
    ['PGlite', 'number'],
    ['DuckDB', 'whole_number'],
    ['PGlite', 'whole_number'],
  ] as const)('on %s with %s user ids, after every run the committed answer is a full recomputation\'s, every user recomputed', async (name, type) => {
    const recomputed: string[][] = [];
    const quietAfterEdge: string[] = [];
    await replay(engineOf(name), windowEdgeHistory(type), { source: 'app', state: 'quorum' }, undefined, async (i, connection) => {
      const rows = await connection.query('SELECT id FROM quorum.entity_scope_dirty ORDER BY id');
      recomputed.push(rows.map((r) => String(r.id)));
      // run 3's window edge moves u1 and u2 into quiet_today with no new row of theirs
      const quiet = (await committedAnswer(connection, windowEdgeHistory(type).project)).get('quiet_today');
      if (i === 2 && quiet?.kind === 'audience') quietAfterEdge.push(...[...quiet.members].sort());
    });
    expect(recomputed).toEqual([[], [], [], []]);
    expect(quietAfterEdge).toEqual([String(USER_IDS[type].u1), String(USER_IDS[type].u2)]);
  });
});

const url = process.env.QUORUM_TEST_POSTGRES_URL;

describe.skipIf(!url)('incremental runs are exact over the wire: needs QUORUM_TEST_POSTGRES_URL (.ci/run starts a server and sets it)', () => {
  let client: pg.Client;
  let connection: WarehouseConnection;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    connection = await postgres.connect({ type: 'postgres', url: url! });
  });
  afterAll(async () => {
    await connection?.close();
    await client?.query('DROP SCHEMA IF EXISTS exactness_app CASCADE; DROP SCHEMA IF EXISTS exactness_state CASCADE');
    await client?.end();
  });

  it(`on PostgreSQL, ${HISTORIES} generated histories (seed ${PROPERTY_SEED})`, async () => {
    const session = { exec: (sql: string) => client.query(sql), query: (sql: string, params: unknown[]) => client.query(sql, params) };
    const wire = (): HistoryEngine => ({
      connection: () => connection,
      async reset(schema, state, columns) {
        await client.query(`DROP SCHEMA IF EXISTS "${state}" CASCADE`);
        await createTablesPg(session, schema, columns);
      },
      append: (schema, table, columns, rows) => insertRowsPg(session, schema, table, columns, rows),
    });
    // schemas of its own: other suites load `app` on the same server at the same time
    await property(wire, { sqlTraits: false }, { source: 'exactness_app', state: 'exactness_state' });
  }, TIMEOUT);
});

/**
 * The rows of batch `j` that a reader without arrival_lag's overlap would never read: an arrival
 * value at or before the previous runs' watermark, and an event time at or before the previous
 * run's as_of (rows in (previous as_of, as_of] are read whatever their arrival).
 */
function missedWithoutLag(history: WarehouseHistory, j: number): Set<SourceRow> {
  const arrivalMs = (row: SourceRow) => (row[history.arrival] === null || row[history.arrival] === undefined ? null : Date.parse(String(row[history.arrival])));
  let watermark = -Infinity;
  for (const batch of history.batches.slice(0, j)) {
    for (const rows of Object.values(batch.rows)) for (const row of rows) watermark = Math.max(watermark, arrivalMs(row) ?? -Infinity);
  }
  const eventTime = history.project.config.source.eventTime;
  const previousAsOf = Date.parse(history.runs[j - 1]);
  const missed = new Set<SourceRow>();
  for (const rows of Object.values(history.batches[j].rows)) {
    for (const row of rows) {
      const arrival = arrivalMs(row);
      const time = row[eventTime] === null ? null : Date.parse(String(row[eventTime]));
      if (arrival !== null && arrival <= watermark && time !== null && time <= previousAsOf) missed.add(row);
    }
  }
  return missed;
}

describe('mutation check: the generated histories need arrival_lag', () => {
  it(`a reader that drops the lag's overlap gives a wrong answer on some of ${HISTORIES} histories (seed ${PROPERTY_SEED})`, () => {
    let wrong = 0;
    for (const history of fc.sample(arbWarehouseHistory({ sqlTraits: false }), { numRuns: HISTORIES, seed: PROPERTY_SEED })) {
      const missed = new Set<SourceRow>();
      for (let j = 1; j < history.batches.length; j++) {
        for (const row of missedWithoutLag(history, j)) missed.add(row);
        if (missed.size === 0) continue;
        const all = contentsAfter(history, j);
        const lagless = { tables: Object.fromEntries(Object.entries(all.tables).map(([name, t]) => [name, { ...t, rows: t.rows.filter((r) => !missed.has(r)) }])) };
        const asOf = history.runs[j];
        if (differences(evaluateReference(history.project, all, asOf), evaluateReference(history.project, lagless, asOf)).length > 0) {
          wrong++;
          break;
        }
      }
    }
    // Without such histories the property above could not tell an engine that ignores the lag from one that keeps it.
    expect(wrong).toBeGreaterThan(HISTORIES / 50);
  }, 600_000);
});

/** A fault shows within a few dozen histories; the bound is generous because a failing property stops at its first failure. */
const MUTATION_HISTORIES = Math.max(HISTORIES, 300);
/** For measuring how soon each fault shows: QUORUM_MUTATION_SEEDS=K checks K seeds from the property's. */
const MUTATION_SEEDS = Math.max(1, Number(process.env.QUORUM_MUTATION_SEEDS ?? 1));

describe('mutation check: with a deliberate fault in the engine, the exactness property fails', () => {
  const engines = duckAndPglite();

  // The faults of src/incremental/evaluate-incremental.ts (IncrementalMutation), switched on through
  // run()'s test-only `incrementalMutation`: never reachable from the CLI or quorum.yml.
  it.each(['ignore-arrival-lag', 'skip-edge-bucket', 'forget-window-edges', 'forget-previous-memberships', 'keep-losing-row'] as const)(`%s fails within ${MUTATION_HISTORIES} generated histories on PGlite (seed ${PROPERTY_SEED}, ${MUTATION_SEEDS} seeds)`, async (mutation) => {
    const caughtAt: number[] = [];
    const missed: string[] = [];
    const otherErrors: string[] = [];
    for (let k = 0; k < MUTATION_SEEDS; k++) {
      const seed = (PROPERTY_SEED + k) % 2 ** 31;
      const result = await fc.check(historyProperty(() => liteEngine(engines), { sqlTraits: false }, { source: 'app', state: 'quorum' }, mutation), {
        numRuns: MUTATION_HISTORIES,
        seed,
        endOnFailure: true,
      });
      const report = result.failed ? `failed at history ${result.numRuns} (seed ${result.seed}, path "${result.counterexamplePath}")` : `passed all ${result.numRuns} histories (seed ${result.seed})`;
      console.log(`mutation ${mutation}: ${report}`);
      if (!result.failed) missed.push(report);
      // the fault shows as a wrong answer (or a changed user left out), not as an error of some other kind
      else if (!/differs from (a full recomputation|the reference)|did not recompute/.test(String(result.errorInstance))) otherErrors.push(`${report}: ${String(result.errorInstance)}`);
      else caughtAt.push(result.numRuns);
    }
    expect(missed, `the mutation ${mutation} went unnoticed: the property cannot tell it from a correct engine`).toEqual([]);
    expect(otherErrors, `the mutation ${mutation} failed otherwise than with a wrong answer`).toEqual([]);
    if (MUTATION_SEEDS > 1) console.log(`mutation ${mutation}: caught in ${caughtAt.length} of ${MUTATION_SEEDS} seeds, at histories ${caughtAt.join(', ')} (mean ${(caughtAt.reduce((a, b) => a + b, 0) / caughtAt.length).toFixed(1)})`);
  }, TIMEOUT * MUTATION_SEEDS);
});
