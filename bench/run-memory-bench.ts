// Peak RSS of a whole `quorum run` that delivers N changes on the embedded DuckDB (issue 15: < 300
// MB at 1,000,000). The warehouse holds N users, all Admins; one user-level audience of the Admins
// syncs `identify` to a file destination, so a first run writes N outbox rows and N snapshot rows
// in one transaction, then delivers N calls. The CLI runs in a child process (bench/max-rss.ts)
// that reports its own peak RSS, DuckDB included (it is a library in the process).
//
//   node dist/bench/run-memory-bench.js [--memory-limit 200MB] [--threads 2] [--statements] [changes...]   default 100000 1000000
//
// --statements also prints each statement that grew the process or took CPU, with DuckDB's memory by
// tag while it ran (bench/statement-memory.ts).
// --memory-limit and --threads go into the project's quorum.yml (warehouse.memory_limit, .threads).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeAdminWarehouse } from './admin-warehouse.js';
import { stageTimes, timeChild } from './run-stages-bench.js';
import type { StatementMemory } from './statement-memory.js';

export interface RunMemoryFigure {
  readonly changes: number;
  readonly engine: EngineSettings;
  readonly delivered: number;
  readonly maxRssMb: number;
  /** the CLI process's CPU time, user + system, DuckDB's threads included */
  readonly cpuMs: number;
  /** the highest RSS sampled during each stage (bench/max-rss.ts), by stage */
  readonly peakRssMb: Readonly<Record<string, number>>;
  /** the same for the JS heap and external buffers (heapTotal + external): the rest of RSS is DuckDB's and Node's own */
  readonly peakHeapMb: Readonly<Record<string, number>>;
  readonly stages: Readonly<Record<string, number>>;
  readonly wallMs: number;
  /** with QUORUM_BENCH_STATEMENTS=1 (`--statements`): the statements that held memory, in order */
  readonly statements: readonly StatementMemory[];
}

const AS_OF = '2024-06-01T00:00:00Z';

/** The embedded engine's settings the run is measured under; absent ones are DuckDB's defaults. */
export interface EngineSettings {
  readonly memoryLimit?: string;
  readonly threads?: number;
}

async function writeProject(dir: string, users: number, engine: EngineSettings): Promise<void> {
  await writeAdminWarehouse(path.join(dir, 'warehouse.duckdb'), users);
  const settings = [
    ...(engine.memoryLimit === undefined ? [] : [`\n  memory_limit: ${JSON.stringify(engine.memoryLimit)}`]),
    ...(engine.threads === undefined ? [] : [`\n  threads: ${engine.threads}`]),
  ].join('');
  writeFileSync(
    path.join(dir, 'quorum.yml'),
    [
      `warehouse:\n  type: duckdb\n  path: warehouse.duckdb${settings}`,
      'source:\n  preset: segment\n  schema: app\n  event_time: timestamp',
      'state:\n  schema: quorum_state',
      'destinations:\n  audit:\n    type: file\n    path: out/calls.ndjson',
      '',
    ].join('\n'),
  );
  mkdirSync(path.join(dir, 'audiences'));
  writeFileSync(path.join(dir, 'audiences', 'admins.yml'), 'audience: admins\nlevel: user\nwhere:\n  - { trait: role, equals: Admin }\nsync:\n  - to: audit\n    calls: [identify]\n');
}

