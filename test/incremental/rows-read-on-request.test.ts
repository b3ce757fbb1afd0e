// rows_read with the incremental engine on is counted on request only, as for a full run
// (run-types.ts countRowsRead; docs/operating.md, "What rows_read counts"): counting sends COUNT
// statements over the source tables that the run needs for nothing else, and on a warehouse that
// bills bytes scanned each one has a price. Two copies of one state after a first run, each run
// incremental at the same as_of on DuckDB, one asked for rows_read and one not: the same snapshots,
// rows_read null (output and run_modes) where not asked, and no counting statement sent.
import { cp } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import { countAll, select, table } from '../../src/sql/ast.js';
import { run, type RunOutput } from '../../src/sync/run.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { removeTempDirs, runAt, tempDir, withSession } from '../sync/support/harness.js';
import { AS_OFS, enableIncremental, makeDataset, writeProject } from '../sync/support/project.js';

const S = 'quorum_state';
const SOURCE_TABLES = ['identifies', 'groups', 'tracks', 'logged_in'];
let asked: string;
let notAsked: string;

beforeAll(async () => {
  asked = await tempDir('rows-read-asked');
  await writeProject(asked, { endpoint: 'http://127.0.0.1:9/unused', dataset: makeDataset({ users: 20, logins: 80 }) });
  await enableIncremental(asked);
  await runAt(asked, AS_OFS[1], { destinations: new Map() });
  notAsked = await tempDir('rows-read-not-asked');
  await cp(asked, notAsked, { recursive: true });
}, 60_000);

afterAll(() => removeTempDirs());

/** A run at AS_OFS[2] and every statement it sent. */
async function recordedRun(dir: string, countRowsRead: boolean): Promise<{ output: RunOutput; statements: string[] }> {
  const statements: string[] = [];
  const output = await withSession(dir, async (session) => {
    const connection = session.connection as unknown as Record<'query' | 'execute', (sql: string, ...rest: unknown[]) => Promise<unknown>>;
    for (const method of ['query', 'execute'] as const) {
      const original = connection[method].bind(connection);
      connection[method] = (sql: string, ...rest: unknown[]) => {
        statements.push(sql);
        return original(sql, ...rest);
      };
    }
    return run({ ...session, asOf: AS_OFS[2], definitions: selectDefinitions(session.project, []), destinations: new Map(), countRowsRead });
  });
  return { output, statements };
}

/** How the engine's counting statements begin: `SELECT COUNT(*) AS "n" FROM "app"."<table>" AS "e"`, printed by the printer itself. */
const countPrefixes = SOURCE_TABLES.map((name) => duckdb.printer.print(select({ columns: [{ expr: countAll(), alias: 'n' }], from: table(name, 'e', 'app') })));
const countsSent = (statements: readonly string[]) => statements.filter((sql) => countPrefixes.some((prefix) => sql.startsWith(prefix)));

const snapshots = (dir: string) =>
  withSession(dir, (s) => s.connection.query(`SELECT definition, entity_id, value FROM ${S}.snapshots ORDER BY definition, entity_id`));
const recordedRowsRead = (dir: string) =>
  withSession(dir, (s) => s.connection.query(`SELECT definition, mode, CAST(rows_read AS BIGINT) AS rows_read FROM ${S}.run_modes ORDER BY definition`));

describe('rows_read with the incremental engine on', () => {
  it('is counted only when asked, and counting changes no answer', async () => {
    const counted = await recordedRun(asked, true);
    const uncounted = await recordedRun(notAsked, false);

    const incremental = (output: RunOutput) => output.definitions.filter((d) => d.mode === 'incremental');
    expect(incremental(counted.output).length).toBeGreaterThan(0);
    expect(incremental(uncounted.output).map((d) => d.name)).toEqual(incremental(counted.output).map((d) => d.name));
    for (const d of incremental(counted.output)) expect(d.rows_read).toBeGreaterThan(0);
    for (const d of uncounted.output.definitions) expect(d.rows_read).toBeNull();

    // the engine's counting statements: sent when asked, none otherwise
    expect(countsSent(counted.statements).length).toBeGreaterThan(0);
    expect(countsSent(uncounted.statements)).toEqual([]);
    expect(uncounted.statements.length).toBeLessThan(counted.statements.length);

    expect(await snapshots(notAsked)).toEqual(await snapshots(asked));
    const recordedAsked = await recordedRowsRead(asked);
    const recordedNotAsked = await recordedRowsRead(notAsked);
    expect(recordedNotAsked.map((r) => [r.definition, r.mode])).toEqual(recordedAsked.map((r) => [r.definition, r.mode]));
    for (const r of recordedAsked.filter((r) => r.mode === 'incremental')) expect(Number(r.rows_read)).toBeGreaterThan(0);
    for (const r of recordedNotAsked) expect(r.rows_read).toBeNull();
  }, 60_000);
});
