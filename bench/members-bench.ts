// Whole-process cost of `quorum members` on an embedded DuckDB (issue 15 §5): the CLI in a child
// process against a hand-written script in a child process (bench/hand-members.ts: open the file
// read-only, run a hand-written query, print CSV) for each of bench/reference-queries.ts's candidates,
// interleaved, timed from Node; the ratio uses the fastest candidate. Both must
// print the same ids; what the ratio measures is what quorum adds around the statement: loading its
// modules and the project, reading the catalog, compiling, and reading the rows back.
//   node dist/bench/members-bench.js [--sf 1] [--reps 5]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchProjectDir, median } from './measure.js';
import { REFERENCE_DEFINITIONS } from './reference-queries.js';
import { timeChild } from './run-stages-bench.js';
import { SCALE_AS_OF } from './scale-generator.js';

export const MEMBERS_GOAL = 1.15;

export interface MembersFigure {
  readonly name: string;
  readonly rows: number;
  readonly quorumMs: number;
  readonly handMs: number;
  readonly ratio: number;
}

/** The reference definitions of bench/project, with the warehouse path pointing at `file` (only read). */
function membersProject(file: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-members-bench-'));
  const source = benchProjectDir();
  for (const d of REFERENCE_DEFINITIONS) {
    const sub = d.kind === 'audience' ? 'audiences' : 'traits';
    mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, sub, `${d.name}.yml`), readFileSync(path.join(source, sub, `${d.name}.yml`), 'utf8'));
  }
  writeFileSync(
    path.join(dir, 'quorum.yml'),
    `warehouse:\n  type: duckdb\n  path: ${JSON.stringify(file)}\nsource:\n  preset: segment\n  schema: app\n  event_time: timestamp\n`,
  );
  return dir;
}

const ids = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);

/** Each reference definition: `quorum members` / the hand-written script, whole processes, `repetitions` interleaved. */
export async function membersRatios(file: string, repetitions: number, names?: readonly string[]): Promise<MembersFigure[]> {
  const dir = membersProject(file);
  const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'quorum.js');
  // bin/quorum.js falls back to the unbundled modules after a bare tsc: say so, the figures differ
  const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const modified = (file: string) => statSync(path.join(dist, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (modified('bundle/main.js') < modified('src/cli/main.js')) process.stderr.write('members bench: dist/bundle is older than dist/src, so this measures the unbundled CLI (npm run build bundles it)\n');
  const hand = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hand-members.js');
  const out: MembersFigure[] = [];
  try {
    for (const ref of REFERENCE_DEFINITIONS.filter((r) => !names || names.includes(r.name))) {
      const quorumArgs = [bin, 'members', ref.name, '--project', dir, '--as-of', SCALE_AS_OF];
      const candidates = ref.handWritten('duckdb', SCALE_AS_OF).map((c) => ({ name: c.name, args: [hand, file, c.sql] }));
      const answer = await timeChild(quorumArgs);
      if (answer.code !== 0) throw new Error(`quorum members ${ref.name} failed: ${answer.stderr}`);
      for (const c of candidates) {
        const theirs = await timeChild(c.args);
        if (theirs.code !== 0) throw new Error(`the hand-written script failed: ${theirs.stderr}`);
        if (ids(theirs.stdout).join('\n') !== ids(answer.stdout).join('\n'))
          throw new Error(`${ref.name}: quorum members and the hand-written "${c.name}" disagree (${ids(answer.stdout).length} vs ${ids(theirs.stdout).length} rows)`);
      }
      const quorum: number[] = [];
      const handTimes = candidates.map(() => [] as number[]);
      for (let r = 0; r < repetitions; r += 1) {
        quorum.push((await timeChild(quorumArgs)).ms);
        for (const [k, c] of candidates.entries()) handTimes[k].push((await timeChild(c.args)).ms);
      }
      const best = Math.min(...handTimes.map(median));
      out.push({ name: ref.name, rows: ids(answer.stdout).length, quorumMs: median(quorum), handMs: best, ratio: median(quorum) / best });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function membersRows(figures: readonly MembersFigure[]): [string, string, string][] {
  return figures.map((f) => [
    `quorum members ${f.name} / hand-written script, whole processes`,
    `${f.ratio.toFixed(2)}x`,
    `goal <= ${MEMBERS_GOAL}; ${f.quorumMs.toFixed(0)} ms vs ${f.handMs.toFixed(0)} ms; ${f.rows} rows agree`,
  ]);
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { scaleWarehouseFile } = await import('./scale-generator.js');
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const figures = await membersRatios(scaleWarehouseFile(Number(value('--sf') ?? 1)), Number(value('--reps') ?? 5), value('--only')?.split(','));
  for (const [what, figure, note] of membersRows(figures)) process.stdout.write(`  ${what.padEnd(78)}  ${figure.padStart(6)}  ${note}\n`);
}
