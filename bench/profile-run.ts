// Development aid (not part of `npm run bench`): time the 50-definition and 1-definition runs on a
// generated warehouse, and print DuckDB's per-CTE profile of the 50 run.
//   npx tsx bench/profile-run.ts --sf 0.1 [--reps 3] [--profile] [--print] [--targets a,b]
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../dialects/duckdb/index.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import { compileSql } from '../src/evaluation/evaluate.js';
import { select, table } from '../src/sql/ast.js';
import { benchCatalog, loadBenchProject, median, time } from './measure.js';
import { scaleWarehouseFile, SCALE_AS_OF } from './scale-generator.js';

const argv = process.argv.slice(2);
const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
const sf = Number(value('--sf') ?? 0.1);
const reps = Number(value('--reps') ?? 3);
const instance = await DuckDBInstance.create(scaleWarehouseFile(sf), { access_mode: 'READ_ONLY' });
const connection = new DuckDbConnection(duckdb, instance, await instance.connect());
const project = await loadBenchProject();
const catalog = await benchCatalog(connection, project);
const names = value('--targets')?.split(',') ?? project.definitions.map((d) => d.name);
const sqlFor = (targets: readonly string[]) => compileSql({ project, catalog, asOf: SCALE_AS_OF, targets }, duckdb.printer);
const many = sqlFor(names);
if (argv.includes('--print')) process.stdout.write(`${many}\n`);
const single = sqlFor([value('--one') ?? 'admins_reporting_accounts']);
const stage = (sql: string) => `CREATE OR REPLACE TEMP TABLE bench_staging AS ${sql}`;
await connection.execute(stage(many));
const manyTimes: number[] = [];
const oneTimes: number[] = [];
for (let r = 0; r < reps; r += 1) {
  manyTimes.push((await time(() => connection.execute(stage(many)))).ms);
  oneTimes.push((await time(() => connection.execute(stage(single)))).ms);
}
process.stdout.write(`${names.length} defs: ${median(manyTimes).toFixed(0)} ms; one: ${median(oneTimes).toFixed(0)} ms; ratio ${(median(manyTimes) / median(oneTimes)).toFixed(2)}\n`);
if (argv.includes('--profile')) {
  const rows = await connection.query(`EXPLAIN ANALYZE ${many}`);
  process.stdout.write(String(Object.values(rows[0]).at(-1)));
}
await connection.close();

// --ctes: the time to compute each CTE on its own (its dependencies included, each query alone).
if (argv.includes('--ctes')) {
  const { lowerPlan } = await import('../src/sql/lower.js');
  const { buildPlan } = await import('../src/plan/build-plan.js');
  const statement = lowerPlan(buildPlan({ project, catalog, asOf: SCALE_AS_OF, targets: names }));
  const reopened = await DuckDBInstance.create(scaleWarehouseFile(sf), { access_mode: 'READ_ONLY' });
  const c2 = new DuckDbConnection(duckdb, reopened, await reopened.connect());
  for (const cte of statement.ctes) {
    const body = select({ columns: [{ expr: { kind: 'aggregate', fn: 'count', arg: null, filter: null }, alias: 'n' }], from: table(cte.name) });
    const sql = duckdb.printer.print({ kind: 'with', ctes: statement.ctes, body });
    await c2.query(sql);
    const t = median(await Promise.all([0].map(async () => (await time(() => c2.query(sql))).ms)));
    process.stdout.write(`${t.toFixed(0).padStart(7)} ms  ${cte.name}\n`);
  }
  await c2.close();
}

// --ops: the 20 most expensive operators of the 50-definition statement (DuckDB's JSON profile).
if (argv.includes('--ops')) {
  const reopened = await DuckDBInstance.create(scaleWarehouseFile(sf), { access_mode: 'READ_ONLY' });
  const c3 = new DuckDbConnection(duckdb, reopened, await reopened.connect());
  const rows = await c3.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${many}`);
  const tree = JSON.parse(String(Object.values(rows[0]).at(-1)));
  const ops: { t: number; name: string; info: string; rows: number; path: string }[] = [];
  const walk = (node: any, path: string) => {
    const name = node.operator_name ?? node.name ?? '?';
    const info = JSON.stringify(node.extra_info ?? {}).slice(0, 160);
    ops.push({ t: node.operator_timing ?? 0, name, info, rows: node.operator_cardinality ?? 0, path });
    for (const child of node.children ?? []) walk(child, `${path}/${name}`);
  };
  walk(tree, '');
  process.stdout.write(`total ${tree.latency ?? tree.operator_timing}\n`);
  for (const o of ops.sort((a, b) => b.t - a.t).slice(0, Number(value('--ops')) || 25)) process.stdout.write(`${o.t.toFixed(3)}s ${o.name} rows=${o.rows} ${o.info}\n`);
  await c3.close();
}

// --refs: the five reference ratios only.
if (argv.includes('--refs')) {
  const { referenceRatios } = await import('./measure.js');
  const reopened = await DuckDBInstance.create(scaleWarehouseFile(sf), { access_mode: 'READ_ONLY' });
  const c4 = new DuckDbConnection(duckdb, reopened, await reopened.connect());
  for (const r of await referenceRatios(c4, 'duckdb', project, catalog, reps)) {
    process.stdout.write(`${r.ratio.toFixed(2)}x ${r.name}: ${r.compiledMs.toFixed(0)} vs ${r.bestHandMs.toFixed(0)} (${r.bestHand})\n`);
  }
  await c4.close();
}
