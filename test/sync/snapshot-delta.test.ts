// A run's state writes touch only what changed (issue 15): the change set gives the same counts as
// the joins it replaces, and after the delta writes the snapshots equal the new result while the
// rows that did not change keep the run that wrote them. On both executable engines.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { changeSetCountsQuery, changeSetInsert, changeSetTransitions, NOTHING_STAGED, stagedUserCounts, transitionSelect, withStagedEntries, type StagedEntries } from '../../src/sync/change-set-sql.js';
import { countsQuery, entitiesChanged, entitiesEntered, entitiesExited, readCounts, replaceSnapshots, usersEntered, usersExited } from '../../src/sync/diff-sql.js';
import { col, union } from '../../src/sql/ast.js';
import { ensureStateTables, StateWriter, stateRefs, stateTable } from '../../src/sync/state-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { syncDefinition } from '../support/sync-definitions.js';

const SCHEMA = 'qs';
/** A state table's name as the connection's printer writes it (DuckDB keeps staging and changes in the session). */
const named = (c: WarehouseConnection, name: 'staging' | 'changes'): string => {
  const ref = stateTable(SCHEMA, name);
  return c.dialect.printer.visitTableName(ref.schema, ref.name, ref.scratch);
};
const definition = syncDefinition;
// `flip` was an audience in the previous run and is a trait now (same name, values appear).
const DEFINITIONS = [definition('aud', 'audience', 'account'), definition('tr', 'trait', 'user'), definition('flip', 'trait', 'user')];

const q = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
const values = (rows: readonly (string | number | null)[][]) => rows.map((r) => `(${r.map(q).join(', ')})`).join(', ');

async function previousState(c: WarehouseConnection): Promise<void> {
  await ensureStateTables(c, SCHEMA);
  await c.execute(
    `INSERT INTO qs.snapshots (definition, entity_id, value, run_id, as_of) VALUES ${values([
      ['aud', 'a1', null],
      ['aud', 'a2', null],
      ['aud', 'a3', null],
      ['tr', 'u1', '1'],
      ['tr', 'u2', '2'],
      ['tr', 'u3', '3'],
      ['flip', 'x', null],
      ['other', 'z', '9'],
    ]).replaceAll(')', ", 'r1', TIMESTAMP '2024-01-01 00:00:00')")}`,
  );
  await c.execute(
    `INSERT INTO qs.snapshot_users (definition, entity_id, user_id, position, run_id) VALUES ${values([
      ['aud', 'a1', 'u1', 1, 'r1'],
      ['aud', 'a1', 'u2', 2, 'r1'],
      ['aud', 'a2', 'u3', 1, 'r1'],
      ['aud', 'a3', 'u9', 1, 'r1'],
    ])}`,
  );
  // New result: a3 leaves, a4 enters; u1 leaves a1 (u2 becomes its earliest), u4 joins a2;
  // tr: u2 changes, u3 loses its value, u4 gets one; flip: x gets a value.
  await c.execute(
    `INSERT INTO ${named(c, 'staging')} (definition, entity_id, user_id, value, position) VALUES ${values([
      ['aud', 'a1', null, null, null],
      ['aud', 'a2', null, null, null],
      ['aud', 'a4', null, null, null],
      ['aud', 'a1', 'u2', null, 1],
      ['aud', 'a2', 'u3', null, 1],
      ['aud', 'a2', 'u4', null, 2],
      ['aud', 'a4', 'u5', null, 1],
      ['tr', 'u1', null, '1', null],
      ['tr', 'u2', null, '20', null],
      ['tr', 'u4', null, '4', null],
      ['flip', 'x', null, '"v"', null],
    ])}`,
  );
}

const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v)))).sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));

