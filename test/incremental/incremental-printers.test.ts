// The incremental engine's SQL on every dialect: the state DDL, every statement of a refresh and
// the rewritten statement print with each dialect's printer and parse in that dialect (DuckDB and
// PGlite execute them in incremental-engine.test.ts; BigQuery and Snowflake must at least print).
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../dialects/registry.js';
import type { Project } from '../../src/definitions/model.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { refreshIncremental } from '../../src/incremental/evaluate-incremental.js';
import { incrementalPass } from '../../src/plan/physical/incremental-pass.js';
import { incrementalSettings } from '../../src/incremental/incremental-settings.js';
import { incrementalDdl } from '../../src/incremental/partial-tables.js';
import { lowerPlan } from '../../src/sql/lower.js';
import { StateWriter } from '../../src/sync/state-sql.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { Statements } from '../../src/warehouse/connection.js';
import { parseIn } from '../dialects/support/transpiling-connection.js';
import { makeProject } from '../support/arbitraries.js';
import { DEFINITIONS, datasetUpTo, history } from '../support/incremental-history.js';

const NAMES = ['duckdb', 'postgres', 'bigquery', 'snowflake'] as const;
const AS_OF = '2024-06-11T06:00:00.000Z';

function catalog(): Catalog {
  const dataset = datasetUpTo(history(), 0);
  const tables = new Map(Object.entries(dataset.tables).map(([name, t]) => [name, { name, columns: new Map(Object.entries(t.columns)) }]));
  return { known: true, tables, sqlTraitColumns: new Map() };
}

/**
 * Records what a refresh sends. Its answers are the shapes the refresh reads (a previous state, a
 * watermark, one touched pair), so that every statement of an incremental refresh is sent.
 */
class Recorder implements Statements {
  readonly sent: string[] = [];
  async execute(sql: string): Promise<void> {
    this.sent.push(sql);
  }
  async query(sql: string): Promise<Record<string, unknown>[]> {
    this.sent.push(sql);
    return [{ partial_table: 'x', as_of: '2024-06-10 18:00:00', watermark: '2024-06-10 17:50:00', w: '2024-06-11 05:00:00', pairs: 1, found: 3, first_day: '2024-06-09 00:00:00', last_day: '2024-06-10 00:00:00', n: 4 }];
  }
}

describe.each(NAMES)('incremental SQL on %s', (name) => {
  const dialect = DIALECTS[name];
  const printer = dialect.printer;
  const stitched = (p: Project): Project => ({ ...p, config: { ...p.config, identity: { stitch: 'anonymous_id', conflict: 'first' } } });

  it.each([false, true])('prints and parses (stitching %s)', async (stitching) => {
    const base = makeProject(DEFINITIONS);
    const project = stitching ? stitched(base) : base;
    const known = catalog();
    const plan = planFor({ project, catalog: known, asOf: AS_OF, targets: project.definitions.map((d) => d.name) });
    const settings = incrementalSettings(known);
    const pass = incrementalPass(plan, settings);
    expect(pass.scans.length).toBeGreaterThan(0);
    const ddl = incrementalDdl(plan, 'quorum', pass.scans).map((d) => printer.printDdl(d));
    const recorder = new Recorder();
    const run = await refreshIncremental(new StateWriter(printer, recorder), { plan, stateSchema: 'quorum', settings });
    const statement = printer.print(run.rewrite(lowerPlan(plan, { kind: 'members' })));
    // Each refresh reads the state, the watermark and the touched pairs, deletes and inserts.
    expect(recorder.sent.some((s) => s.startsWith('DELETE FROM'))).toBe(true);
    expect(recorder.sent.some((s) => s.startsWith('INSERT INTO'))).toBe(true);
    for (const partial of pass.scans.map((s) => s.partialTable)) expect(statement).toContain(partial);
    if (name === 'duckdb') return; // executed on DuckDB in incremental-engine.test.ts
    for (const sql of [...ddl, ...recorder.sent, statement]) expect(() => parseIn(name, sql), sql).not.toThrow();
  });
});
