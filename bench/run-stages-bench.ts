// A whole `quorum run` on a scale warehouse (issue 15): the CLI itself, in a child process, with
// `--log-format json`, so the figures are the stage events an operator sees. Six definitions (the
// five of bench/project and a per-user login count, so two user-level traits over every user of the
// universe), each syncing to a file destination: the first run sends every member and value, the
// second, an hour later, only what that hour changed. `stage.execute` is the compiled statement
// filling staging; `stage.diff` is everything after it inside the run's transaction (counts,
// guardrail, outbox, snapshot replacement, commit).
//
// The scale warehouse is copied for each measurement: a run writes its state schema into it.
//
//   node dist/bench/run-stages-bench.js [--sf 1] [--small 0.1]
//   node dist/bench/run-stages-bench.js --sf 1 [--small 0.1] --profile   the diff stage's statements: CPU and wall ms, slowest in CPU first
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { appendRows } from './append-rows.js';
import { copyFileDurably } from './durable-copy.js';
import { SCALE_AS_OF, SCALE_SCHEMA } from './scale-generator.js';
import { cpuMsSince, timeStatements } from './statement-timer.js';

/** The second run's as_of: an hour after the first, so that few entities change. */
export const SECOND_AS_OF = new Date(Date.parse(SCALE_AS_OF) + 3_600_000).toISOString();
/** The third run's: another hour, after APPENDED of new rows landed in between (bench/append-rows.ts). */
export const THIRD_AS_OF = new Date(Date.parse(SCALE_AS_OF) + 2 * 3_600_000).toISOString();
/** What lands before the third run: 1% new rows per table, 5% of them late (old `timestamp`, new `received_at`). */
export const APPENDED = { fraction: 0.01, late: 0.05, since: SECOND_AS_OF, arrived: THIRD_AS_OF, batch: 1 } as const;

const DEFINITIONS: Record<string, string> = {
  'traits/logins_past_30_days.yml': 'computed_trait: logins_past_30_days\nlevel: account\ncompute: count\nevent: Logged In\nwithin: 30d\n',
  'traits/features_adopted_30d.yml': 'computed_trait: features_adopted_30d\nlevel: account\ncompute: unique_count\nevent: Feature Used\nproperty: feature\nwithin: 30d\n',
  'traits/favourite_feature.yml': 'computed_trait: favourite_feature\nlevel: user\ncompute: most_frequent\nevent: Feature Used\nproperty: feature\nwithin: 90d\n',
  'traits/logins_per_user_30d.yml': 'computed_trait: logins_per_user_30d\nlevel: user\ncompute: count\nevent: Logged In\nwithin: 30d\n',
  'audiences/admins_reporting_accounts.yml':
    'audience: admins_reporting_accounts\nlevel: account\nwhere:\n  - any_user:\n      - { trait: role, equals: Admin }\n      - { performed: Report Created, within: 30d }\n',
  'audiences/fully_active_accounts.yml': 'audience: fully_active_accounts\nlevel: account\nwhere:\n  - all_users:\n      - { performed: Logged In, within: 14d }\n',
};

/** Which call each definition sends (one type each, so the outbox holds one row per change). */
const SYNC: Record<string, string> = {
  logins_past_30_days: 'group',
  features_adopted_30d: 'group',
  favourite_feature: 'identify',
  logins_per_user_30d: 'identify',
  admins_reporting_accounts: 'group',
  fully_active_accounts: 'identify',
};

/** A project over a copy of the scale warehouse `file`, in a fresh temp folder. */
export function writeRunProject(file: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-run-bench-'));
  copyFileDurably(file, path.join(dir, 'warehouse.duckdb'));
  writeRunDefinitions(dir);
  return dir;
}

/** quorum.yml (a DuckDB warehouse at `warehouse.duckdb`, which this does not write) and the six definitions, into `dir`. */
export function writeRunDefinitions(dir: string): void {
  writeFileSync(
    path.join(dir, 'quorum.yml'),
    [
      'warehouse:\n  type: duckdb\n  path: warehouse.duckdb',
      `source:\n  preset: segment\n  schema: ${SCALE_SCHEMA}\n  event_time: timestamp`,
      'state:\n  schema: quorum_state',
      'destinations:\n  audit:\n    type: file\n    path: out/calls.ndjson',
      '',
    ].join('\n'),
  );
  for (const [file, yaml] of Object.entries(DEFINITIONS)) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    const name = path.basename(file, '.yml');
    writeFileSync(path.join(dir, file), `${yaml}sync:\n  - to: audit\n    calls: [${SYNC[name]}]\n`);
  }
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** A child process's output and wall time, as seen from this process (no tool outside the repo). */
export function timeChild(args: readonly string[], cwd?: string): Promise<{ ms: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ ms: performance.now() - started, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code }),
    );
  });
}

