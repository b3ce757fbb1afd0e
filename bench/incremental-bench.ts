// The incremental section of `npm run bench` (issue 15, SPEC §6.1): what a run costs when it reads
// only the rows new to it. Whole `quorum run --log-format json --json` processes on copies of a
// scale warehouse, with `incremental.enabled: true`:
//
// 1. The warehouse as it stood at SECOND_AS_OF (asItStood), a first run then (full: it builds the
//    kept state), then bench/append-rows.ts lands APPENDED (1% new rows in every table, 5% of them
//    late; or what `append` says) before a run when they have all arrived (an hour later). The six
//    definitions and the project are bench/run-stages-bench.ts's.
// 2. On fresh copies of that one prepared directory, side by side, the order rotating with each
//    repetition: the run a schedule makes (incremental); `quorum run --full` (which also rebuilds
//    the kept state); and the engine off (`enabled: false`: the compiled statement alone, what a
//    run costs without incremental evaluation). The copies' snapshots (members, values, users of
//    account audiences) must be identical, or the bench fails: a fast wrong answer is no figure.
// 3. The 50 definitions of the statement bench against the cheapest of a few single definitions,
//    both incremental after their own first run and the same append (bench/incremental-run-child.ts
//    runs them: the varied definitions exist only as TypeScript).
//
//   node dist/bench/incremental-bench.js [--sf 1] [--reps 3] [--no-many] [--json]
//       [--percent 1 --late 0.05 --minutes 60]   what lands between the runs; --json: every run's figures too
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdb } from '../dialects/duckdb/index.js';
import { bin, col, deleteFrom, ts } from '../src/sql/ast.js';
import { appendRows, type AppendOptions } from './append-rows.js';
import { benchProjectDir, median } from './measure.js';
import { copyFileDurably, copyTreeDurably } from './durable-copy.js';
import { APPENDED, SECOND_AS_OF, stageTimes, timeChild, writeRunProject } from './run-stages-bench.js';
import { SCALE_SCHEMA, SCALE_TABLES } from './scale-generator.js';

const ENGINE_ON = 'incremental:\n  enabled: true\n';
const ENGINE_OFF = 'incremental:\n  enabled: false\n';
/** writeRunProject's state schema, and bench/project's. */
const RUN_STATE_SCHEMA = 'quorum_state';
const BENCH_STATE_SCHEMA = 'quorum';

/**
 * The single definitions the 50 are compared with: the two cheapest statements of the statement
 * bench at SF 1 (BENCHMARKS.md, account-level: one event table and `groups`) and a reference count.
 * Each is measured; the cheapest is the figure.
 */
export const SINGLE_CANDIDATES = ['v15_account_avg_load_7d', 'v19_accounts_no_user_90d', 'logins_past_30_days'] as const;

export interface MeasuredRun {
  readonly wallMs: number;
  /** ms per `stage.*` event of `--log-format json` */
  readonly stages: Readonly<Record<string, number>>;
  /** `rows_read` of `run --json`, summed over the definitions (a table two definitions read counts twice) */
  readonly rowsRead: number;
  /** definitions per `mode (mode_reason)`, e.g. `incremental`, `full (requested)` */
  readonly modes: Readonly<Record<string, number>>;
  /** entered + exited + changed over the definitions */
  readonly changes: number;
}

type Side = 'incremental' | 'full' | 'off';
const SIDES: readonly Side[] = ['incremental', 'full', 'off'];
const EXPECTED_MODE: Record<Side, string> = { incremental: 'incremental', full: 'full (requested)', off: 'full (disabled)' };
/** A run after the first may still read some definitions in full: those the engine does not keep (docs/incremental.md). */
const AFTER_FIRST = ['incremental', 'full (not_incremental)'];

export interface SideBySide {
  readonly runs: Readonly<Record<Side, MeasuredRun>>;
  /** snapshot and snapshot-user rows of the `--full` copy, each compared with the other two copies */
  readonly compared: number;
}

export interface ManyFigure {
  readonly definitions: number;
  readonly first: MeasuredRun;
  readonly many: readonly MeasuredRun[];
  readonly singles: readonly { readonly name: string; readonly runs: readonly MeasuredRun[] }[];
}

