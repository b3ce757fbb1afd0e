// An outbox insert written in slices of entities (a change set above OUTBOX_SLICE_ROWS) gives the
// same outbox rows, sequences included, as the one statement it replaces: for a first run's staged
// rows and for a later run's change set, on both executable engines. Slices of 3 rows stand in
// for slices of 100,000.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { changeSetCountsQuery, changeSetInsert, changeSetTransitions, NOTHING_STAGED, withStagedEntries, type StagedEntries } from '../../src/sync/change-set-sql.js';
import { outboxInserts, readCounts, type OutboxInsert, type SyncDefinition } from '../../src/sync/diff-sql.js';
import { ensureStateTables, StateWriter, stateRefs, stateTable } from '../../src/sync/state-sql.js';
import { writeOutboxInsert } from '../../src/sync/steps/outbox-step.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { syncDefinition } from '../support/sync-definitions.js';

const SCHEMA = 'qs';
/** A state table's name as the connection's printer writes it (DuckDB keeps staging and changes in the session). */
const named = (c: WarehouseConnection, name: 'staging' | 'changes'): string => {
  const ref = stateTable(SCHEMA, name);
  return c.dialect.printer.visitTableName(ref.schema, ref.name, ref.scratch);
};
const WIRE_URL = process.env.QUORUM_TEST_POSTGRES_URL;
const target = { destination: 'audit', calls: ['identify', 'track', 'group'] as const, trackEvents: { entered: 'Entered', exited: 'Exited' }, groupIdentity: 'member' as const };
const definition = (name: string, kind: SyncDefinition['kind'], level: SyncDefinition['level']) => syncDefinition(name, kind, level, [{ ...target, calls: [...target.calls] }]);
const DEFINITIONS = [definition('tr', 'trait', 'user'), definition('aud', 'audience', 'user'), definition('acc', 'audience', 'account')];
const STAMP = { runId: 'r2', asOf: '2024-06-01T00:00:00Z', now: '2024-06-01T00:00:05Z', namespace: 'ns', spaceId: 'sp' };

