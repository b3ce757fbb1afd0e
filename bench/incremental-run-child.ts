// A child process of bench/incremental-bench.ts: `quorum run --log-format json --json` over a
// project whose definitions are the bench's 50 (bench/project's YAML plus
// bench/varied-definitions.ts, which exist only as TypeScript, so the CLI cannot load them). It
// takes the CLI's own path through the run (timed session, stage clock, JSON log events on stderr,
// run and verify, the `run --json` output on stdout), so its figures read like the CLI's.
//
//   node dist/bench/incremental-run-child.js <project dir> <as_of> [--full] [names...]
import { dialectNamed } from '../dialects/registry.js';
import { commandLogger } from '../src/logging/logger.js';
import { StageClock } from '../src/logging/stage-clock.js';
import { openTimedSession } from '../src/logging/timed-session.js';
import { runThenVerify } from '../src/sync/run-and-verify.js';
import { variedDefinitions } from './varied-definitions.js';

/** As measure.ts's loadBenchProject, which gives the same 50 to the statement bench. */
const BENCH_DEFINITIONS = 50;

const [dir, asOf, ...rest] = process.argv.slice(2);
if (!dir || !asOf) throw new Error('usage: incremental-run-child <project dir> <as_of> [--full] [names...]');
const full = rest.includes('--full');
const names = rest.filter((a) => a !== '--full');

const logger = commandLogger({ format: 'json', json: true });
const clock = new StageClock(logger);
const session = await openTimedSession(dir, dialectNamed, clock);
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
    onStage: (stage, detail) => clock.begin(stage, detail),
  });
  clock.end();
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await session.close();
  logger.close();
}
