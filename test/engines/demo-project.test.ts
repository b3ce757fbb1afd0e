// The demo project end to end: every example definition, on the generated demo warehouse, gives the
// reference evaluator's answer; and the SQL each one compiles to is pinned by a golden file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { dialectNamed } from '../../dialects/registry.js';
import { DEMO_AS_OF } from '../../fixtures/demo/generate-warehouse.js';
import { demoProjectTemplateDir } from '../../fixtures/demo/write-project.js';
import { copyDemoProject } from '../support/demo-project.js';
import type { Project } from '../../src/definitions/model.js';
import { compileSql, evaluate } from '../../src/evaluation/evaluate.js';
import { openProject, openSession, type Session } from '../../src/evaluation/session.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { differences } from '../support/compare-results.js';
import { runSqlTraits } from '../support/load-duckdb.js';
import { readSourceDataset } from '../support/source-dataset.js';

const GOLDEN_DIR = path.join(import.meta.dirname, '..', 'golden', 'demo-duckdb');

describe('the demo project', () => {
  let dir: string;
  let session: Session;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quorum-demo-'));
    await copyDemoProject(dir);
    session = await openSession(dir, dialectNamed);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the reference answer for every definition at the demo as_of', async () => {
    const { project, catalog, connection } = session;
    const targets = project.definitions.map((d) => d.name);
    const actual = await evaluate(connection, { project, catalog, asOf: DEMO_AS_OF, targets });
    const dataset = await readSourceDataset(connection, catalog, 'app');
    const sqlTraits = await runSqlTraits((connection as DuckDbConnection).connection, project, DEMO_AS_OF);
    const expected = evaluateReference(project, dataset, DEMO_AS_OF, { sqlTraitRows: sqlTraits.rows, sqlTraitColumnTypes: sqlTraits.types });
    expect(differences(expected, actual)).toEqual([]);
    // Every example audience is a real selection: not empty, not everyone.
    for (const [name, result] of actual) {
      if (result.kind !== 'audience') continue;
      const universe = result.level === 'account' ? catalogSize(actual, 'account') : catalogSize(actual, 'user');
      expect(result.members.size, name).toBeGreaterThan(0);
      expect(result.members.size, name).toBeLessThan(universe);
    }
  }, 120_000);
});

function catalogSize(results: Map<string, import('../../src/reference/dataset.js').DefinitionResult>, level: 'user' | 'account'): number {
  for (const r of results.values()) if (r.kind === 'trait' && r.level === level) return r.values.size;
  return Number.POSITIVE_INFINITY;
}

describe('golden SQL of the demo definitions (DuckDB, offline)', async () => {
  const { project } = await openProject(demoProjectTemplateDir(), dialectNamed);
  const update = process.env.UPDATE_GOLDEN === '1';
  for (const definition of (project as Project).definitions) {
    it(definition.name, () => {
      const sql = compileSql({ project, asOf: DEMO_AS_OF, targets: [definition.name] }, duckdb.printer);
      const file = path.join(GOLDEN_DIR, `${definition.name}.sql`);
      if (update || !existsSync(file)) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, sql);
      }
      expect(sql).toBe(readFileSync(file, 'utf8'));
    });
  }
});
