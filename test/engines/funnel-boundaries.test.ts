// Fixed regression cases for every edge of SPEC §5 "Funnels", one user per edge, with the members
// the spec's sentences give (worked out by hand in the comments). The reference evaluator, DuckDB
// and PGlite must all give them; `preview` on DuckDB counts the users who reached each step.
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import type { Condition, FunnelStep } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import { explain, preview } from '../../src/evaluation/inspect.js';
import type { DefinitionResult } from '../../src/reference/dataset.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { LOC, makeProject } from '../support/arbitraries.js';
import { loadDataset } from '../support/load-duckdb.js';
import { loadDatasetPg } from '../dialects/support/load-pglite.js';
import { AS_OF, audience, dataset, filter, members, quantifier, run, track, within, type EventRow } from '../reference/build.js';

const H = 3600;
const D = 86_400;
const at = (secondsFromAsOf: number) => new Date(Date.parse(AS_OF) + secondsFromAsOf * 1000).toISOString();
const ev = (user: string, event: string, secondsFromAsOf: number, extra: Partial<EventRow> = {}): EventRow => ({
  event, user_id: user, timestamp: at(secondsFromAsOf), received_at: at(secondsFromAsOf), ...extra,
});

function step(event: string, window: FunnelStep['window'], negated = false, filters: FunnelStep['filters'] = []): FunnelStep {
  return { event: track(event), window, filters, negated, loc: LOC };
}
const funnel = (...steps: FunnelStep[]): Condition => ({ kind: 'funnel', steps, loc: LOC });

const EVENTS: EventRow[] = [
  // then performed Order Completed within 1d (added within 7d):
  ev('at_edge', 'Product Added', -3 * D), ev('at_edge', 'Order Completed', -2 * D), // exactly e1 + 1d: in
  ev('past_edge', 'Product Added', -3 * D), ev('past_edge', 'Order Completed', -2 * D + 1), // 1 s late: out
  ev('same_instant', 'Product Added', -3 * D), ev('same_instant', 'Order Completed', -3 * D), // not after: out
  ev('before', 'Order Completed', -3 * D - 1), ev('before', 'Product Added', -3 * D), // before e1: out of ordered, in abandoned
  ev('after_as_of', 'Product Added', -H), ev('after_as_of', 'Order Completed', 1), // e2 after as_of: out
  ev('old_first', 'Product Added', -7 * D), ev('old_first', 'Order Completed', -7 * D + H), // e1 outside (as_of - 7d, as_of]: out
  // then not_performed Order Completed within 1d:
  ev('elapsed_exactly', 'Product Added', -D), // e1 + 1d = as_of, nothing in it: in
  ev('not_elapsed', 'Product Added', -D + 1), // window ends 1 s after as_of: out
  ev('order_at_end', 'Product Added', -2 * D), ev('order_at_end', 'Order Completed', -D), // order at e1 + 1d: out (and in ordered)
  ev('order_same_instant', 'Product Added', -2 * D), ev('order_same_instant', 'Order Completed', -2 * D), // same instant is not after: in
  // added -> ordered -> added again: the second add was abandoned, so in
  ev('again', 'Product Added', -5 * D), ev('again', 'Order Completed', -5 * D + H), ev('again', 'Product Added', -3 * D),
  // three steps: Signed Up, then Invite Sent within 1h, then Report Created within 1h of the invite
  ev('chain', 'Signed Up', -4 * D), ev('chain', 'Invite Sent', -4 * D + H), ev('chain', 'Report Created', -4 * D + 2 * H), // in
  ev('chain_from_first', 'Signed Up', -4 * D), ev('chain_from_first', 'Invite Sent', -4 * D + 2 * H), ev('chain_from_first', 'Report Created', -4 * D + 2 * H + 1), // invite too late: out
  ev('chain_late', 'Signed Up', -4 * D), ev('chain_late', 'Invite Sent', -4 * D + 60), ev('chain_late', 'Report Created', -4 * D + H + 61), // report 1 h 1 s after invite: out
  // where: filters of a later step: only a big order counts
  ev('small_order', 'Product Added', -3 * D), ev('small_order', 'Order Completed', -3 * D + H, { total: 5 }),
  ev('big_order', 'Product Added', -3 * D), ev('big_order', 'Order Completed', -3 * D + H, { total: 50 }),
];

