// `quorum test`: find the project's test files, parse them, load each case into its own
// in-memory DuckDB in the project's source layout, evaluate the definitions it expects at each
// evaluation time, and collect every difference. Cases are independent and run in parallel.
import os from 'node:os';
import path from 'node:path';
import { checkProject } from '../definitions/check-references.js';
import { reservedColumn } from '../definitions/checks/sql-traits-check.js';
import { withPlaceholders } from '../definitions/env-placeholders.js';
import { loadProject, sortDiagnostics } from '../definitions/load-project.js';
import type { Project } from '../definitions/model.js';
import { DiagnosticsError, type Diagnostic } from '../diagnostics/diagnostic.js';
import { evaluate, firstLine } from '../evaluation/evaluate.js';
import type { DialectLookup } from '../evaluation/session.js';
import { sqlTraitQuery } from '../sql/lower.js';
import { OFFLINE_CATALOG, type Catalog, type LogicalType } from '../warehouse/catalog.js';
import type { Dialect } from '../warehouse/connection.js';
import { caseRows, suiteTables, type TableRows } from './case-data.js';
import { diffEntities } from '../sync/diff-entities.js';
import { compareStep, type Changes, type Difference, type Results } from './compare.js';
import type { StepSent } from './compare-sent.js';
import { stepSends } from './step-sends.js';
import type { FixtureEngine, FixtureWarehouse, TableColumns } from './fixture-engine.js';
import { readTestFiles } from './read-test-files.js';
import { projectShape } from './project-shape.js';
import { selectCases } from './select.js';
import { definitionSelector } from '../sync/select.js';
import { textSums } from './text-sums.js';
import { definitionsOf, type TestCase } from './test-case.js';
import type { SourceLocation } from '../definitions/model.js';

export { TESTS_FOLDER, testFiles } from './read-test-files.js';

export interface RunTestsOptions {
  readonly root: string;
  /** --select patterns: case names, test files or definition names (globs). */
  readonly select?: readonly string[];
  /** How many cases run at once; default: the number of CPUs, at most 8. */
  readonly concurrency?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The dialects of this build: the project's warehouse settings are read by its own. */
  readonly dialects: DialectLookup;
  /** Where the cases run (dialects/registry.ts: an in-memory DuckDB). */
  readonly fixtures: FixtureEngine;
}

export interface StepResult {
  /** 1-based position under `steps:`; 0 for a case without steps. */
  readonly step: number;
  readonly at: string;
  readonly loc: SourceLocation;
  readonly differences: readonly Difference[];
}

export interface CaseResult {
  readonly testCase: TestCase;
  readonly status: 'passed' | 'failed' | 'error' | 'skipped';
  /** Every evaluation of the case, in order. */
  readonly evaluations: readonly StepResult[];
  /** Why the case could not run (status "error"). */
  readonly error: string | null;
  readonly durationMs: number;
}

export interface TestRun {
  readonly root: string;
  /** Project-relative test files, sorted. */
  readonly files: readonly string[];
  /** Problems of the project or the test files; any error means no case ran. */
  readonly diagnostics: readonly Diagnostic[];
  /** Cases selected before --select filtered them. */
  readonly totalCases: number;
  readonly results: readonly CaseResult[];
  readonly startedAt: string;
  readonly durationMs: number;
}

export function runFailed(run: TestRun): boolean {
  return run.diagnostics.some((d) => d.severity === 'error') || run.results.some((r) => r.status === 'failed' || r.status === 'error');
}

export async function runTests(options: RunTestsOptions): Promise<TestRun> {
  const started = Date.now();
  const root = path.resolve(options.root);
  const base = { root, startedAt: new Date(started).toISOString() };
  const done = (partial: Pick<TestRun, 'files' | 'diagnostics' | 'results' | 'totalCases'>): TestRun => ({ ...base, ...partial, durationMs: Date.now() - started });

  const loaded = await loadProject(root, { env: options.env ?? withPlaceholders(process.env), dialects: options.dialects, alsoParseWith: [options.fixtures.dialect] });
  const projectDiagnostics = loaded.project ? [...loaded.diagnostics, ...checkProject(loaded.project, OFFLINE_CATALOG)] : loaded.diagnostics;
  if (!loaded.project || projectDiagnostics.some((d) => d.severity === 'error')) {
    return done({ files: [], diagnostics: sortDiagnostics(projectDiagnostics.filter((d) => d.severity === 'error')), results: [], totalCases: 0 });
  }
  const project = loaded.project;
  const shape = projectShape(project);
  const { files, cases, diagnostics } = await readTestFiles(root, project, shape);
  if (diagnostics.some((d) => d.severity === 'error')) return done({ files, diagnostics: sortDiagnostics(diagnostics), results: [], totalCases: cases.length });

  const selected = selectCases(cases, options.select, definitionSelector(project));
  const rows = new Map(selected.map((c) => [c, caseRows(c, shape.layout)]));
  const tables = suiteTables(shape, [...rows.values()].flat());
  const schema = shape.layout.schema;
  const { catalog, sqlTraitProblems } = await describeSuite(options.fixtures, project, schema, tables);
  const columnProblems = textSums(project, tables, selected);

  const concurrency = Math.max(1, options.concurrency ?? Math.min(8, os.availableParallelism?.() ?? os.cpus().length));
  const results = await pool(selected, concurrency, (testCase) =>
    runCase(testCase, { fixtures: options.fixtures, project, catalog, schema, tables, rows: rows.get(testCase)!, sqlTraitProblems, columnProblems }),
  );
  return done({ files, diagnostics: sortDiagnostics(diagnostics), results, totalCases: cases.length });
}

