// A child process of bench/incremental-bench.ts: `quorum run --log-format json --json` over a
// project whose definitions are the bench's 50 (bench/project's YAML plus
// bench/varied-definitions.ts, which exist only as TypeScript, so the CLI cannot load them). It
// takes the CLI's own path through the run (timed session, stage clock, JSON log events on stderr,
// run and verify, the `run --json` output on stdout), so its figures read like the CLI's.
//
//   node dist/bench/incremental-run-child.js <project dir> <as_of> [--full] [--profile <file>] [names...]
// --profile writes every statement the run sent, with its stage and time, to <file> (JSON), for
// finding what grows with the number of definitions (BENCHMARKS.md, "Incremental runs").
import { dialectNamed } from '../dialects/registry.js';
import { commandLogger } from '../src/logging/logger.js';
import { StageClock } from '../src/logging/stage-clock.js';
import { openTimedSession } from '../src/logging/timed-session.js';
import { writeFileSync } from 'node:fs';
import { runThenVerify } from '../src/sync/run-and-verify.js';
import type { RunStage } from '../src/sync/run.js';
import { timeStatements } from './statement-timer.js';
import { variedDefinitions } from './varied-definitions.js';

/** As measure.ts's loadBenchProject, which gives the same 50 to the statement bench. */
const BENCH_DEFINITIONS = 50;

const [dir, asOf, ...rest] = process.argv.slice(2);
if (!dir || !asOf) throw new Error('usage: incremental-run-child <project dir> <as_of> [--full] [names...]');
const full = rest.includes('--full');
const profileAt = rest.indexOf('--profile');
const profileFile = profileAt >= 0 ? rest[profileAt + 1] : undefined;
const names = rest.filter((a, i) => a !== '--full' && (profileAt < 0 || (i !== profileAt && i !== profileAt + 1)));

const logger = commandLogger({ format: 'json', json: true });
const clock = new StageClock(logger);
const session = await openTimedSession(dir, dialectNamed, clock);
let stage: RunStage | 'open' = 'open';
const statements: { stage: string; ms: number; sql: string }[] = [];
if (profileFile) timeStatements(session.connection, ['query', 'execute'], (sql, ms) => statements.push({ stage, ms, sql }));
try {
  const own = session.project.definitions;
  const project = { ...session.project, definitions: [...own, ...variedDefinitions(BENCH_DEFINITIONS - own.length)] };
  const definitions = names.length > 0 ? names : project.definitions.map((d) => d.name);
  const output = await runThenVerify({
    ...session,
    project,
    asOf: new Date(asOf).toISOString(),
    definitions,
    full,
    countRowsRead: true,
    onStage: (next, detail) => {
      stage = next;
      clock.begin(next, detail);
    },
  });
  clock.end();
  if (profileFile) writeFileSync(profileFile, JSON.stringify(statements));
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await session.close();
  logger.close();
}
