// The measurements behind `npm run bench`, on any WarehouseConnection: run-bench.ts prints them,
// test/bench/ runs them at a tiny scale (answers must agree; times are never asserted).
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { dialectNamed } from '../dialects/registry.js';
import { loadProject } from '../src/definitions/load-project.js';
import type { Project } from '../src/definitions/model.js';
import { compileSql, evaluate, readCatalog } from '../src/evaluation/evaluate.js';
import type { DefinitionResult } from '../src/reference/dataset.js';
import type { Catalog } from '../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../src/warehouse/connection.js';
import { REFERENCE_DEFINITIONS, type BenchEngine } from './reference-queries.js';
import { SCALE_AS_OF } from './scale-generator.js';
import { variedDefinitions } from './varied-definitions.js';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function time<T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

export function benchProjectDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'bench', 'project');
    if (existsSync(path.join(candidate, 'quorum.yml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench/project not found');
    dir = parent;
  }
}

/** The reference definitions (YAML in bench/project) plus varied ones: 50 in all unless `total` says. */
export async function loadBenchProject(total = 50): Promise<Project> {
  const loaded = await loadProject(benchProjectDir(), { dialects: dialectNamed });
  if (!loaded.project) throw new Error(`bench/project does not load: ${JSON.stringify(loaded.diagnostics)}`);
  const varied = Math.max(0, total - loaded.project.definitions.length);
  return { ...loaded.project, definitions: [...loaded.project.definitions, ...variedDefinitions(varied)] };
}

/** One definition's answer as comparable text: sorted ids, or id=value lines. */
function answerOf(result: DefinitionResult | undefined): string[] {
  if (!result) return [];
  if (result.kind === 'audience') return [...result.members].sort();
  return [...result.values].map(([id, value]) => `${id}=${normalise(value)}`).sort();
}