const q = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
const values = (rows: readonly (string | number | null)[][]) => rows.map((r) => `(${r.map(q).join(', ')})`).join(', ');
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String((i * 3) % n).padStart(2, '0')}`);

/** Staging of 14 trait values, 11 audience members and 2 accounts with 3 users each; with `previous`, a snapshot it differs from. */
async function state(c: WarehouseConnection, previous: boolean): Promise<void> {
  await ensureStateTables(c, SCHEMA);
  // the schema was dropped, but a session's scratch tables (DuckDB) outlive it
  for (const name of ['staging', 'changes'] as const) await c.execute(`DELETE FROM ${named(c, name)}`);
  const staged = [
    ...ids('u', 14).map((id) => ['tr', id, null, `"v-${id}"`, null]),
    ...ids('m', 11).map((id) => ['aud', id, null, null, null]),
    ['acc', 'a1', null, null, null],
    ['acc', 'a2', null, null, null],
    ...['x1', 'x2', 'x3'].flatMap((user, i) => [['acc', 'a1', user, null, i + 1], ['acc', 'a2', `y${i}`, null, i + 1]]),
  ];
  await c.execute(`INSERT INTO ${named(c, 'staging')} (definition, entity_id, user_id, value, position) VALUES ${values(staged)}`);
  if (!previous) return;
  // Half the trait's values differ, a third of the members left and others entered before them.
  const before = [...ids('u', 14).map((id, i) => ['tr', id, i % 2 === 0 ? `"v-${id}"` : '"old"']), ...ids('m', 20).filter((_, i) => i % 3 !== 0).map((id) => ['aud', id, null])];
  await c.execute(`INSERT INTO qs.snapshots (definition, entity_id, value, run_id, as_of) VALUES ${values(before).replaceAll(')', ", 'r1', TIMESTAMP '2024-05-01 00:00:00')")}`);
}

async function outboxRows(c: WarehouseConnection): Promise<string[][]> {
  const rows = await c.query('SELECT sequence, destination, definition, entity_id, transition, call_type, payload FROM qs.outbox ORDER BY sequence');
  return rows.map((r) => Object.values(r).map((v) => (v === null ? 'null' : String(v))));
}

/** Every insert of every definition after sequence 100, whole or in slices of `sliceRows`; the rows written. */
async function written(c: WarehouseConnection, staged: StagedEntries, sliceRows: number | null): Promise<{ rows: string[][]; sliced: number }> {
  const w = new StateWriter(c.dialect.printer, c);
  const refs = stateRefs(SCHEMA);
  const changes = stateTable(SCHEMA, 'changes');
  const compared = DEFINITIONS.filter((d) => !staged.names.has(d.name));
  if (compared.length > 0) await w.run(changeSetInsert(refs, changes, compared, staged));
  const counts = withStagedEntries(readCounts(await w.rows(changeSetCountsQuery(refs, changes, DEFINITIONS)), DEFINITIONS), staged);
  let high = 100;
  let sliced = 0;
  for (const d of DEFINITIONS) {
    for (const insert of outboxInserts(stateTable(SCHEMA, 'outbox'), refs, d, STAMP, 2, changeSetTransitions(changes, staged))) {
      const expected = counts.get(d.name)![insert.transition];
      if (sliceRows !== null && insert.slice !== null && expected > sliceRows) sliced++;
      high = await writeOutboxInsert(w, SCHEMA, insert, high, expected, sliceRows ?? Number.MAX_SAFE_INTEGER);
    }
  }
  return { rows: await outboxRows(c), sliced };
}

async function check(open: () => Promise<WarehouseConnection>, sliceSizes: readonly number[]): Promise<void> {
  // One database for every case (opening PGlite is most of this test's time): the state schema is made anew for each.
  const c = await open();
  try {
    for (const previous of [false, true]) {
      const staged: StagedEntries = previous ? NOTHING_STAGED : { staging: stateRefs(SCHEMA).staging, names: new Set(DEFINITIONS.map((d) => d.name)) };
      const results: { rows: string[][]; sliced: number }[] = [];
      for (const sliceRows of [null, ...sliceSizes]) {
        await c.execute(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
        await state(c, previous);
        results.push(await written(c, staged, sliceRows));
      }
      const [whole, ...slicedRuns] = results;
      expect(whole.sliced).toBe(0);
      // The sequences run on from 100 without a gap, in entity order within each insert.
      expect(whole.rows.map((r) => Number(r[0]))).toEqual(whole.rows.map((_, i) => 101 + i));
      // The trait's identify and track calls: every value on a first run, the 7 that changed after.
      expect(whole.rows.filter((r) => r[2] === 'tr').length).toBe(previous ? 7 * 2 : 14 * 2);
      for (const run of slicedRuns) {
        // The trait's and the user audience's inserts above the slice size, never the per-user calls.
        expect(run.sliced).toBeGreaterThanOrEqual(previous ? 2 : 4);
        expect(run.rows).toEqual(whole.rows);
      }
    }
    await c.execute(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  } finally {
    await c.close();
  }
}

describe('an outbox insert in slices of entities', () => {
  it('writes the rows and sequences of one statement, on DuckDB', async () => {
    await check(async () => (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection, [3, 5]);
  });

  it('writes the rows and sequences of one statement, on Postgres (PGlite)', async () => {
    await check(() => PgliteConnection.open(postgres), [3, 5]);
  });

  it.skipIf(!WIRE_URL)('writes the rows and sequences of one statement, on PostgreSQL over the wire (QUORUM_TEST_POSTGRES_URL)', async () => {
    await check(() => postgres.connect({ type: 'postgres', url: WIRE_URL! }), [3, 5]);
  });
});
