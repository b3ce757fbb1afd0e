// `quorum run` for the crash tests, as a child process: the same pipeline as the CLI's run
// command, with only the DuckDB dialect loaded so that a process starts in well under a second.
// Usage: run-child.ts <project> <as-of>; prints the run's JSON; exit 1 on a diagnostic.
import { lookupOf } from '../../../dialects/dialect-lookup.js';
import { duckdb } from '../../../dialects/duckdb/index.js';
import { DiagnosticsError } from '../../../src/diagnostics/diagnostic.js';
import { openSession } from '../../../src/evaluation/session.js';
import { run } from '../../../src/sync/run.js';
import { selectDefinitions } from '../../../src/sync/select.js';

const [project, asOf] = process.argv.slice(2);
try {
  const session = await openSession(project, lookupOf({ duckdb }));
  try {
    const output = await run({ ...session, asOf, definitions: selectDefinitions(session.project, []) });
    process.stdout.write(`${JSON.stringify(output)}\n`);
    process.exitCode = Object.keys(output.failed).length > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
} catch (cause) {
  process.stderr.write(`${cause instanceof DiagnosticsError ? cause.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n') : String(cause)}\n`);
  process.exitCode = 1;
}
