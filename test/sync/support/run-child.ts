// `quorum run` for the crash tests, as a child process: the same pipeline as the CLI's run
// command, with only the DuckDB dialect loaded so that a process starts in well under a second.
// Usage: run-child.ts <project> <as-of> [--outbox-slice-rows N] [--row-per-call] [--postgres | --pglite <data dir>];
// `--row-per-call`: a first run writes one outbox row per call, no records by generation;
// prints the run's JSON; exit 1 on a diagnostic. `--postgres` loads the postgres dialect too (a
// project on a server); `--pglite` runs a postgres project on a PGlite kept in that directory, so
// that a process killed mid-transaction leaves a database the next process recovers.
import { parseArgs } from 'node:util';
import { lookupOf } from '../../../dialects/dialect-lookup.js';
import { duckdb } from '../../../dialects/duckdb/index.js';
import { DiagnosticsError } from '../../../src/diagnostics/diagnostic.js';
import { openSession, type DialectLookup } from '../../../src/evaluation/session.js';
import { run } from '../../../src/sync/run.js';
import { selectDefinitions } from '../../../src/sync/select.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'outbox-slice-rows': { type: 'string' }, 'row-per-call': { type: 'boolean' }, postgres: { type: 'boolean' }, pglite: { type: 'string' } } });
const [project, asOf] = positionals;
const outboxSliceRows = values['outbox-slice-rows'] === undefined ? undefined : Number(values['outbox-slice-rows']);

async function dialects(): Promise<DialectLookup> {
  if (!values.postgres && values.pglite === undefined) return lookupOf({ duckdb });
  const { postgres } = await import('../../../dialects/postgres/index.js');
  const dataDir = values.pglite;
  if (dataDir === undefined) return lookupOf({ duckdb, postgres }, 'duckdb');
  const { PGlite } = await import('@electric-sql/pglite');
  const { PgliteConnection } = await import('../../../dialects/postgres/pglite-connection.js');
  const onPglite: typeof postgres = {
    ...postgres,
    connect: async () => {
      const db = await PGlite.create(dataDir);
      await db.exec("SET TIME ZONE 'UTC'");
      return new PgliteConnection(onPglite, db);
    },
  };
  return lookupOf({ duckdb, postgres: onPglite }, 'duckdb');
}

try {
  const session = await openSession(project, await dialects());
  try {
    const output = await run({ ...session, asOf, definitions: selectDefinitions(session.project, []), outboxSliceRows, outboxByGeneration: !values['row-per-call'] });
    process.stdout.write(`${JSON.stringify(output)}\n`);
    process.exitCode = Object.keys(output.failed).length > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
} catch (cause) {
  process.stderr.write(`${cause instanceof DiagnosticsError ? cause.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n') : String(cause)}\n`);
  process.exitCode = 1;
}
