// `npm run bench`: figures measured side by side in one process and one run, medians of several
// repetitions, printed as ratios. Absolute times on shared machines are noise; ratios are not.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { duckdb } from '../dialects/duckdb/index.js';
import { dialectNamed } from '../dialects/registry.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import { DEMO_AS_OF, generateDemoWarehouse } from '../fixtures/demo/generate-warehouse.js';
import { demoProjectTemplateDir } from '../fixtures/demo/write-project.js';
import { loadProject } from '../src/definitions/load-project.js';
import type { Condition, Definition, Project } from '../src/definitions/model.js';
import { compileSql, evaluate, readCatalog } from '../src/evaluation/evaluate.js';
import { formatTimestamp } from '../src/sql/printer.js';
import { benchCatalog, loadBenchProject, median, time, manyVersusOne, referenceRatios, singleRuns, type ManyResult, type ReferenceResult } from './measure.js';
import { membersRatios, membersRows } from './members-bench.js';
import { runMemoryFigure, runMemoryRows } from './run-memory-bench.js';
import { runStages, runStageRows, runStagesTable, type RunStagesFigure } from './run-stages-bench.js';
import { incrementalFigure, incrementalRows } from './incremental-bench.js';
import { pgliteRunsFigure, pgliteRunsRows } from './pglite-runs.js';
import { copyToPglite, generateScaleWarehouse, scaleSizes, scaleWarehouseFile, type PgliteLike } from './scale-generator.js';
import { predicate } from '../src/definitions/literal-instants.js';

const REPETITIONS = Number(process.env.QUORUM_BENCH_REPETITIONS ?? 7);
// A reference query takes 5-800 ms and its ratio is the figure with the tightest goal: twice the
// repetitions, so that a few slow runs on a shared machine do not move the median.
const REFERENCE_REPETITIONS = 2 * REPETITIONS + 1;
// Whole processes of 0.5-2 s each, three per repetition and definition.
const MEMBERS_REPETITIONS = Math.max(3, Math.floor(REPETITIONS / 2) + 2);


// ---------------------------------------------------------------------------------------------
// 1. Compile time for 1,000 generated definitions.

const LOC = { file: 'bench/generated.yml', line: 1, col: 1 };
const EVENTS = ['Logged In', 'Report Created', 'Feature Used', 'Dashboard Viewed'];

/** A deterministic, varied set: computed traits at both levels and audiences over them. */
export function generatedDefinitions(count: number): Definition[] {
  const definitions: Definition[] = [];
  const base = { description: null, sync: [], loc: LOC };
  for (let i = 0; definitions.length < count; i += 1) {
    const level = i % 2 === 0 ? 'account' : 'user';
    const trait = `bench_trait_${i}`;
    definitions.push({
      ...base,
      kind: 'computed_trait',
      name: trait,
      level,
      compute: (['count', 'unique_count', 'max', 'count'] as const)[i % 4],
      event: { kind: 'track', name: EVENTS[i % EVENTS.length] },
      window: { kind: 'within', seconds: 86_400 * (1 + (i % 60)), text: `${1 + (i % 60)}d` },
      filters: [],
      property: i % 4 === 0 || i % 4 === 3 ? null : 'id',
      minFrequency: 2,
      scope: 'users',
    });
    if (definitions.length >= count) break;
    const userCondition: Condition = {
      kind: 'all',
      loc: LOC,
      children: [
        { kind: 'trait', trait: 'role', predicate: predicate('equals', 'Admin', false), loc: LOC },
        { kind: 'performed', event: { kind: 'track', name: EVENTS[(i + 1) % EVENTS.length] }, window: { kind: 'within', seconds: 86_400 * 7, text: '7d' }, filters: [], count: { op: 'at_least', n: 1 + (i % 3) }, loc: LOC },
      ],
    };
    const where: Condition =
      level === 'account'
        ? {
            kind: 'all',
            loc: LOC,
            children: [
              { kind: 'trait', trait, predicate: predicate('lt', 10 + i, false), loc: LOC },
              { kind: 'quantifier', quantifier: (['any_user', 'all_users', 'no_user'] as const)[i % 3], atLeast: null, condition: userCondition, loc: LOC },
            ],
          }
        : { kind: 'any', loc: LOC, children: [{ kind: 'trait', trait, predicate: predicate('gte', i % 5, false), loc: LOC }, userCondition] };
    definitions.push({ ...base, kind: 'audience', name: `bench_audience_${i}`, level, where, schedule: null, maxExitFraction: null });
  }
  return definitions;
}