/** A first run that delivers `changes` calls, in a child process; its peak RSS and stage times. */
export async function runMemoryFigure(changes: number, engine: EngineSettings = {}): Promise<RunMemoryFigure> {
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-run-memory-'));
  try {
    await writeProject(dir, changes, engine);
    const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'max-rss.js');
    const result = await timeChild([probe, 'run', '--project', dir, '--as-of', AS_OF, '--log-format', 'json', '--json']);
    if (result.code !== 0) throw new Error(`quorum run failed (${result.code}): ${result.stderr.slice(-2000)}`);
    const output = JSON.parse(result.stdout) as { delivered: Record<string, number> };
    const last = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { maxRssMb: number; cpuMs: number; peakRssMbBefore: Record<string, number>; peakHeapMbBefore: Record<string, number> };
    return {
      changes,
      engine,
      delivered: output.delivered.audit ?? 0,
      maxRssMb: last.maxRssMb,
      cpuMs: last.cpuMs,
      peakRssMb: last.peakRssMbBefore,
      peakHeapMb: last.peakHeapMbBefore,
      stages: stageTimes(result.stderr),
      wallMs: result.ms,
      statements: statementLines(result.stderr),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function statementLines(stderr: string): StatementMemory[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{"statementMemory"'))
    .map((line) => (JSON.parse(line) as { statementMemory: StatementMemory }).statementMemory);
}

function statementRow(s: StatementMemory): string {
  const tags = Object.entries(s.duckdbMb).map(([tag, size]) => `${tag} ${size}`).join(', ');
  return `    ${s.rssMb.before} -> ${s.rssMb.peak} -> ${s.rssMb.after} MB, CPU ${s.cpuMs} ms, DuckDB's MB: ${tags || 'none'}; ${s.statement}`;
}

function engineNote(engine: EngineSettings): string {
  const parts = [
    ...(engine.memoryLimit === undefined ? [] : [`memory_limit ${engine.memoryLimit}`]),
    ...(engine.threads === undefined ? [] : [`threads ${engine.threads}`]),
  ];
  return parts.length === 0 ? '' : `, ${parts.join(', ')}`;
}

export function runMemoryRows(figures: readonly RunMemoryFigure[]): [string, string, string][] {
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  return figures.map((f) => [
    `peak RSS of quorum run delivering ${f.changes.toLocaleString('en')} changes (embedded DuckDB${engineNote(f.engine)}, file destination)`,
    `${f.maxRssMb.toFixed(0)} MB`,
    `goal < 300 MB at 1,000,000; ${f.delivered.toLocaleString('en')} delivered; execute ${s(f.stages.execute)}, diff ${s(f.stages.diff)}, deliver ${s(f.stages.deliver)}, whole process ${s(f.wallMs)} (CPU ${s(f.cpuMs)}); ` +
      `peak RSS during execute ${f.peakRssMb.execute ?? '?'} MB, diff ${f.peakRssMb.diff ?? '?'} MB, deliver ${f.peakRssMb.deliver ?? '?'} MB ` +
      `(JS heap + external ${f.peakHeapMb.execute ?? '?'}, ${f.peakHeapMb.diff ?? '?'}, ${f.peakHeapMb.deliver ?? '?'} MB)`,
  ]);
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { values, positionals } = parseArgs({ options: { 'memory-limit': { type: 'string' }, threads: { type: 'string' }, statements: { type: 'boolean' } }, allowPositionals: true });
  // The CLI child inherits it (bench/max-rss.ts).
  if (values.statements === true) process.env.QUORUM_BENCH_STATEMENTS = '1';
  const engine: EngineSettings = {
    ...(values['memory-limit'] === undefined ? {} : { memoryLimit: values['memory-limit'] }),
    ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
  };
  const counts = positionals.map(Number);
  const figures: RunMemoryFigure[] = [];
  for (const n of counts.length > 0 ? counts : [100_000, 1_000_000]) figures.push(await runMemoryFigure(n, engine));
  for (const [what, figure, note] of runMemoryRows(figures)) process.stdout.write(`  ${what.padEnd(90)}  ${figure.padStart(7)}  ${note}\n`);
  for (const figure of figures.filter((f) => f.statements.length > 0)) {
    process.stdout.write(`  statements of the run delivering ${figure.changes.toLocaleString('en')} changes (RSS before -> peak -> after):\n`);
    for (const statement of figure.statements) process.stdout.write(`${statementRow(statement)}\n`);
  }
}
