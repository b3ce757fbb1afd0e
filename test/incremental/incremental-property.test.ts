// The incremental engine over generated definitions (every compute kind, filters, windows, pages
// and screens, quantifiers, SQL traits, funnels, group_context: the last three run full) and
// generated data, cut into arrival batches: each run loads the rows whose arrival value is at most
// its as_of minus a jitter within the lag (so batches land slightly out of arrival order), with
// as_ofs that cross midnight and land on it. After every run the incremental answer must equal the
// full statement's on the same contents. The exactness property test of `quorum run` drives the
// whole run on top of this (fullruns); this one pins the engine alone, on DuckDB.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/definitions/model.js';
import { evaluate, planFor, readCatalog, resultsOf } from '../../src/evaluation/evaluate.js';
import { ensureIncrementalTables, refreshIncremental } from '../../src/incremental/evaluate-incremental.js';
import { incrementalSettings } from '../../src/incremental/incremental-settings.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { lowerPlan } from '../../src/sql/lower.js';
import { StateWriter } from '../../src/sync/state-sql.js';
import { AS_OF, arbScenario, type Scenario } from '../support/arbitraries.js';
import { exactDifferences } from '../support/compare-results.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { arbIdentityScenario } from '../support/identity-arbitraries.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

const SCENARIOS = Math.max(10, Math.round(Number(process.env.QUORUM_PROPERTY_RUNS ?? 500) / 20));
const HOUR = 3_600_000;
const AS_OF_MS = Date.parse(AS_OF);
/** Four runs: two days before, the next day across midnight, the generator's as_of, and the next midnight. */
const RUNS = [AS_OF_MS - 50 * HOUR, AS_OF_MS - 23 * HOUR, AS_OF_MS, AS_OF_MS + 12 * HOUR].map((ms) => new Date(ms).toISOString());

/** The rows loaded by the time of run k: arrival at most as_of minus the row's jitter (0 or 30 minutes, within the 1h lag). */
function loadedBy(dataset: SourceDataset, k: number): SourceDataset {
  const cutoff = Date.parse(RUNS[k]);
  const loaded = (row: SourceRow, i: number): boolean => {
    const arrival = row.received_at;
    if (arrival === null || arrival === undefined) return true;
    const jitter = i % 3 === 0 ? HOUR / 2 : 0;
    return Date.parse(String(arrival)) <= cutoff - jitter;
  };
  return { tables: Object.fromEntries(Object.entries(dataset.tables).map(([name, t]) => [name, { columns: t.columns, rows: t.rows.filter(loaded) }])) };
}

describe('the incremental engine equals the full statement on generated histories (DuckDB)', () => {
  const engines = duckAndPglite();

  const replay = async ({ project: generated, dataset }: Scenario) => {
    const project: Project = generated;
    const targets = project.definitions.map((d) => d.name);
    const duck = engines.duck;
    await duck.execute('DROP SCHEMA IF EXISTS quorum CASCADE');
    for (let k = 0; k < RUNS.length; k += 1) {
      const asOf = RUNS[k];
      await engines.loadDuck(loadedBy(dataset, k));
      const catalog = await readCatalog(duck, project);
      const plan = planFor({ project, catalog, asOf, targets });
      const settings = incrementalSettings(catalog);
      await ensureIncrementalTables(duck, { plan, stateSchema: 'quorum', settings });
      const rows = await duck.transaction(async (statements) => {
        const run = await refreshIncremental(new StateWriter(duck.dialect.printer, statements), { plan, stateSchema: 'quorum', settings });
        return statements.query(duck.dialect.printer.print(run.rewrite(lowerPlan(plan, { kind: 'members' }))));
      });
      const full = await evaluate(duck, { project, catalog, asOf, targets });
      expect(exactDifferences(full, resultsOf(plan, rows)), `run ${k} as of ${asOf}`).toEqual([]);
    }
  };

  it(`${SCENARIOS} generated scenarios, stitching off (seed ${PROPERTY_SEED})`, async () => {
    await fc.assert(fc.asyncProperty(arbScenario({ eventTimes: ['timestamp'] }), replay), { numRuns: SCENARIOS, seed: PROPERTY_SEED, endOnFailure: true });
  }, 1_800_000);

  it(`${SCENARIOS} generated scenarios with identity stitching (seed ${PROPERTY_SEED})`, async () => {
    const scenarios = arbIdentityScenario().filter((s) => s.project.config.source.eventTime === 'timestamp');
    await fc.assert(fc.asyncProperty(scenarios, replay), { numRuns: SCENARIOS, seed: PROPERTY_SEED, endOnFailure: true });
  }, 1_800_000);
});