async function compileBenchmark(project: Project): Promise<{ together: number; oneByOne: number }> {
  const definitions = generatedDefinitions(1000);
  const big: Project = { ...project, definitions };
  const names = definitions.map((d) => d.name);
  const together: number[] = [];
  const oneByOne: number[] = [];
  for (let r = 0; r < REPETITIONS; r += 1) {
    together.push((await time(() => compileSql({ project: big, asOf: DEMO_AS_OF, targets: names }, duckdb.printer))).ms);
    oneByOne.push((await time(() => names.forEach((name) => compileSql({ project: big, asOf: DEMO_AS_OF, targets: [name] }, duckdb.printer)))).ms);
  }
  return { together: median(together), oneByOne: median(oneByOne) };
}

// ---------------------------------------------------------------------------------------------
// 2. The compiled at-risk audience against the best hand-written query for the same answer.

function handWrittenAtRisk(asOf: string): string {
  const at = `TIMESTAMP '${formatTimestamp(asOf)}'`;
  const daysBefore = (days: number) => `TIMESTAMP '${formatTimestamp(new Date(Date.parse(asOf) - days * 86_400_000).toISOString())}'`;
  return `
    WITH m AS (
      SELECT DISTINCT group_id, user_id FROM app.groups
      WHERE timestamp <= ${at} AND group_id IS NOT NULL AND user_id IS NOT NULL
    ),
    plans AS (
      SELECT group_id, arg_max(plan, (timestamp, id)) FILTER (WHERE plan IS NOT NULL) AS plan
      FROM app.groups WHERE timestamp <= ${at} AND group_id IS NOT NULL GROUP BY group_id
    ),
    logins AS (
      SELECT m.group_id, count(*) AS n FROM m JOIN app.logged_in e ON e.user_id = m.user_id
      WHERE e.event_text = 'Logged In' AND e.timestamp > ${daysBefore(30)} AND e.timestamp <= ${at}
      GROUP BY m.group_id
    ),
    admins AS (
      SELECT user_id FROM app.identifies WHERE timestamp <= ${at} AND user_id IS NOT NULL
      GROUP BY user_id HAVING arg_max(role, (timestamp, id)) FILTER (WHERE role IS NOT NULL) = 'Admin'
    ),
    reporters AS (
      SELECT DISTINCT user_id FROM app.report_created
      WHERE event_text = 'Report Created' AND timestamp > ${daysBefore(60)} AND timestamp <= ${at}
    ),
    with_admin AS (
      SELECT DISTINCT m.group_id FROM m JOIN admins USING (user_id) JOIN reporters USING (user_id)
    ),
    not_churned AS (
      SELECT DISTINCT m.group_id FROM m JOIN app.logged_in e ON e.user_id = m.user_id
      WHERE e.event_text = 'Logged In' AND e.timestamp > ${daysBefore(60)} AND e.timestamp <= ${at}
    )
    SELECT p.group_id AS id FROM plans p LEFT JOIN logins l USING (group_id)
    WHERE coalesce(l.n, 0) < 10 AND p.plan IN ('starter', 'pro', 'enterprise')
      AND p.group_id IN (SELECT group_id FROM with_admin)
      AND p.group_id IN (SELECT group_id FROM not_churned)`;
}

