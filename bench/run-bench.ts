// `npm run bench`: figures measured side by side in one process and one run, medians of several
// repetitions, printed as ratios. Absolute times on shared machines are noise; ratios are not.
import { DuckDBInstance } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';
import { duckdb } from '../dialects/duckdb/index.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import { DEMO_AS_OF, generateDemoWarehouse } from '../fixtures/demo/generate-warehouse.js';
import { demoProjectTemplateDir } from '../fixtures/demo/write-project.js';
import { loadProject } from '../src/definitions/load-project.js';
import type { Condition, Definition, Project } from '../src/definitions/model.js';
import { compileSql, evaluate, readCatalog } from '../src/evaluation/evaluate.js';
import { formatTimestamp } from '../src/sql/printer.js';

const REPETITIONS = Number(process.env.QUORUM_BENCH_REPETITIONS ?? 7);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function time<T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

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
        { kind: 'trait', trait: 'role', predicate: { op: 'equals', value: 'Admin', ignoreCase: false }, loc: LOC },
        { kind: 'performed', event: { kind: 'track', name: EVENTS[(i + 1) % EVENTS.length] }, window: { kind: 'within', seconds: 86_400 * 7, text: '7d' }, filters: [], count: { op: 'at_least', n: 1 + (i % 3) }, loc: LOC },
      ],
    };
    const where: Condition =
      level === 'account'
        ? {
            kind: 'all',
            loc: LOC,
            children: [
              { kind: 'trait', trait, predicate: { op: 'lt', value: 10 + i, ignoreCase: false }, loc: LOC },
              { kind: 'quantifier', quantifier: (['any_user', 'all_users', 'no_user'] as const)[i % 3], atLeast: null, condition: userCondition, loc: LOC },
            ],
          }
        : { kind: 'any', loc: LOC, children: [{ kind: 'trait', trait, predicate: { op: 'gte', value: i % 5, ignoreCase: false }, loc: LOC }, userCondition] };
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

async function main(): Promise<void> {
  const loaded = await loadProject(demoProjectTemplateDir());
  if (!loaded.project) throw new Error('the demo project does not load');
  const project = loaded.project;
  const compile = await compileBenchmark(project);
  const atRisk = await atRiskBenchmark(project);
  const rows: [string, string, string][] = [
    ['compile 1,000 generated definitions into one statement', `${compile.together.toFixed(0)} ms`, 'goal < 1,000 ms'],
    ['compile 1,000 generated definitions one by one', `${compile.oneByOne.toFixed(0)} ms`, ''],
    [
      `at_risk_accounts on the demo warehouse (${atRisk.size} accounts): compiled / hand-written`,
      `${(atRisk.compiled / atRisk.handWritten).toFixed(2)}x`,
      `${atRisk.compiled.toFixed(1)} ms vs ${atRisk.handWritten.toFixed(1)} ms; answers agree`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`quorum bench: medians of ${REPETITIONS} repetitions, measured side by side in one process\n\n`);
  for (const [what, figure, note] of rows) process.stdout.write(`${what.padEnd(width)}  ${figure.padStart(9)}  ${note}\n`);
}

await main();
