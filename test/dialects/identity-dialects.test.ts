// Identity stitching on every dialect (SPEC §2.1): golden SQL for the four printers
// (UPDATE_GOLDEN=1 rewrites it); BigQuery's and Snowflake's statements parse in their grammar and,
// translated to DuckDB by polyglot, give the reference's answers over stitchable data, as PGlite
// runs Postgres' own. The coverage project uses every leaf, compute kind and quantifier.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigquery } from '../../dialects/bigquery/index.js';
import { DIALECTS } from '../../dialects/registry.js';
import { snowflake } from '../../dialects/snowflake/index.js';
import type { IdentityConfig, Project } from '../../src/definitions/model.js';
import { compileSql, evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { differences } from '../support/compare-results.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { arbStitchableDataset, withIdentity } from '../support/identity-arbitraries.js';
import { runSqlTraits } from '../support/load-duckdb.js';
import { COVERAGE_AS_OF, COVERAGE_DEFINITIONS, coverageProject } from './support/coverage-project.js';
import { parseIn, TranspilingConnection } from './support/transpiling-connection.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');
const NAMES = ['duckdb', 'postgres', 'bigquery', 'snowflake'] as const;
const FIRST: IdentityConfig = { stitch: 'anonymous_id', conflict: 'first' };
const LAST: IdentityConfig = { stitch: 'anonymous_id', conflict: 'last' };

/** The same stitchable data every time: anonymous ids across tables, conflicts, boundary edges. */
const DATASET: SourceDataset = fc.sample(arbStitchableDataset({ identifies: 30, groups: 30, events: 120, pages: 30, screens: 10 }), { seed: 11, numRuns: 1 })[0];

/** The dataset's own tables and column types, as a warehouse would describe them. */
const CATALOG: Catalog = {
  known: true,
  tables: new Map(Object.entries(DATASET.tables).map(([name, t]) => [name, { name, columns: new Map(Object.entries(t.columns)) }])),
  sqlTraitColumns: new Map(),
};

/** Stitched reads at both levels: events, pages, custom traits, memberships, ranked traits, quantifiers. */
const GOLDEN_TARGETS = ['ct_count', 'ct_last', 'ct_unique_list', 'ct_avg', 'a_equals', 'a_performed', 'acc_any_user', 'acc_all_users', 'a_passthrough'];

describe('identity stitching: golden SQL per dialect (UPDATE_GOLDEN=1 rewrites the files)', () => {
  for (const name of NAMES) {
    for (const [file, identity] of [['identity-first', FIRST], ['identity-last', LAST]] as const) {
      it(`${name}/${file}.sql`, () => {
        const project = withIdentity(coverageProject(), identity);
        const sql = compileSql({ project, catalog: CATALOG, asOf: COVERAGE_AS_OF, targets: GOLDEN_TARGETS }, DIALECTS[name].printer);
        if (name !== 'duckdb') expect(() => parseIn(name, sql)).not.toThrow();
        const path = join(GOLDEN, name, `${file}.sql`);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, sql);
        }
        expect(sql).toBe(readFileSync(path, 'utf8'));
      });
    }
  }

  it('stitching off compiles to the statement without it', () => {
    const off = withIdentity(coverageProject(), { stitch: 'off', conflict: 'last' });
    const printer = DIALECTS.duckdb.printer;
    const compile = (project: Project) => compileSql({ project, catalog: CATALOG, asOf: COVERAGE_AS_OF, targets: GOLDEN_TARGETS }, printer);
    expect(compile(off)).toBe(compile(coverageProject()));
    expect(compile(off)).not.toContain('identity');
  });
});

describe('identity stitching: every dialect gives the reference answer on the coverage project', () => {
  const engines = duckAndPglite();
  const everything = COVERAGE_DEFINITIONS.map((d) => d.name);

  async function check(connection: () => WarehouseConnection, identity: IdentityConfig): Promise<void> {
    await engines.loadDuck(DATASET);
    const project = withIdentity(coverageProject(), identity);
    const sqlTraits = await runSqlTraits(engines.duck.connection, project, COVERAGE_AS_OF);
    const expected = evaluateReference(project, DATASET, COVERAGE_AS_OF, { sqlTraitRows: sqlTraits.rows, sqlTraitColumnTypes: sqlTraits.types });
    const warehouse = connection();
    const catalog = await readCatalog(warehouse, project);
    const actual = await evaluate(warehouse, { project, catalog, asOf: COVERAGE_AS_OF, targets: everything });
    expect(differences(expected, actual, 50)).toEqual([]);
  }

  it('a table without an anonymous_id column is read as it is', async () => {
    const pages = DATASET.tables.pages;
    const columns = Object.fromEntries(Object.entries(pages.columns).filter(([c]) => c !== 'anonymous_id'));
    const rows = pages.rows.map(({ anonymous_id: _dropped, ...rest }) => rest);
    const dataset: SourceDataset = { tables: { ...DATASET.tables, pages: { columns, rows } } };
    await engines.loadDuck(dataset);
    const project = withIdentity(coverageProject(COVERAGE_DEFINITIONS.filter((d) => d.kind !== 'sql_trait')), FIRST);
    const targets = project.definitions.map((d) => d.name);
    const expected = evaluateReference(project, dataset, COVERAGE_AS_OF);
    const actual = await evaluate(engines.duck, { project, catalog: await readCatalog(engines.duck, project), asOf: COVERAGE_AS_OF, targets });
    expect(differences(expected, actual, 50)).toEqual([]);
  }, 120_000);

  for (const identity of [FIRST, LAST]) {
    it(`duckdb, conflict: ${identity.conflict}`, () => check(() => engines.duck, identity), 120_000);
    it(`postgres (PGlite), conflict: ${identity.conflict}`, async () => {
      await engines.loadLite(DATASET);
      await check(() => engines.lite, identity);
    }, 120_000);
    it(`bigquery (translated to DuckDB), conflict: ${identity.conflict}`, () => check(() => new TranspilingConnection(bigquery, engines.duck), identity), 300_000);
    it(`snowflake (translated to DuckDB), conflict: ${identity.conflict}`, () => check(() => new TranspilingConnection(snowflake, engines.duck), identity), 300_000);
  }
});