async function atRiskBenchmark(project: Project) {
  const instance = await DuckDBInstance.create(':memory:');
  const raw = await instance.connect();
  await generateDemoWarehouse(raw);
  const connection = new DuckDbConnection(duckdb, instance, raw);
  const catalog = await readCatalog(connection, project);
  const options = { project, catalog, asOf: DEMO_AS_OF, targets: ['at_risk_accounts'] };
  const compiled = compileSql(options, duckdb.printer);
  const handWritten = handWrittenAtRisk(DEMO_AS_OF);

  const quorumAnswer = (await evaluate(connection, options)).get('at_risk_accounts');
  const handAnswer = new Set((await connection.query(handWritten)).map((r) => String(r.id)));
  const quorumIds = quorumAnswer?.kind === 'audience' ? quorumAnswer.members : new Set<string>();
  const agree = quorumIds.size === handAnswer.size && [...quorumIds].every((id) => handAnswer.has(id));
  if (!agree) throw new Error(`the hand-written at-risk query disagrees with quorum (${handAnswer.size} vs ${quorumIds.size} accounts)`);

  const compiledTimes: number[] = [];
  const handTimes: number[] = [];
  await connection.query(compiled); // warm caches for both
  await connection.query(handWritten);
  for (let r = 0; r < REPETITIONS; r += 1) {
    compiledTimes.push((await time(() => connection.query(compiled))).ms);
    handTimes.push((await time(() => connection.query(handWritten))).ms);
  }
  await connection.close();
  return { size: quorumIds.size, compiled: median(compiledTimes), handWritten: median(handTimes) };
}

// ---------------------------------------------------------------------------------------------
// 3. The scale warehouse: reference ratios, 50 definitions against 1, CLI start-up, memory.

interface Args {
  readonly sf: number;
  readonly pgSf: number;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sf = Number(value('--sf') ?? 0.1);
  if (!(sf > 0)) throw new Error(`--sf must be a positive number, got ${value('--sf')}`);
  const pgSf = Number(value('--pg-sf') ?? Math.min(0.02, sf));
  return { sf, pgSf };
}

/** The generated warehouse of a scale factor, kept in the temp folder between runs. */
async function scaleWarehouse(sf: number): Promise<{ file: string; generatedMs: number | null }> {
  const file = scaleWarehouseFile(sf);
  if (existsSync(file)) return { file, generatedMs: null };
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const instance = await DuckDBInstance.create(partial);
  const connection = await instance.connect();
  const { ms } = await time(() => generateScaleWarehouse(connection, { sf }));
  connection.closeSync();
  instance.closeSync();
  rmSync(`${partial}.wal`, { force: true });
  renameSync(partial, file);
  return { file, generatedMs: ms };
}