export interface RunFigure {
  /** ms per stage, from the `stage.*` events (`deliver` summed over leftovers and the run's own) */
  readonly stages: Readonly<Record<string, number>>;
  readonly wallMs: number;
  /** entered + exited + changed over the definitions */
  readonly changes: number;
  /** size summed over the definitions */
  readonly entities: number;
}

/** ms per stage from the `stage.*` events of `--log-format json` on stderr (`deliver` summed over leftovers and the run's own). */
export function stageTimes(stderr: string): Record<string, number> {
  const stages: Record<string, number> = {};
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { code?: string; ms?: number };
    if (event.code?.startsWith('stage.') && typeof event.ms === 'number') {
      const stage = event.code.slice('stage.'.length);
      stages[stage] = (stages[stage] ?? 0) + event.ms;
    }
  }
  return stages;
}

/** `quorum run --log-format json --json` in a child process. */
export async function quorumRun(dir: string, asOf: string): Promise<RunFigure> {
  const bin = path.join(repoRoot(), 'bin', 'quorum.js');
  const result = await timeChild([bin, 'run', '--project', dir, '--as-of', asOf, '--log-format', 'json', '--json']);
  if (result.code !== 0) throw new Error(`quorum run failed (${result.code}): ${result.stderr.slice(-2000)}\n${result.stdout.slice(-2000)}`);
  const stages = stageTimes(result.stderr);
  const output = JSON.parse(result.stdout) as { definitions: { size: number; entered: number; exited: number; changed: number }[] };
  return {
    stages,
    wallMs: result.ms,
    changes: output.definitions.reduce((n, d) => n + d.entered + d.exited + d.changed, 0),
    entities: output.definitions.reduce((n, d) => n + d.size, 0),
  };
}

export interface RunStagesFigure {
  readonly sf: number;
  readonly first: RunFigure;
  readonly second: RunFigure;
  /** after APPENDED: the place for "incremental vs full" (issue 15 §2) */
  readonly appended: RunFigure;
  /** rows added per table before the third run */
  readonly added: number;
}

/** The runs of a figure, labelled, in order. */
export function runsOf(f: RunStagesFigure): [string, RunFigure][] {
  return [
    ['first run', f.first],
    ['second run, an hour later', f.second],
    [`third run, after ${(APPENDED.fraction * 100).toFixed(0)}% new rows (${(APPENDED.late * 100).toFixed(0)}% late)`, f.appended],
  ];
}