async function check(c: WarehouseConnection): Promise<void> {
  await previousState(c);
  const w = new StateWriter(c.dialect.printer, c);
  const refs = stateRefs(SCHEMA);
  const changes = stateTable(SCHEMA, 'changes');

  const joined = readCounts(await w.rows(countsQuery(refs, DEFINITIONS)), DEFINITIONS);
  await w.run(changeSetInsert(refs, changes, DEFINITIONS));
  const countRows = await w.rows(changeSetCountsQuery(refs, changes, DEFINITIONS));
  const fromChanges = readCounts(countRows, DEFINITIONS);
  expect(fromChanges).toEqual(joined);
  // The same statement counts staging's user rows: the user_count the snapshot step records.
  const stagedUsers = stagedUserCounts(countRows);
  // The grouped change set holds exactly the rows of the joins it replaces.
  const names = DEFINITIONS.map((d) => d.name);
  const byJoins = union([
    transitionSelect('entered', entitiesEntered(refs, names)),
    transitionSelect('exited', entitiesExited(refs, names)),
    transitionSelect('changed', entitiesChanged(refs, ['tr', 'flip'])),
    transitionSelect('user_entered', usersEntered(refs, ['aud']), col('position', 's')),
    transitionSelect('user_exited', usersExited(refs, ['aud'])),
  ]);
  const written = sorted(await c.query(`SELECT definition, transition, entity_id, user_id, value, position FROM ${named(c, 'changes')}`));
  expect(written.filter((r) => r[1] !== 'user_moved')).toEqual(sorted(await w.rows(byJoins)));
  expect(written.filter((r) => r[1] === 'user_moved')).toEqual([['aud', 'user_moved', 'a1', 'u2', null, '1']]);
  expect(joined.get('aud')).toEqual({ size: 3, previous: 3, entered: 1, exited: 1, changed: 2 });
  expect(joined.get('tr')).toEqual({ size: 3, previous: 3, entered: 1, exited: 1, changed: 1 });

  for (const statement of replaceSnapshots(refs, changes, stateTable(SCHEMA, 'snapshot_runs'), DEFINITIONS, { runId: 'r2', asOf: '2024-02-01T00:00:00Z', now: '', namespace: '', spaceId: '' }))
    await w.run(statement);

  expect(sorted(await c.query('SELECT definition, entity_id, value, run_id FROM qs.snapshots'))).toEqual([
    ['aud', 'a1', null, 'r1'],
    ['aud', 'a2', null, 'r1'],
    ['aud', 'a4', null, 'r2'],
    ['flip', 'x', '"v"', 'r2'],
    ['other', 'z', '9', 'r1'],
    ['tr', 'u1', '1', 'r1'],
    ['tr', 'u2', '20', 'r2'],
    ['tr', 'u4', '4', 'r2'],
  ]);
  expect(sorted(await c.query('SELECT definition, entity_id, user_id, position, run_id FROM qs.snapshot_users'))).toEqual([
    ['aud', 'a1', 'u2', '1', 'r2'],
    ['aud', 'a2', 'u3', '1', 'r1'],
    ['aud', 'a2', 'u4', '2', 'r2'],
    ['aud', 'a4', 'u5', '1', 'r2'],
  ]);
  const usersWritten = await c.query('SELECT definition, COUNT(*) AS n FROM qs.snapshot_users GROUP BY definition');
  expect(stagedUsers).toEqual(new Map(usersWritten.map((r) => [String(r.definition), Number(r.n)])));
  expect(stagedUsers.get('aud')).toBe(4);

  // A first run (every snapshot empty): a staged definition's change set is staging itself. What
  // the outbox reads, the counts and the snapshot writes equal those of the compared change set.
  await c.execute('DELETE FROM qs.snapshots');
  await c.execute('DELETE FROM qs.snapshot_users');
  const stamp = { runId: 'r3', asOf: '2024-03-01T00:00:00Z', now: '', namespace: '', spaceId: '' };
  const firstRun = async (staged: StagedEntries) => {
    await c.execute(`DELETE FROM ${named(c, 'changes')}`);
    await c.execute('DELETE FROM qs.snapshots');
    await c.execute('DELETE FROM qs.snapshot_users');
    if (DEFINITIONS.some((d) => !staged.names.has(d.name))) await w.run(changeSetInsert(refs, changes, DEFINITIONS, staged));
    const source = changeSetTransitions(changes, staged);
    const transitions = union(
      names.flatMap((name) => [
        transitionSelect('entered', source.entitiesEntered(name)),
        transitionSelect('exited', source.entitiesExited(name)),
        transitionSelect('changed', source.entitiesChanged(name)),
        transitionSelect('user_entered', source.usersEntered(name)),
        transitionSelect('user_exited', source.usersExited(name)),
      ]),
    );
    const read = sorted(await w.rows(transitions));
    const counts = withStagedEntries(readCounts(await w.rows(changeSetCountsQuery(refs, changes, DEFINITIONS)), DEFINITIONS), staged);
    for (const statement of replaceSnapshots(refs, changes, stateTable(SCHEMA, 'snapshot_runs'), DEFINITIONS, stamp, staged)) await w.run(statement);
    const snapshots = sorted(await c.query('SELECT definition, entity_id, value, run_id FROM qs.snapshots'));
    const users = sorted(await c.query('SELECT definition, entity_id, user_id, position, run_id FROM qs.snapshot_users'));
    return { read, counts, snapshots, users };
  };
  const compared = await firstRun(NOTHING_STAGED);
  expect(compared.read.length).toBe(11);
  expect(compared.counts.get('aud')).toEqual({ size: 3, previous: 0, entered: 3, exited: 0, changed: 0 });
  expect(compared.snapshots.length).toBe(7);
  expect(compared.users.length).toBe(4);
  expect(await firstRun({ staging: refs.staging, names: new Set(names) })).toEqual(compared);
  expect(await firstRun({ staging: refs.staging, names: new Set(['aud']) })).toEqual(compared);
}

describe('state writes proportional to the changes', () => {
  it('on DuckDB', async () => {
    const c = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    try {
      await check(c);
    } finally {
      await c.close();
    }
  });

  it('on Postgres (PGlite)', async () => {
    const c = await PgliteConnection.open(postgres);
    try {
      await check(c);
    } finally {
      await c.close();
    }
  });
});