async function openScale(file: string): Promise<DuckDbConnection> {
  const instance = await DuckDBInstance.create(file);
  return new DuckDbConnection(duckdb, instance, await instance.connect());
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** `node bin/quorum.js --version`, a fresh process each time (needs `npm run build`). */
function cliStartup(): { quorum: number; node: number } {
  const bin = path.join(repoRoot(), 'bin', 'quorum.js');
  const quorum: number[] = [];
  const node: number[] = [];
  execFileSync(process.execPath, [bin, '--version']);
  for (let r = 0; r < REPETITIONS; r += 1) {
    quorum.push(timeSync(() => execFileSync(process.execPath, [bin, '--version'])));
    node.push(timeSync(() => execFileSync(process.execPath, ['-e', '0'])));
  }
  return { quorum: median(quorum), node: median(node) };
}

function timeSync(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** Peak RSS and JS heap of a child process that runs the 50 definitions at a scale factor. */
function memoryProbe(file: string, mode: 'run' | 'members'): { rssMb: number; heapMb: number; baseRssMb: number } {
  const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-probe.js');
  const result = spawnSync(process.execPath, [probe, file, mode], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`memory probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { rssMb: number; heapMb: number; baseRssMb: number };
}

/** bench/pglite-runs.ts's scale factor: 1 M events, about a minute to prepare. */
const PGLITE_RUNS_SF = 0.1;

async function pgliteSection(pgSf: number, project: Project): Promise<{ refs: ReferenceResult[]; many: ManyResult } | string> {
  let PgliteConnection: typeof import('../dialects/postgres/pglite-connection.js').PgliteConnection;
  let postgres: typeof import('../dialects/postgres/index.js').postgres;
  try {
    ({ PgliteConnection } = await import('../dialects/postgres/pglite-connection.js'));
    ({ postgres } = await import('../dialects/postgres/index.js'));
  } catch (cause) {
    return `skipped: no PGlite connection in dialects/postgres (${cause instanceof Error ? cause.message.split('\n')[0] : cause})`;
  }
  const duck = await DuckDBInstance.create(':memory:');
  const raw = await duck.connect();
  await generateScaleWarehouse(raw, { sf: pgSf });
  const pg = await PgliteConnection.open(postgres);
  try {
    await copyToPglite(raw, pg.db as unknown as PgliteLike);
    raw.closeSync();
    duck.closeSync();
    const catalog = await benchCatalog(pg, project);
    const reps = Math.max(3, Math.floor(REPETITIONS / 2));
    const refs = await referenceRatios(pg, 'postgres', project, catalog, REFERENCE_REPETITIONS);
    const many = await manyVersusOne(pg, project, catalog, reps);
    return { refs, many };
  } finally {
    await pg.close();
  }
}

type Row = [string, string, string];

function referenceRows(refs: readonly ReferenceResult[], engine: string): Row[] {
  return refs.map((r) => [
    `${engine}: ${r.name} (${r.label}) compiled / best hand-written`,
    `${r.ratio.toFixed(2)}x`,
    `goal <= 1.15; ${r.compiledMs.toFixed(0)} ms vs ${r.bestHandMs.toFixed(0)} ms (${r.bestHand}); ${r.rows} rows agree`,
  ]);
}

function manyRow(many: ManyResult, engine: string): Row[] {
  const single = singleRuns(many);
  const n = many.definitions;
  const ratio = (ms: number) => `${(many.manyMs / ms).toFixed(2)}x`;
  return [
    [`${engine}: one run of ${n} definitions / one run of the cheapest single definition`, ratio(single.cheapest.ms), `goal <= 3; ${many.manyMs.toFixed(0)} ms vs ${single.cheapest.ms.toFixed(0)} ms (${single.cheapest.name})`],
    [`${engine}: one run of ${n} / the median single-definition run`, ratio(single.median), `${single.median.toFixed(0)} ms`],
    [`${engine}: one run of ${n} / the most expensive single-definition run`, ratio(single.heaviest.ms), `${single.heaviest.ms.toFixed(0)} ms (${single.heaviest.name})`],
    [`${engine}: the ${n} definitions run one by one / in one run`, `${(single.sum / many.manyMs).toFixed(2)}x`, `${single.sum.toFixed(0)} ms vs ${many.manyMs.toFixed(0)} ms: the work one run shares`],
  ];
}

function print(title: string, rows: readonly Row[]): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\n${title}\n`);
  for (const [what, figure, note] of rows) process.stdout.write(`  ${what.padEnd(width)}  ${figure.padStart(9)}  ${note}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loaded = await loadProject(demoProjectTemplateDir(), { dialects: dialectNamed });
  if (!loaded.project) throw new Error('the demo project does not load');
  const project = loaded.project;
  process.stdout.write(`quorum bench: medians of ${REPETITIONS} repetitions (${REFERENCE_REPETITIONS} for the reference queries), measured side by side in one process; ${os()}\n`);

  const compile = await compileBenchmark(project);
  const atRisk = await atRiskBenchmark(project);
  const startup = cliStartup();
  print('compiler, CLI and the demo warehouse', [
    ['compile 1,000 generated definitions into one statement', `${compile.together.toFixed(0)} ms`, 'goal < 1,000 ms'],
    ['compile 1,000 generated definitions one by one', `${compile.oneByOne.toFixed(0)} ms`, ''],
    [
      `at_risk_accounts on the demo warehouse (${atRisk.size} accounts): compiled / hand-written`,
      `${(atRisk.compiled / atRisk.handWritten).toFixed(2)}x`,
      `${atRisk.compiled.toFixed(1)} ms vs ${atRisk.handWritten.toFixed(1)} ms; answers agree`,
    ],
    ['CLI start-up: node bin/quorum.js --version', `${startup.quorum.toFixed(0)} ms`, `goal < 300 ms; a bare \`node -e 0\` takes ${startup.node.toFixed(0)} ms here`],
  ]);

  const sizes = scaleSizes(args.sf);
  const scale = await scaleWarehouse(args.sf);
  const benchProject = await loadBenchProject();
  const connection = await openScale(scale.file);
  const catalog = await benchCatalog(connection, benchProject);
  const refs = await referenceRatios(connection, 'duckdb', benchProject, catalog, REFERENCE_REPETITIONS);
  const many = await manyVersusOne(connection, benchProject, catalog, REPETITIONS);
  await connection.close();
  print(
    `DuckDB at SF${args.sf}: ${sizes.accounts.toLocaleString('en')} accounts, ${sizes.users.toLocaleString('en')} users, ${sizes.events.toLocaleString('en')} events` +
      (scale.generatedMs === null ? ' (cached warehouse)' : ` (generated in ${(scale.generatedMs / 1000).toFixed(0)} s)`),
    [...referenceRows(refs, 'duckdb'), ...manyRow(many, 'duckdb')],
  );

  const smaller = Math.round(args.sf * 1000) / 10_000;
  const memoryRows: Row[] = [];
  const small = await scaleWarehouse(smaller);
  for (const mode of ['run', 'members'] as const) {
    const low = memoryProbe(small.file, mode);
    const high = memoryProbe(scale.file, mode);
    const what = mode === 'run' ? 'staged in the warehouse, as quorum run' : 'rows read back, as quorum members';
    memoryRows.push([`peak RSS, 50 definitions ${what}: SF${smaller} -> SF${args.sf}`, `${high.rssMb.toFixed(0)} MB`, `${low.rssMb.toFixed(0)} MB at SF${smaller}; process at start ${high.baseRssMb.toFixed(0)} MB`]);
    memoryRows.push([`peak JS heap, the same: SF${smaller} -> SF${args.sf}`, `${high.heapMb.toFixed(0)} MB`, `${low.heapMb.toFixed(0)} MB at SF${smaller}`]);
  }
  print('memory of the quorum process (embedded DuckDB included in RSS)', memoryRows);

  // A whole `quorum run` (bench/run-stages-bench.ts) at both scales, then `quorum members` as whole
  // processes (bench/members-bench.ts).
  const stages: RunStagesFigure[] = [];
  for (const [sf, file] of [
    [smaller, small.file],
    [args.sf, scale.file],
  ] as const)
    stages.push(await runStages(sf, file));
  print('a whole quorum run (the CLI, its --log-format json stage events): six definitions, a first run, a second an hour later, a third after new rows', runStageRows(stages));
  process.stdout.write(`\n${runStagesTable(stages)}\n`);
  // Incremental runs against full ones after new rows land (issue 15): three whole processes a
  // repetition, so fewer repetitions than the statements.
  const incremental = await incrementalFigure(args.sf, scale.file, { reps: Math.max(3, Math.floor(REPETITIONS / 2)) });
  print(`incremental runs (bench/incremental-bench.ts): whole quorum run processes, incremental.enabled, side by side on fresh copies`, incrementalRows(incremental));
  // 1,000,000 changes at SF 1 and above; fewer at smaller scale factors, so that the default bench stays short.
  const changes = Math.min(1_000_000, Math.round(args.sf * 1_000_000));
  print('memory of a whole quorum run (bench/run-memory-bench.ts)', runMemoryRows([await runMemoryFigure(changes)]));
  print(`whole-process cost of quorum members at SF${args.sf} (embedded DuckDB, read-only), medians of ${MEMBERS_REPETITIONS}`, membersRows(await membersRatios(scale.file, MEMBERS_REPETITIONS)));

  const pg = await pgliteSection(args.pgSf, benchProject);
  if (typeof pg === 'string') print(`Postgres (PGlite) at SF${args.pgSf}`, [['postgres', '-', pg]]);
  else print(`Postgres (PGlite) at SF${args.pgSf}`, [...referenceRows(pg.refs, 'pglite'), ...manyRow(pg.many, 'pglite')]);
  // Whole runs after the first on Postgres; SF 0.1, where a plan that grows with the change set times the snapshots shows.
  const pgRuns = await pgliteRunsFigure(PGLITE_RUNS_SF, 3);
  print(`whole runs on Postgres (PGlite) after the first (bench/pglite-runs.ts)`, pgliteRunsRows(pgRuns));
  process.stdout.write(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

function os(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}`;
}

await main();
await (await import('./delivery-bench.js')).printDeliveryBenchmark(); // delivery throughput and memory (bench/delivery-bench.ts)