function normalise(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return String(Number(value.toPrecision(12)));
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return String(Number(Number(value).toPrecision(12)));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function rowsAnswer(rows: readonly Record<string, unknown>[], kind: 'audience' | 'trait'): string[] {
  return rows.map((r) => (kind === 'audience' ? String(r.id) : `${String(r.id)}=${normalise(r.value)}`)).sort();
}

function firstDifference(a: readonly string[], b: readonly string[]): string {
  if (a.length !== b.length) return `${a.length} vs ${b.length} rows`;
  const i = a.findIndex((x, k) => x !== b[k]);
  return `quorum ${a[i]} vs hand-written ${b[i]}`;
}

export interface ReferenceResult {
  readonly name: string;
  readonly label: string;
  readonly rows: number;
  readonly compiledMs: number;
  readonly bestHandMs: number;
  readonly bestHand: string;
  readonly ratio: number;
}

/**
 * A statement whose rows are written to a temporary table in the warehouse, as `quorum run` stages
 * its result: what is timed is the warehouse's work, not the transfer of rows to this process.
 */
export function stageIn(engine: BenchEngine): (sql: string) => string {
  return engine === 'duckdb'
    ? (sql) => `CREATE OR REPLACE TEMP TABLE bench_staging AS ${sql}`
    : // One statement a call (the connector sends nothing else): the table is written, then dropped
      // by its own autocommit.
      (sql) => `CREATE TEMP TABLE bench_staging ON COMMIT DROP AS ${sql}`;
}

/**
 * Each reference definition: quorum's compiled statement against every hand-written candidate,
 * interleaved, `repetitions` times after one warm-up, each staged in the warehouse (stageIn); the
 * ratio uses the fastest candidate. Throws when a candidate's answer differs from quorum's (a fast
 * wrong answer fails the bench).
 */
export async function referenceRatios(
  connection: WarehouseConnection,
  engine: BenchEngine,
  project: Project,
  catalog: Catalog,
  repetitions: number,
  asOf = SCALE_AS_OF,
): Promise<ReferenceResult[]> {
  const out: ReferenceResult[] = [];
  for (const ref of REFERENCE_DEFINITIONS) {
    const options = { project, catalog, asOf, targets: [ref.name] };
    const compiled = compileSql(options, connection.dialect.printer);
    const quorum = answerOf((await evaluate(connection, options)).get(ref.name));
    const candidates = ref.handWritten(engine, asOf);
    for (const c of candidates) {
      const hand = rowsAnswer(await connection.query(c.sql), ref.kind);
      if (hand.join('\n') !== quorum.join('\n')) {
        throw new Error(`${ref.name}: the hand-written query "${c.name}" disagrees with quorum (${firstDifference(quorum, hand)})`);
      }
    }
    const stage = stageIn(engine);
    const compiledTimes: number[] = [];
    const handTimes = candidates.map(() => [] as number[]);
    await connection.execute(stage(compiled));
    for (const c of candidates) await connection.execute(stage(c.sql));
    for (let r = 0; r < repetitions; r += 1) {
      compiledTimes.push((await time(() => connection.execute(stage(compiled)))).ms);
      for (const [k, c] of candidates.entries()) handTimes[k].push((await time(() => connection.execute(stage(c.sql)))).ms);
    }
    const medians = handTimes.map(median);
    const best = medians.indexOf(Math.min(...medians));
    out.push({
      name: ref.name,
      label: ref.label,
      rows: quorum.length,
      compiledMs: median(compiledTimes),
      bestHandMs: medians[best],
      bestHand: candidates[best].name,
      ratio: median(compiledTimes) / medians[best],
    });
  }
  return out;
}

export interface ManyResult {
  readonly definitions: number;
  readonly manyMs: number;
  /** Every definition run alone (median of the repetitions), cheapest first. */
  readonly singles: readonly { readonly name: string; readonly ms: number }[];
}

/** The single-definition runs a many-definition run is compared with. */
export function singleRuns(many: ManyResult): {
  cheapest: { name: string; ms: number };
  median: number;
  heaviest: { name: string; ms: number };
  sum: number;
} {
  const s = many.singles;
  return { cheapest: s[0], median: median(s.map((x) => x.ms)), heaviest: s[s.length - 1], sum: s.reduce((t, x) => t + x.ms, 0) };
}

/**
 * A run of every definition of the project in one statement against a run of each definition
 * alone, all written to a staging table in the warehouse as `quorum run` does (the rows never come
 * back to the process). Each repetition runs the many-definition statement, then every single one.
 */
export async function manyVersusOne(
  connection: WarehouseConnection,
  project: Project,
  catalog: Catalog,
  repetitions: number,
  options: { readonly asOf?: string } = {},
): Promise<ManyResult> {
  const asOf = options.asOf ?? SCALE_AS_OF;
  const names = project.definitions.map((d) => d.name);
  const stage = stageIn(connection.dialect.name === 'duckdb' ? 'duckdb' : 'postgres');
  const sqlFor = (targets: readonly string[]) => stage(compileSql({ project, catalog, asOf, targets }, connection.dialect.printer));
  const many = sqlFor(names);
  const singles = names.map((name) => sqlFor([name]));
  await connection.execute(many);
  const manyTimes: number[] = [];
  const singleTimes = names.map(() => [] as number[]);
  for (let r = 0; r < repetitions; r += 1) {
    manyTimes.push((await time(() => connection.execute(many))).ms);
    for (const [i, sql] of singles.entries()) singleTimes[i].push((await time(() => connection.execute(sql))).ms);
  }
  return {
    definitions: names.length,
    manyMs: median(manyTimes),
    singles: names.map((name, i) => ({ name, ms: median(singleTimes[i]) })).sort((a, b) => a.ms - b.ms),
  };
}

/**
 * Definitions whose answer in one run of every definition differs from their answer in a run of
 * their own. Work shared between definitions (one scan, one GROUP BY, one per-user aggregate for
 * several traits) happens only in the many-definition run, so this is where it is checked.
 */
export async function manyDisagreeWithOne(connection: WarehouseConnection, project: Project, catalog: Catalog, asOf = SCALE_AS_OF): Promise<string[]> {
  const names = project.definitions.map((d) => d.name);
  const all = await evaluate(connection, { project, catalog, asOf, targets: names });
  const differing: string[] = [];
  for (const name of names) {
    const own = answerOf((await evaluate(connection, { project, catalog, asOf, targets: [name] })).get(name));
    if (own.join('\n') !== answerOf(all.get(name)).join('\n')) differing.push(name);
  }
  return differing;
}

export async function benchCatalog(connection: WarehouseConnection, project: Project): Promise<Catalog> {
  return readCatalog(connection, project);
}
