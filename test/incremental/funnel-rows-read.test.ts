// rows_read of an incremental funnel (funnel-sql.ts rowsReadQuery): the rows of its step tables, up
// to as_of and of one of its steps, that matter now (new to the run) or belong to a recomputed
// (touched) user. The query counts the touched users' rows and the new rows without a user apart;
// this checks the sum against the rows counted here one by one, on DuckDB and PGlite, with the
// touched users written by the run's own query plus one touched by other means (as a changed
// identity edge touches a user without a new row).
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { Definition, FunnelStep, TimeWindow } from '../../src/definitions/model.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { funnelTouchedRef } from '../../src/incremental/funnel-tables.js';
import { rowsReadQuery, touchedUsersQuery, type StepRowsOf } from '../../src/incremental/funnel-sql.js';
import { offlineIncrementalPass } from '../../src/plan/physical/incremental-pass.js';
import { bin, col, insertInto, NULL, select, str, ts, union, type Expr } from '../../src/sql/ast.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

/** Constant rows, one SELECT each. */
const rowsOfValues = (columns: readonly string[], rows: readonly (readonly Expr[])[]) =>
  union(rows.map((row) => select({ columns: row.map((expr, i) => ({ expr, alias: columns[i] })) })));
import { AS_OF, EVENTS, LOC, makeProject } from '../support/arbitraries.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';

const HOUR = 3_600_000;
const at = (hoursBeforeAsOf: number) => new Date(Date.parse(AS_OF) - hoursBeforeAsOf * HOUR).toISOString();
/** Rows that arrived after this are new to the run. */
const CUT = at(2);
const STATE = 'quorum_state';

const within = (seconds: number, text: string): TimeWindow => ({ kind: 'within', seconds, text });
const step = (event: number, window: TimeWindow | null): FunnelStep => ({ event: { kind: 'track', name: EVENTS[event].name }, window, filters: [], negated: false, loc: LOC });
const FUNNEL: Definition = {
  kind: 'audience', name: 'logged_in_then_second', level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'funnel', steps: [step(0, within(7 * 86_400, '7d')), step(1, within(86_400, '1d'))], loc: LOC },
};

interface Row {
  readonly user: string | null;
  readonly event: number;
  /** hours before as_of; negative: after it */
  readonly hours: number;
  readonly arrivedHours: number;
}

/** What each row is there for; u_other is touched without a new row. */
const ROWS: readonly Row[] = [
  { user: 'u1', event: 0, hours: 30, arrivedHours: 30 }, // old row of a user touched by a new one: read
  { user: 'u1', event: 0, hours: 1, arrivedHours: 1 }, // new: read, touches u1
  { user: 'u1', event: 1, hours: 29, arrivedHours: 29 }, // old, second step, u1 touched: read
  { user: 'u2', event: 0, hours: 40, arrivedHours: 40 }, // old, u2 untouched: not read
  { user: 'u2', event: 1, hours: 39, arrivedHours: 39 }, // old, untouched: not read
  { user: null, event: 0, hours: 1, arrivedHours: 1 }, // new, no user: read
  { user: null, event: 0, hours: 50, arrivedHours: 50 }, // old, no user: not read
  { user: null, event: 1, hours: 1, arrivedHours: 0.5 }, // new, no user: read
  { user: null, event: 1, hours: 3, arrivedHours: 1 }, // late and new, no user: read
  { user: 'u3', event: 0, hours: -1, arrivedHours: 0.1 }, // after as_of: not read, touches nobody
  { user: 'u_other', event: 1, hours: 20, arrivedHours: 20 }, // old, touched by other means: read
];

/** The rows the funnel reads, counted one by one (the second step's table reads two touched rows and two without a user: a UNION that dropped equal counts would show). */
function expectedRowsRead(): number {
  const isNew = (r: Row) => r.arrivedHours < 2;
  const touched = new Set(ROWS.filter((r) => r.user !== null && r.hours >= 0 && isNew(r)).map((r) => r.user));
  touched.add('u_other');
  return ROWS.filter((r) => r.hours >= 0 && (r.user === null ? isNew(r) : touched.has(r.user))).length;
}

async function countRead(connection: WarehouseConnection): Promise<number> {
  const project = makeProject([FUNNEL], 'timestamp');
  const plan = planFor({ project, asOf: AS_OF, targets: [FUNNEL.name] });
  const [funnel] = offlineIncrementalPass(plan).funnels;
  const { schema } = plan.layout;
  const p = connection.dialect.printer;
  const q = (name: string) => `${p.quoteIdentifier(schema)}.${p.quoteIdentifier(name)}`;
  await connection.execute(`CREATE SCHEMA ${p.quoteIdentifier(schema)}`);
  await connection.execute(`CREATE SCHEMA ${p.quoteIdentifier(STATE)}`);
  for (const table of funnel.tables) {
    await connection.execute(`CREATE TABLE ${q(table.table)} (user_id VARCHAR(64), anonymous_id VARCHAR(64), event VARCHAR(64), event_text VARCHAR(64), "timestamp" TIMESTAMP, received_at TIMESTAMP, uuid_ts TIMESTAMP)`);
    const columns = ['user_id', 'anonymous_id', 'event', 'event_text', 'timestamp', 'received_at', 'uuid_ts'];
    const rows = ROWS.filter((r) => EVENTS[r.event].table === table.table).map((r) => [
      r.user === null ? NULL : str(r.user),
      NULL,
      str(EVENTS[r.event].table),
      str(EVENTS[r.event].name),
      ts(at(r.hours)),
      ts(at(r.arrivedHours)),
      ts(at(r.arrivedHours)),
    ]);
    await connection.execute(p.printStatement(insertInto({ schema, name: table.table }, columns, rowsOfValues(columns, rows))));
  }
  const touched = funnelTouchedRef(STATE);
  await connection.execute(`CREATE TABLE ${p.quoteIdentifier(STATE)}.${p.quoteIdentifier(touched.name)} (funnel_table VARCHAR(64), touched_id VARCHAR(64))`);
  const rowsOf = (table: string): StepRowsOf => ({ table, isNew: bin('>', col('received_at', 'r'), ts(CUT)), previousAsOf: null });
  for (const table of funnel.tables) await connection.execute(p.printStatement(insertInto(touched, ['funnel_table', 'touched_id'], touchedUsersQuery(plan, funnel, rowsOf(table.table), []))));
  await connection.execute(p.printStatement(insertInto(touched, ['funnel_table', 'touched_id'], rowsOfValues(['funnel_table', 'touched_id'], [[str(funnel.stateTable), str('u_other')]]))));
  let read = 0;
  for (const table of funnel.tables) for (const part of await connection.query(p.print(rowsReadQuery(plan, funnel, rowsOf(table.table), [], STATE)))) read += Number(part.n);
  return read;
}

describe("an incremental funnel's rows_read", () => {
  const closing: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closing) await close();
  });

  it('is its touched users\' rows and its new rows without a user, on DuckDB', async () => {
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: ':memory:' });
    closing.push(() => connection.close());
    expect(expectedRowsRead()).toBe(7);
    expect(await countRead(connection)).toBe(expectedRowsRead());
  });

  it('and on PGlite', async () => {
    const connection = await PgliteConnection.open(postgres);
    closing.push(() => connection.close());
    expect(await countRead(connection)).toBe(expectedRowsRead());
  });
});