export interface IncrementalFigure {
  readonly sf: number;
  /** what landed between the first run and the measured ones; they run at `append.arrived` */
  readonly append: AppendOptions;
  /** rows appended over every table before the measured runs */
  readonly added: number;
  readonly first: MeasuredRun;
  readonly pairs: readonly SideBySide[];
  readonly many: ManyFigure | null;
}

interface RunOutput {
  readonly definitions: readonly { entered: number; exited: number; changed: number; mode?: string; mode_reason?: string; rows_read?: number | null }[];
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** `3 incremental, 1 full (not_incremental)` */
export const modesText = (modes: Readonly<Record<string, number>>) =>
  Object.entries(modes)
    .map(([mode, count]) => `${count} ${mode}`)
    .join(', ');

const repoRoot = () => path.dirname(path.dirname(benchProjectDir()));

async function measuredRun(args: readonly string[]): Promise<MeasuredRun> {
  const result = await timeChild(args);
  if (result.code !== 0) throw new Error(`${args.slice(1).join(' ')} failed (${result.code}): ${result.stderr.slice(-2000)}\n${result.stdout.slice(-2000)}`);
  const output = JSON.parse(result.stdout) as RunOutput;
  const d = output.definitions;
  return {
    wallMs: result.ms,
    stages: stageTimes(result.stderr),
    rowsRead: d.reduce((n, x) => n + (x.rows_read ?? 0), 0),
    modes: tally(d.map((x) => (x.mode_reason && x.mode_reason !== 'incremental' ? `${x.mode} (${x.mode_reason})` : String(x.mode)))),
    changes: d.reduce((n, x) => n + x.entered + x.exited + x.changed, 0),
  };
}

type Runner = (dir: string, asOf: string, ...extra: string[]) => Promise<MeasuredRun>;
/** The CLI itself. */
const cliRun: Runner = (dir, asOf, ...extra) =>
  measuredRun([path.join(repoRoot(), 'bin', 'quorum.js'), 'run', '--project', dir, '--as-of', asOf, '--log-format', 'json', '--json', ...extra]);
/** The CLI's path over the bench's 50 definitions (bench/incremental-run-child.ts). */
const fiftyRun: Runner = (dir, asOf, ...extra) => measuredRun([path.join(repoRoot(), 'dist', 'bench', 'incremental-run-child.js'), dir, asOf, ...extra]);

function copyOf(dir: string): string {
  const to = mkdtempSync(path.join(tmpdir(), 'quorum-incremental-bench-'));
  copyTreeDurably(dir, to);
  return to;
}

function engineOff(dir: string): void {
  const file = path.join(dir, 'quorum.yml');
  const text = readFileSync(file, 'utf8');
  if (!text.endsWith(ENGINE_ON)) throw new Error(`${file} does not end with the bench's incremental block`);
  writeFileSync(file, text.slice(0, -ENGINE_ON.length) + ENGINE_OFF);
}

/**
 * The warehouse as it stood at `asOf`: rows that arrive later are removed. The scale warehouse also
 * holds rows of the days after its as_of (rows a run must not see), whose `received_at` runs days
 * past the first run's; APPENDED's rows, landing after that run with earlier `received_at`, would
 * then be out of arrival order by days, outside SPEC §6.1's premise (each row loaded within
 * `arrival_lag` of arrival order), and an incremental run would rightly miss the late ones. A real
 * warehouse at the time of a run holds no row that arrives after it.
 */
export async function asItStood(connection: DuckDBConnection, asOf: string): Promise<void> {
  for (const table of SCALE_TABLES)
    await connection.run(duckdb.printer.printStatement(deleteFrom({ schema: SCALE_SCHEMA, name: table }, bin('>', col('received_at'), ts(asOf)))));
}

/** The first run of `dir`, then `append` lands in its warehouse: the state every measured run starts from. */
async function prepare(dir: string, run: Runner, append: AppendOptions): Promise<{ first: MeasuredRun; added: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const open = async <T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  await open((c) => asItStood(c, append.since));
  const first = await run(dir, append.since);
  const added = await open((c) => appendRows(c, append));
  return { first, added: Object.values(added).reduce((a, b) => a + b, 0) };
}

/** Snapshot and snapshot-user rows of `a`'s state, and how many of them differ from `b`'s (in either direction). */
export async function snapshotDifference(a: string, b: string, schema: string): Promise<{ compared: number; differing: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const p = duckdb.printer;
  try {
    for (const [alias, dir] of [['a', a], ['b', b]] as const) await connection.run(`ATTACH ${p.visitStringLiteral(path.join(dir, 'warehouse.duckdb'))} AS ${alias} (READ_ONLY)`);
    let compared = 0;
    let differing = 0;
    for (const [table, columns] of [['snapshots', 'definition, entity_id, value'], ['snapshot_users', 'definition, entity_id, user_id, position']]) {
      const rows = (db: string) => `SELECT ${columns} FROM ${db}.${p.quoteIdentifier(schema)}.${table}`;
      const reader = await connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM (${rows('a')}))::BIGINT AS n,
                (SELECT count(*) FROM ((${rows('a')} EXCEPT ALL ${rows('b')}) UNION ALL (${rows('b')} EXCEPT ALL ${rows('a')})))::BIGINT AS d`,
      );
      const [counts] = reader.getRowObjectsJS();
      compared += Number(counts.n);
      differing += Number(counts.d);
    }
    return { compared, differing };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Throws unless every definition of `run` ran in one of the `expected` modes. */
function expectModes(run: MeasuredRun, expected: readonly string[], what: string): void {
  if (Object.keys(run.modes).some((m) => !expected.includes(m))) throw new Error(`${what}: expected ${expected.join(' or ')}, got ${modesText(run.modes)}`);
}

/** One repetition: the three sides on fresh copies of `prepared`, starting with side `rep` mod 3. */
async function sideBySide(prepared: string, rep: number, asOf: string): Promise<SideBySide> {
  const dirs = Object.fromEntries(SIDES.map((side) => [side, copyOf(prepared)])) as Record<Side, string>;
  engineOff(dirs.off);
  try {
    const runs = {} as Record<Side, MeasuredRun>;
    for (let k = 0; k < SIDES.length; k += 1) {
      const side = SIDES[(rep + k) % SIDES.length];
      runs[side] = await cliRun(dirs[side], asOf, ...(side === 'full' ? ['--full'] : []));
      expectModes(runs[side], [EXPECTED_MODE[side]], `the ${side} run`);
    }
    let compared = 0;
    for (const side of ['incremental', 'off'] as const) {
      const d = await snapshotDifference(dirs.full, dirs[side], RUN_STATE_SCHEMA);
      if (d.differing > 0 || d.compared === 0) throw new Error(`the ${side} run's snapshots differ from run --full's: ${d.differing} of ${d.compared} rows`);
      compared = d.compared;
    }
    return { runs, compared };
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/** The 50 definitions and each single candidate, incremental, on fresh copies of one prepared state. */
/**
 * The bench project of the 50 on a copy of `file` in `dir`, after its first run and `append`: the
 * state every 50-or-single run starts from (also what a profile of one starts from).
 */
export async function prepareMany(dir: string, file: string, append: AppendOptions): Promise<MeasuredRun> {
  for (const part of ['quorum.yml', 'traits', 'audiences']) cpSync(path.join(benchProjectDir(), part), path.join(dir, part), { recursive: true });
  copyFileDurably(file, path.join(dir, 'warehouse.duckdb'));
  appendFileSync(path.join(dir, 'quorum.yml'), `\n${ENGINE_ON}`);
  return (await prepare(dir, fiftyRun, append)).first;
}

async function manyVersusSingles(file: string, reps: number, singles: readonly string[], append: AppendOptions): Promise<ManyFigure> {
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-incremental-bench-'));
  try {
    const first = await prepareMany(dir, file, append);
    const targets: readonly (readonly string[])[] = [[], ...singles.map((name) => [name])];
    const runs = targets.map(() => [] as MeasuredRun[]);
    for (let r = 0; r < reps; r += 1) {
      for (let k = 0; k < targets.length; k += 1) {
        const i = (r + k) % targets.length;
        const copy = copyOf(dir);
        try {
          runs[i].push(await fiftyRun(copy, append.arrived, ...targets[i]));
        } finally {
          rmSync(copy, { recursive: true, force: true });
        }
        expectModes(runs[i].at(-1)!, AFTER_FIRST, targets[i].length === 0 ? 'the 50-definition run' : targets[i][0]);
      }
    }
    return { definitions: 50, first, many: runs[0], singles: singles.map((name, i) => ({ name, runs: runs[i + 1] })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface IncrementalOptions {
  readonly reps: number;
  /** the single definitions the 50 are compared with; empty: the 50-definition rows are skipped */
  readonly singles?: readonly string[];
  /** what lands after the first run; default APPENDED (1% new rows, 5% late, over the hour after SECOND_AS_OF) */
  readonly append?: AppendOptions;
}

/** Every figure of the section on a copy of the scale warehouse `file` (never written to). */
export async function incrementalFigure(sf: number, file: string, options: IncrementalOptions): Promise<IncrementalFigure> {
  const dir = writeRunProject(file);
  try {
    appendFileSync(path.join(dir, 'quorum.yml'), ENGINE_ON);
    const append = options.append ?? APPENDED;
    const { first, added } = await prepare(dir, cliRun, append);
    const pairs: SideBySide[] = [];
    for (let r = 0; r < options.reps; r += 1) pairs.push(await sideBySide(dir, r, append.arrived));
    const singles = options.singles ?? SINGLE_CANDIDATES;
    const many = singles.length > 0 ? await manyVersusSingles(file, options.reps, singles, append) : null;
    return { sf, append, added, first, pairs, many };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median of each figure over several runs of the same thing. */
export function medianRun(runs: readonly MeasuredRun[]): MeasuredRun {
  const stages = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    stages: Object.fromEntries(stages.map((s) => [s, median(runs.map((r) => r.stages[s] ?? 0))])),
    rowsRead: median(runs.map((r) => r.rowsRead)),
    modes: runs[0].modes,
    changes: median(runs.map((r) => r.changes)),
  };
}

export type IncrementalRow = [string, string, string];

const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`;
const x = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(2)}x`;
const n = (v: number) => Math.round(v).toLocaleString('en');
const stage = (r: MeasuredRun, name: string) => r.stages[name] ?? 0;
const pct = (v: number) => `${Number((v * 100).toPrecision(2))}%`;
const minutes = (a: AppendOptions) => `${Math.round((Date.parse(a.arrived) - Date.parse(a.since)) / 60_000)} min`;

export function incrementalRows(f: IncrementalFigure): IncrementalRow[] {
  const at = `SF${f.sf}`;
  const side = (which: Side) => medianRun(f.pairs.map((p) => p.runs[which]));
  const [inc, full, off] = [side('incremental'), side('full'), side('off')];
  const reps = `medians of ${f.pairs.length} side-by-side repetition${f.pairs.length === 1 ? '' : 's'}`;
  const rows: IncrementalRow[] = [
    [`${at}, first run (full, builds the kept state): whole process`, s(f.first.wallMs), `execute ${s(stage(f.first, 'execute'))}, diff ${s(stage(f.first, 'diff'))}, deliver ${s(stage(f.first, 'deliver'))}; ${n(f.first.changes)} changes; then ${n(f.added)} rows appended`],
    [`${at}, after ${pct(f.append.fraction)} new rows (${pct(f.append.late)} late) in ${minutes(f.append)}: incremental / run --full, whole process`, x(inc.wallMs, full.wallMs), `goal <= 0.1; ${s(inc.wallMs)} vs ${s(full.wallMs)}; ${reps}`],
    [`${at}, the same: incremental / run --full, stage.execute`, x(stage(inc, 'execute'), stage(full, 'execute')), `${s(stage(inc, 'execute'))} vs ${s(stage(full, 'execute'))}`],
    [
      `${at}, the same: incremental outside stage.execute / run --full, whole process`,
      x(inc.wallMs - stage(inc, 'execute'), full.wallMs),
      `the first ratio's floor were the evaluation free: diff ${s(stage(inc, 'diff'))} and deliver ${s(stage(inc, 'deliver'))} of ${n(inc.changes)} changes, the rest ${s(inc.wallMs - stage(inc, 'execute') - stage(inc, 'diff') - stage(inc, 'deliver'))}`,
    ],
    [`${at}, the same: incremental / engine off, whole process`, x(inc.wallMs, off.wallMs), `${s(inc.wallMs)} vs ${s(off.wallMs)} (enabled: false: the compiled statement alone)`],
    [`${at}, the same: incremental / engine off, stage.execute`, x(stage(inc, 'execute'), stage(off, 'execute')), `${s(stage(inc, 'execute'))} vs ${s(stage(off, 'execute'))}`],
    [`${at}, the same: rows read, incremental / run --full`, x(inc.rowsRead, full.rowsRead), `${n(inc.rowsRead)} vs ${n(full.rowsRead)} (rows_read of run --json, summed over the definitions)`],
  ];
  for (const [label, r] of [['incremental', inc], ['run --full', full], ['engine off', off]] as const)
    rows.push([`${at}, the same, ${label}: stage.diff / stage.execute`, x(stage(r, 'diff'), stage(r, 'execute')), `diff ${s(stage(r, 'diff'))}, execute ${s(stage(r, 'execute'))}, deliver ${s(stage(r, 'deliver'))}; ${n(r.changes)} changes`]);
  rows.push([`${at}, the same: answers of incremental, run --full, engine off`, 'agree', `${n(f.pairs[0].compared)} snapshot rows (members, values, account users) identical in every repetition`]);
  if (f.many) rows.push(...manyRows(at, f.many));
  return rows;
}

