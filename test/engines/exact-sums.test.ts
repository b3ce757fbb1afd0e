// Sums and averages of decimal properties are added up in fixed point (src/sql/exact-sum.ts), so
// the answer does not depend on the order in which an engine adds the rows: not on the order they
// were written in, not on DuckDB's threads. Before, they were doubles: 0.1 + 0.2 + 0.3 gave
// 0.6000000000000001 in one order and 0.6 in the other, and two runs of one SF 0.1 state differed
// in 2,309 values, each a changed-trait call sent for nothing.
import { describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { ComputeKind, Definition, Level } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { DefinitionResult, SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { col, select, table } from '../../src/sql/ast.js';
import { summand, summandCount, summandTotal } from '../../src/sql/exact-sum.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { makeProject } from '../support/arbitraries.js';
import { exactDifferences } from '../support/compare-results.js';
import { loadDataset } from '../support/load-duckdb.js';
import { eventTrait, membershipRows, SEGMENT_COLUMNS } from '../support/segment-rows.js';
import { withDataset, type SmallEngine } from '../support/small-engines.js';

const LOC = { file: 'test/exact-sums.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const AT = '2024-05-20T00:00:00Z';

// 1e19 and -1e19 are beyond the fixed-point range and left out of both the sum and the count.
// 1.0000000004 rounds to 1.000000000 and 2.0000000006 to 2.000000001 (9 decimals).
const AMOUNTS: Record<string, readonly number[]> = {
  u1: [0.1, 0.2, 0.3],
  u2: [1e19, 2.5, -1e19],
  u3: [1.0000000004, 2.0000000006],
};
const ACCOUNTS: Record<string, readonly string[]> = { a1: ['u1', 'u2'], a2: ['u3'] };

// Each value is the nearest double to the exact decimal total (over the summands' count for avg).
const EXPECTED: Record<string, Record<string, number>> = {
  user_sum: { u1: 0.6, u2: 2.5, u3: 3.000000001 },
  user_avg: { u1: 0.6 / 3, u2: 2.5, u3: 3.000000001 / 2 },
  account_sum: { a1: 3.1, a2: 3.000000001 },
  account_avg: { a1: 3.1 / 4, a2: 3.000000001 / 2 },
};

function dataset(reversed: boolean): SourceDataset {
  const base = SEGMENT_COLUMNS;
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  const events: SourceRow[] = Object.entries(AMOUNTS).flatMap(([user, amounts]) =>
    amounts.map((amount, k) => ({
      id: `e_${user}_${k}`,
      user_id: user,
      anonymous_id: null,
      event: 'purchased',
      event_text: 'Purchased',
      timestamp: AT,
      received_at: AT,
      context_group_id: null,
      amount,
    })),
  );
  const written = reversed ? [...events].reverse() : events;
  const groups = membershipRows(ACCOUNTS, AT);
  return {
    tables: {
      identifies: { columns: base, rows: [] },
      groups: { columns: { ...base, group_id: 'string' }, rows: groups },
      tracks: { columns: eventColumns, rows: written.map(({ amount: _amount, ...row }) => row) },
      purchased: { columns: { ...eventColumns, amount: 'number' }, rows: written },
    },
  };
}

const trait = (name: string, level: Level, compute: ComputeKind): Definition => eventTrait(name, level, compute, 'Purchased', 'amount', LOC);

const DEFINITIONS = [trait('user_sum', 'user', 'sum'), trait('user_avg', 'user', 'avg'), trait('account_sum', 'account', 'sum'), trait('account_avg', 'account', 'avg')];

function valuesOf(result: DefinitionResult | undefined): Record<string, unknown> {
  if (result?.kind !== 'trait') throw new Error('expected a trait');
  return Object.fromEntries([...result.values].map(([id, value]) => [String(id), value]));
}

async function answers(engine: SmallEngine, reversed: boolean): Promise<Map<string, DefinitionResult>> {
  let out = new Map<string, DefinitionResult>();
  await withDataset(engine, dataset(reversed), async (connection) => {
    const project = makeProject(DEFINITIONS);
    const catalog = await readCatalog(connection, project);
    out = await evaluate(connection, { project, catalog, asOf: AS_OF, targets: DEFINITIONS.map((d) => d.name) });
  });
  return out;
}

describe('sums and averages of a decimal property do not depend on the order of the rows', () => {
  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`${engine === 'duckdb' ? 'DuckDB' : 'Postgres (PGlite)'}: rows written in two orders give the same doubles, the exact totals`, async () => {
      const forward = await answers(engine, false);
      const backward = await answers(engine, true);
      expect(exactDifferences(forward, backward)).toEqual([]);
      for (const [name, values] of Object.entries(EXPECTED)) expect(valuesOf(forward.get(name)), name).toEqual(values);
    });
  }

  it('the reference evaluator adds up the same way, to the bit', () => {
    const project = makeProject(DEFINITIONS);
    for (const reversed of [false, true]) {
      const reference = evaluateReference(project, dataset(reversed), AS_OF);
      for (const [name, values] of Object.entries(EXPECTED)) expect(valuesOf(reference.get(name)), name).toEqual(values);
    }
  });

  it('NaN, the infinities and magnitudes of 1e18 and more are left out of the total and the count, on both engines', async () => {
    const special = ["'NaN'", "'Infinity'", "'-Infinity'", '1e18', '-1e18', '1.25', '-0.5'];
    for (const engine of ['duckdb', 'postgres'] as const) {
      await withDataset(engine, dataset(false), async (connection: WarehouseConnection) => {
        const printer = connection.dialect.printer;
        const values = special.map((v) => `(CAST(${v} AS ${printer.typeName('number')}))`).join(', ');
        await connection.execute(`CREATE TABLE specials AS SELECT * FROM (VALUES ${values}) AS v(x)`);
        const s = summand(col('x', 'v'), 'number');
        const rows = await connection.query(
          printer.print(select({ columns: [{ expr: summandTotal(s, null), alias: 'total' }, { expr: summandCount(s, null), alias: 'n' }], from: table('specials', 'v') })),
        );
        expect([Number(rows[0].total), Number(rows[0].n)], engine).toEqual([0.75, 2]);
      });
    }
  });
});

// 400,000 rows are four of DuckDB's row groups, which its threads aggregate in whatever order
// they finish. Every amount has three decimals, so the exact total is known in thousandths.
const ROWS = 400_000;
const USERS = 40;
const amountThousandths = (i: number): number => ((i * 7919) % 1_000_003) + 1;

function exactTotals(): Map<string, number> {
  const totals = new Map<string, bigint>();
  for (let i = 0; i < ROWS; i += 1) {
    const user = `u${i % USERS}`;
    totals.set(user, (totals.get(user) ?? 0n) + BigInt(amountThousandths(i)));
    const account = `a${i % 4}`;
    totals.set(account, (totals.get(account) ?? 0n) + BigInt(amountThousandths(i)));
  }
  const asNumber = (t: bigint) => Number(`${t / 1000n}.${String(t % 1000n).padStart(3, '0')}`);
  return new Map([...totals].map(([id, t]) => [id, asNumber(t)]));
}

describe('DuckDB with four threads', () => {
  it(`gives the exact totals over ${ROWS.toLocaleString('en')} rows, run after run`, async () => {
    const connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:', threads: 4 })) as DuckDbConnection;
    try {
      const empty: SourceDataset = {
        tables: {
          ...dataset(false).tables,
          // users u0..u39, each in the account a(i mod 4) of its events
          groups: {
            columns: { ...SEGMENT_COLUMNS, group_id: 'string' },
            rows: Array.from({ length: USERS }, (_, u) => ({ id: `g${u}`, user_id: `u${u}`, anonymous_id: null, timestamp: AT, received_at: AT, group_id: `a${u % 4}` })),
          },
        },
      };
      await loadDataset(connection.connection, { tables: { ...empty.tables, purchased: { ...empty.tables.purchased, rows: [] } } });
      await connection.execute(
        `INSERT INTO app.purchased (id, user_id, anonymous_id, event, event_text, timestamp, received_at, context_group_id, amount)
         SELECT 'e' || i, 'u' || (i % ${USERS}), NULL, 'purchased', 'Purchased', TIMESTAMP '2024-05-20', TIMESTAMP '2024-05-20', NULL,
                CAST(((i * 7919) % 1000003) + 1 AS DOUBLE) / 1000
         FROM range(${ROWS}) AS r(i)`,
      );
      const project = makeProject([trait('user_sum', 'user', 'sum'), trait('account_sum', 'account', 'sum')]);
      const catalog = await readCatalog(connection, project);
      const expected = exactTotals();
      const runs: Map<string, DefinitionResult>[] = [];
      for (let run = 0; run < 3; run += 1) runs.push(await evaluate(connection, { project, catalog, asOf: AS_OF, targets: ['user_sum', 'account_sum'] }));
      for (const answer of runs) {
        for (const [id, value] of Object.entries({ ...valuesOf(answer.get('user_sum')), ...valuesOf(answer.get('account_sum')) })) {
          expect(value, id).toBe(expected.get(id));
        }
      }
      expect(exactDifferences(runs[0], runs[1])).toEqual([]);
      expect(exactDifferences(runs[0], runs[2])).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