const DATA = dataset({
  events: EVENTS,
  groups: [
    { user_id: 'elapsed_exactly', group_id: 'acme', timestamp: at(-10 * D), received_at: at(-10 * D) },
    { user_id: 'not_elapsed', group_id: 'globex', timestamp: at(-10 * D), received_at: at(-10 * D) },
  ],
  types: { total: 'number' },
});

const ordered = funnel(step('Product Added', within('7d')), step('Order Completed', within('1d')));
const abandoned = funnel(step('Product Added', within('7d')), step('Order Completed', within('1d'), true));
const DEFINITIONS = [
  audience('ordered', 'user', ordered),
  audience('abandoned', 'user', abandoned),
  audience('chained', 'user', funnel(step('Signed Up', null), step('Invite Sent', within('1h')), step('Report Created', within('1h')))),
  audience('big_order', 'user', funnel(step('Product Added', within('7d')), step('Order Completed', within('1d'), false, [filter('total', 'gte', 10)]))),
  audience('abandoning_accounts', 'account', quantifier('any_user', abandoned)),
];

const EXPECTED: Record<string, string[]> = {
  ordered: ['again', 'at_edge', 'big_order', 'order_at_end', 'small_order'],
  abandoned: ['again', 'before', 'elapsed_exactly', 'order_same_instant', 'past_edge', 'same_instant'],
  chained: ['chain'],
  big_order: ['big_order'],
  abandoning_accounts: ['acme'],
};

function memberLists(results: Map<string, DefinitionResult>): Record<string, string[]> {
  return Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, members(results, name)]));
}

describe('funnel edges, fixed', () => {
  const project = makeProject(DEFINITIONS);
  let duck: DuckDbConnection;
  let lite: PgliteConnection;

  beforeAll(async () => {
    duck = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    await loadDataset(duck.connection, DATA);
    lite = await PgliteConnection.open(postgres);
    await loadDatasetPg(lite.db as PGlite, DATA);
  });

  afterAll(async () => {
    await duck?.close();
    await lite?.close();
  });

  async function onEngine(connection: WarehouseConnection) {
    const catalog = await readCatalog(connection, project);
    return evaluate(connection, { project, catalog, asOf: AS_OF, targets: DEFINITIONS.map((d) => d.name) });
  }

  it('the reference evaluator gives the members the spec says', () => {
    expect(memberLists(run(DEFINITIONS, DATA))).toEqual(EXPECTED);
  });

  it('DuckDB gives them', async () => {
    expect(memberLists(await onEngine(duck))).toEqual(EXPECTED);
  });

  it('PGlite gives them', async () => {
    expect(memberLists(await onEngine(lite))).toEqual(EXPECTED);
  });

  it("preview's breakdown counts the users who reached each step", async () => {
    const catalog = await readCatalog(duck, project);
    const out = await preview({ connection: duck, project, catalog, asOf: AS_OF }, 'chained');
    // Signed Up: chain, chain_from_first, chain_late; then Invite Sent within 1h: chain, chain_late
    expect(out.breakdown.map((b) => [b.depth, b.matched])).toEqual([[0, 1], [1, 3], [1, 2], [1, 1]]);
    expect(out.breakdown[2].condition).toBe('step 2: then performed Invite Sent within 1h');
  });

  it('explain says which steps a user completed', async () => {
    const catalog = await readCatalog(duck, project);
    const out = await explain({ connection: duck, project, catalog, asOf: AS_OF }, 'chained', 'chain_late');
    // signed up, invited within the hour, but the report came 1 h 1 s after the invite
    expect(out.conditions.map((c) => c.value)).toEqual([false, true, true, false]);
    expect(out.member).toBe(false);
    // each step's value is named by the user's own funnel, not the plan's internal name ("funnel:1 step 1: ...")
    const funnel = out.conditions[0].condition;
    expect(Object.entries(out.values)).toEqual([1, 1, 0].map((reached, i) => [`step ${i + 1} of ${funnel}`, reached]));
  });
});