/** A first run at SCALE_AS_OF, a second an hour later, and a third after new rows landed, on a fresh copy of `file`. */
export async function runStages(sf: number, file: string): Promise<RunStagesFigure> {
  const dir = writeRunProject(file);
  try {
    const first = await quorumRun(dir, SCALE_AS_OF);
    const second = await quorumRun(dir, SECOND_AS_OF);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
    const connection = await instance.connect();
    const added = await appendRows(connection, APPENDED).finally(() => {
      connection.closeSync();
      instance.closeSync();
    });
    const appended = await quorumRun(dir, THIRD_AS_OF);
    return { sf, first, second, appended, added: Object.values(added).reduce((a, b) => a + b, 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type StageRow = [string, string, string];

const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`;

export function runStageRows(figures: readonly RunStagesFigure[]): StageRow[] {
  const rows: StageRow[] = [];
  for (const f of figures) {
    for (const [label, r] of runsOf(f)) {
      rows.push([
        `SF${f.sf}, ${label}: stage.diff / stage.execute`,
        `${((r.stages.diff ?? 0) / (r.stages.execute ?? 1)).toFixed(2)}x`,
        `goal <= 0.3; diff ${s(r.stages.diff)}, execute ${s(r.stages.execute)}, deliver ${s(r.stages.deliver)}, whole process ${s(r.wallMs)}; ` +
          `${r.changes.toLocaleString('en')} changes, ${r.entities.toLocaleString('en')} entities`,
      ]);
    }
  }
  if (figures.length >= 2) {
    const [small, large] = [figures[0], figures[figures.length - 1]];
    rows.push([
      `stage.diff of the second run, SF${small.sf} -> SF${large.sf}`,
      `${((large.second.stages.diff ?? 0) / Math.max(1, small.second.stages.diff ?? 0)).toFixed(2)}x`,
      `${s(small.second.stages.diff)} -> ${s(large.second.stages.diff)} as unchanged entities grow ${(large.second.entities / Math.max(1, small.second.entities)).toFixed(1)}x (goal: flat)`,
    ]);
  }
  return rows;
}

/** The markdown table of BENCHMARKS.md. */
export function runStagesTable(figures: readonly RunStagesFigure[]): string {
  const lines = ['| scale | run | changes | stage.execute | stage.diff | diff / execute | stage.deliver | whole process |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const f of figures)
    for (const [label, r] of runsOf(f))
      lines.push(
        `| SF ${f.sf} | ${label} | ${r.changes.toLocaleString('en')} | ${s(r.stages.execute)} | ${s(r.stages.diff)} | ${((r.stages.diff ?? 0) / (r.stages.execute ?? 1)).toFixed(2)} | ${s(r.stages.deliver)} | ${s(r.wallMs)} |`,
      );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// --profile: the statements of the diff stage, in process, slowest first (a development aid).

async function profileDiff(file: string): Promise<void> {
  const { dialectNamed } = await import('../dialects/registry.js');
  const { openSession } = await import('../src/evaluation/session.js');
  const { run } = await import('../src/sync/run.js');
  const dir = writeRunProject(file);
  try {
    for (const asOf of [SCALE_AS_OF, SECOND_AS_OF]) {
      const whole = process.cpuUsage();
      const session = await openSession(dir, dialectNamed);
      let stage = '';
      const timings: { stage: string; ms: number; cpuMs: number; sql: string }[] = [];
      // The embedded DuckDB's own connection (its reads go through `run` too), so that BEGIN and COMMIT are timed.
      timeStatements((session.connection as unknown as { connection: unknown }).connection, ['run'], (sql, ms, cpuMs) =>
        timings.push({ stage, ms, cpuMs, sql: sql.replace(/\s+/g, ' ') }),
      );
      // The stage as the operator log counts it: `diff` runs from the end of `execute` to COMMIT.
      await run({ ...session, asOf, definitions: session.project.definitions.map((d) => d.name), onStage: (next) => (stage = next) });
      // Closing checkpoints the embedded DuckDB: what COMMIT does not write, the close does.
      const closing = process.cpuUsage();
      await session.close();
      const closeCpuMs = cpuMsSince(closing);
      const runCpuMs = cpuMsSince(whole);
      const of = (name: string) => timings.filter((t) => t.stage === name);
      const sum = (list: readonly { ms: number; cpuMs: number }[]) => ({ ms: list.reduce((n, t) => n + t.ms, 0), cpuMs: list.reduce((n, t) => n + t.cpuMs, 0) });
      const diff = of('diff').sort((a, b) => b.cpuMs - a.cpuMs);
      const [d, e] = [sum(diff), sum(of('execute'))];
      process.stdout.write(
        `\n${asOf}: diff stage ${d.cpuMs.toFixed(0)} ms CPU (${d.ms.toFixed(0)} ms wall) in ${diff.length} statements; ` +
          `execute ${e.cpuMs.toFixed(0)} ms CPU (${e.ms.toFixed(0)} ms wall); diff / execute in CPU ${(d.cpuMs / Math.max(1, e.cpuMs)).toFixed(2)}x; ` +
          `closing the database ${closeCpuMs.toFixed(0)} ms CPU (execute + diff + close ${(e.cpuMs + d.cpuMs + closeCpuMs).toFixed(0)} ms); the whole run in process, opening to closing, ${runCpuMs.toFixed(0)} ms CPU\n`,
      );
      process.stdout.write(`  ${'CPU ms'.padStart(7)} ${'wall ms'.padStart(8)}  statement (slowest in CPU first)\n`);
      for (const t of diff.slice(0, 25)) process.stdout.write(`  ${t.cpuMs.toFixed(0).padStart(7)} ${t.ms.toFixed(0).padStart(8)}  ${t.sql.slice(0, 200)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { scaleWarehouseFile } = await import('./scale-generator.js');
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const sf = Number(value('--sf') ?? 1);
  const scales = [Number(value('--small') ?? sf / 10), sf];
  if (argv.includes('--profile')) {
    // the small scale only when asked for: profiling SF 1 alone is the common case
    for (const x of value('--small') === undefined ? [sf] : scales) {
      process.stdout.write(`\n# SF ${x}\n`);
      await profileDiff(scaleWarehouseFile(x));
    }
  } else {
    const figures: RunStagesFigure[] = [];
    for (const x of scales) figures.push(await runStages(x, scaleWarehouseFile(x)));
    for (const [what, figure, note] of runStageRows(figures)) process.stdout.write(`  ${what.padEnd(58)}  ${figure.padStart(7)}  ${note}\n`);
    process.stdout.write(`\n${runStagesTable(figures)}\n`);
  }
}
