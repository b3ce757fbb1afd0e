// Development aid (not part of `npm run bench`): the incremental engine against the full staging
// statement on the same contents, in one process, interleaved. A copy of the scale warehouse gets
// the run-stages bench's six definitions, a full run that builds the partials (at the bench's
// second as_of), then 1% new rows (5% late); each repetition then times the full staging statement
// and the engine (refresh, rewrite, statement) on those contents, and rolls the engine back so every
// repetition starts from the same state.
//   npx tsx bench/engine-speed.ts --sf 0.1 [--reps 5] [--targets a,b]
//     [--profile]   the engine's statements by kind and the slowest ones, and the state tables' sizes
//     [--explain [--full]]   DuckDB's slowest operators in the engine's (or the full) statement
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../dialects/duckdb/index.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import { dialectNamed } from '../dialects/registry.js';
import { loadProject } from '../src/definitions/load-project.js';
import { planFor, readCatalog } from '../src/evaluation/evaluate.js';
import { ensureIncrementalTables } from '../src/incremental/evaluate-incremental.js';
import { stageIncrementally } from '../src/incremental/incremental-stage.js';
import { incrementalSettings } from '../src/incremental/incremental-settings.js';
import { stagingQuery } from '../src/sync/diff-sql.js';
import { syncDefinitions } from '../src/sync/run.js';
import { StateWriter } from '../src/sync/state-sql.js';
import { appendRows } from './append-rows.js';
import { median, time } from './measure.js';
import { APPENDED, SECOND_AS_OF, THIRD_AS_OF, writeRunProject } from './run-stages-bench.js';
import { scaleWarehouseFile } from './scale-generator.js';

/** A statement on one line, for the profile's labels only (display, never parsing). */
const oneLine = (sql: string): string => sql.split('\n').map((line) => line.trim()).join(' ');
import { timeStatements } from './statement-timer.js';

const argv = process.argv.slice(2);
const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
const sf = Number(value('--sf') ?? 0.1);
const reps = Number(value('--reps') ?? 5);
const dir = writeRunProject(scaleWarehouseFile(sf));
const loaded = await loadProject(dir, { dialects: dialectNamed });
if (!loaded.project) throw new Error(JSON.stringify(loaded.diagnostics));
const project = loaded.project;
const targets = (value('--targets')?.split(',') ?? project.definitions.map((d) => d.name)).filter(Boolean);
const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
const connection = new DuckDbConnection(duckdb, instance, await instance.connect());
const schema = 'quorum_state';
const printer = connection.dialect.printer;

class Rollback extends Error {}
let lastStatement = '';
let fullStatement = '';
const timingsStatement = () => lastStatement;

async function engine(asOf: string, rebuild: boolean, keep: boolean): Promise<{ read: number }> {
  const catalog = await readCatalog(connection, project);
  const plan = planFor({ project, catalog, asOf, targets });
  const settings = incrementalSettings(catalog);
  await ensureIncrementalTables(connection, { plan, stateSchema: schema, settings });
  const staging = stagingQuery(plan, syncDefinitions(project, plan));
  let read = 0;
  try {
    await connection.transaction(async (statements) => {
      const stage = await stageIncrementally(new StateWriter(printer, statements), { plan, stateSchema: schema, settings, staging, rebuild });
      lastStatement = printer.print(stage.statement);
      await statements.execute(`CREATE OR REPLACE TEMP TABLE engine_staging AS ${lastStatement}`);
      read = stage.summary.rowsRead ?? 0;
      if (!keep) throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return { read };
}

async function full(asOf: string): Promise<void> {
  const catalog = await readCatalog(connection, project);
  const plan = planFor({ project, catalog, asOf, targets });
  fullStatement = printer.print(stagingQuery(plan, syncDefinitions(project, plan)));
  await connection.execute(`CREATE OR REPLACE TEMP TABLE full_staging AS ${fullStatement}`);
}

try {
  const built = await time(() => engine(SECOND_AS_OF, true, true));
  process.stdout.write(`SF${sf}: rebuild at ${SECOND_AS_OF}: ${built.ms.toFixed(0)} ms\n`);
  const added = await appendRows(connection.connection, APPENDED);
  process.stdout.write(`appended ${Object.values(added).reduce((a, b) => a + b, 0)} rows\n`);
  await full(THIRD_AS_OF);
  const fullMs: number[] = [];
  const engineMs: number[] = [];
  let read = 0;
  for (let r = 0; r < reps; r += 1) {
    fullMs.push((await time(() => full(THIRD_AS_OF))).ms);
    const e = await time(() => engine(THIRD_AS_OF, false, false));
    engineMs.push(e.ms);
    read = e.result.read;
  }
  const [f, e] = [median(fullMs), median(engineMs)];
  process.stdout.write(`full ${f.toFixed(0)} ms [${fullMs.map((x) => x.toFixed(0)).join(' ')}]; engine ${e.toFixed(0)} ms [${engineMs.map((x) => x.toFixed(0)).join(' ')}]; ratio ${(e / f).toFixed(2)}; engine read ${read}\n`);
  if (argv.includes('--profile')) {
    const timings: [number, string][] = [];
    timeStatements(connection, ['query', 'execute'], (sql, ms) => timings.push([ms, sql]));
    await engine(THIRD_AS_OF, false, false);
    const total = timings.reduce((n, [ms]) => n + ms, 0);
    process.stdout.write(`${timings.length} statements, ${total.toFixed(0)} ms\n`);
    const byKind = new Map<string, [number, number]>();
    for (const [ms, sql] of timings) {
      const kind = oneLine(sql).slice(0, 60);
      const [n, t] = byKind.get(kind) ?? [0, 0];
      byKind.set(kind, [n + 1, t + ms]);
    }
    for (const [kind, [n, t]] of [...byKind].sort((a, b) => b[1][1] - a[1][1]).slice(0, 20)) process.stdout.write(`${t.toFixed(0).padStart(6)} ms ${String(n).padStart(4)}x  ${kind}\n`);
    for (const [ms, sql] of timings.sort((a, b) => b[0] - a[0]).slice(0, 5)) process.stdout.write(`${ms.toFixed(0).padStart(6)} ms  ${oneLine(sql).slice(0, 220)}\n`);
    const tables = await connection.query(`SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = '${schema}' ORDER BY 2 DESC`);
    process.stdout.write(`${tables.map((t) => `${String(t.table_name)} ${String(t.estimated_size)}`).join('; ')}\n`);
  }
  if (argv.includes('--explain')) {
    const statement = argv.includes('--full') ? fullStatement : timingsStatement();
    const rows = await connection.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`);
    const operators: [number, string][] = [];
    const walk = (node: { operator_timing?: number; operator_name?: string; operator_cardinality?: number; extra_info?: unknown; children?: unknown[] }): void => {
      if (node.operator_name) operators.push([node.operator_timing ?? 0, `${node.operator_name} ${node.operator_cardinality} rows ${JSON.stringify(node.extra_info).slice(0, 300)}`]);
      for (const c of node.children ?? []) walk(c as never);
    };
    walk(JSON.parse(String(Object.values(rows[0]).at(-1))) as never);
    for (const [t, what] of operators.sort((a, b) => b[0] - a[0]).slice(0, 25)) process.stdout.write(`${(t * 1000).toFixed(0).padStart(6)} ms  ${what}\n`);
  }
} finally {
  await connection.close();
  rmSync(dir, { recursive: true, force: true });
}