function manyRows(at: string, m: ManyFigure): IncrementalRow[] {
  const many = medianRun(m.many);
  const singles = m.singles.map((x) => ({ name: x.name, run: medianRun(x.runs) })).sort((a, b) => a.run.wallMs - b.run.wallMs);
  const cheapest = singles[0];
  const byExecute = [...singles].sort((a, b) => stage(a.run, 'execute') - stage(b.run, 'execute'))[0];
  return [
    [`${at}, ${m.definitions} definitions, first run (full, builds the kept state)`, s(m.first.wallMs), `execute ${s(stage(m.first, 'execute'))}, diff ${s(stage(m.first, 'diff'))}`],
    [
      `${at}, incremental: one run of ${m.definitions} / the cheapest single definition, whole process`,
      x(many.wallMs, cheapest.run.wallMs),
      `goal <= 3; ${s(many.wallMs)} vs ${s(cheapest.run.wallMs)} (${cheapest.name}; of ${singles.map((c) => `${c.name} ${s(c.run.wallMs)}`).join(', ')})`,
    ],
    [
      `${at}, incremental: one run of ${m.definitions} / the cheapest single definition, stage.execute`,
      x(stage(many, 'execute'), stage(byExecute.run, 'execute')),
      `${s(stage(many, 'execute'))} vs ${s(stage(byExecute.run, 'execute'))} (${byExecute.name}); rows read ${n(many.rowsRead)} vs ${n(byExecute.run.rowsRead)}; the ${m.definitions}: ${modesText(many.modes)}`,
    ],
  ];
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { scaleWarehouseFile } = await import('./scale-generator.js');
  const text = (value: string) => ({ type: 'string', default: value }) as const;
  const { values } = parseArgs({
    options: { sf: text('1'), reps: text('3'), percent: text(String(APPENDED.fraction * 100)), late: text(String(APPENDED.late)), minutes: text('60'), 'no-many': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const sf = Number(values.sf);
  const file = scaleWarehouseFile(sf);
  if (!existsSync(file)) throw new Error(`no scale warehouse at ${file}: npm run bench -- --sf ${sf} generates it`);
  const append = { ...APPENDED, fraction: Number(values.percent) / 100, late: Number(values.late), arrived: new Date(Date.parse(APPENDED.since) + Number(values.minutes) * 60_000).toISOString() };
  const figure = await incrementalFigure(sf, file, { reps: Number(values.reps), singles: values['no-many'] ? [] : SINGLE_CANDIDATES, append });
  const rows = incrementalRows(figure);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [what, fig, note] of rows) process.stdout.write(`  ${what.padEnd(width)}  ${fig.padStart(9)}  ${note}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(figure)}\n`);
}