interface SuiteContext {
  readonly fixtures: FixtureEngine;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly schema: string;
  readonly tables: Readonly<Record<string, TableColumns>>;
  readonly rows: readonly TableRows[];
  /** SQL traits that DuckDB could not describe on the suite's tables, with its message. */
  readonly sqlTraitProblems: ReadonlyMap<string, string>;
  /** sum / avg traits whose property the cases made text (text-sums.ts), with why. */
  readonly columnProblems: ReadonlyMap<string, string>;
}

/**
 * The catalog every case shares: the suite's tables and the result columns of each SQL trait.
 * A SQL trait that cannot run on the test tables (it reads a table no case gives) does not stop
 * the run; a case that needs it reports the problem.
 */
async function describeSuite(fixtures: FixtureEngine, project: Project, schema: string, tables: Readonly<Record<string, TableColumns>>): Promise<{ catalog: Catalog; sqlTraitProblems: Map<string, string> }> {
  const connection = await fixtures.open();
  try {
    await connection.createTables(schema, tables);
    const sqlTraitColumns = new Map<string, ReadonlyMap<string, LogicalType>>();
    const sqlTraitProblems = new Map<string, string>();
    for (const d of project.definitions) {
      if (d.kind !== 'sql_trait') continue;
      try {
        const described = await connection.describe(connection.dialect.printer.print(sqlTraitQuery(d.template, { ...project.config.source, schema }, '2000-01-01T00:00:00.000Z')));
        // `SELECT *` names its columns only now (SPEC §4): a reserved one fails the suite.
        const reserved = [...described.keys()].flatMap((column) => reservedColumn(column, `SQL trait "${d.name}"`, d.loc));
        if (reserved.length > 0) throw new Error(reserved[0].message);
        sqlTraitColumns.set(d.name, described);
      } catch (cause) {
        sqlTraitProblems.set(d.name, firstLine(cause));
      }
    }
    return { catalog: { known: true, tables: await connection.readTables(schema), sqlTraitColumns }, sqlTraitProblems };
  } finally {
    await connection.close();
  }
}

async function runCase(testCase: TestCase, suite: SuiteContext): Promise<CaseResult> {
  const started = Date.now();
  const finish = (status: CaseResult['status'], evaluations: StepResult[], error: string | null = null): CaseResult => ({
    testCase,
    status,
    evaluations,
    error,
    durationMs: Date.now() - started,
  });
  if (testCase.skip !== null) return finish('skipped', []);
  const targets = definitionsOf(testCase);
  const evaluations: StepResult[] = [];
  let connection: FixtureWarehouse | null = null;
  try {
    connection = await suite.fixtures.open();
    await connection.createTables(suite.schema, suite.tables);
    let previous: Results | null = null;
    const diffs = testCase.steps.some((s) => s.expectations.some((e) => e.kind !== 'members' && e.kind !== 'values'));
    const sends = testCase.steps.some((s) => s.expectations.some((e) => e.kind === 'calls' || e.kind === 'guardrail'));
    for (const [i, step] of testCase.steps.entries()) {
      for (const [table, list] of suite.rows[i]) await connection.appendRows(suite.schema, table, suite.tables[table], list);
      if (step.at === null) continue;
      if (targets.length === 0) {
        evaluations.push({ step: step.number, at: step.at, loc: step.loc, differences: [] });
        continue;
      }
      let results: Results;
      let changes: Changes = new Map();
      let sent: StepSent | null = null;
      try {
        results = await evaluate(connection, { project: suite.project, catalog: suite.catalog, asOf: step.at, targets });
        // entered / exited / changed: `quorum run`'s own diff, against the snapshot that the
        // previous step left in the case's state schema.
        if (diffs) changes = await diffEntities({ connection, project: suite.project, catalog: suite.catalog, asOf: step.at, definitions: targets, runId: `test-step-${step.number}` });
        if (sends) sent = await stepSends({ connection, project: suite.project, catalog: suite.catalog, asOf: step.at, definitions: targets, step: step.number });
      } catch (cause) {
        return finish('error', evaluations, explainFailure(cause, testCase, suite, step.at));
      }
      const differences = compareStep(step.expectations, results, previous, changes, sent);
      evaluations.push({ step: step.number, at: step.at, loc: step.loc, differences });
      previous = results;
    }
  } catch (cause) {
    return finish('error', evaluations, `quorum could not load this case into DuckDB: ${firstLine(cause)}`);
  } finally {
    await connection?.close();
  }
  return finish(evaluations.some((e) => e.differences.length > 0) ? 'failed' : 'passed', evaluations);
}

function explainFailure(cause: unknown, testCase: TestCase, suite: SuiteContext, at: string): string {
  // A column the cases typed wrong, or a SQL trait that could not even be described, is the
  // likely cause; name it rather than the statement that failed because of it.
  if (suite.columnProblems.size > 0) return `${[...suite.columnProblems.values()].join('; ')}.`;
  if (suite.sqlTraitProblems.size > 0) {
    const problems = [...suite.sqlTraitProblems].map(([name, message]) => `SQL trait "${name}" cannot run on the test tables: ${message.replace(/[.!]+$/, '')}`);
    return `${problems.join('; ')}. Give the tables it reads as rows under given: in at least one case (columns come from the rows).`;
  }
  const text = cause instanceof DiagnosticsError ? cause.diagnostics.map((d) => d.message).join('; ') : firstLine(cause);
  return `evaluating ${definitionsOf(testCase).join(', ')} at ${at} failed: ${text}`;
}

async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}
