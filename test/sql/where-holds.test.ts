// whereHolds (src/sql/ast.ts) drops the COALESCE(p, FALSE) that conditions carry for NOT's sake
// wherever a WHERE clause reads them through AND and OR. A WHERE must keep exactly the same rows:
// generated predicates over nullable columns (every TRUE / FALSE / NULL combination is a row) are
// run both ways on DuckDB and PGlite, and the rows each keeps compared.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { and, bin, bool, coalesce, col, FALSE, not, num, or, select, table, TRUE, whereHolds, type Expr } from '../../src/sql/ast.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom('a', 'b', 'c').map((name) => col(name, 't')),
  fc.integer({ min: 0, max: 2 }).map((n) => bin('>=', col('n', 't'), num(n))),
  fc.constantFrom(TRUE, FALSE),
);
const predicate: fc.Arbitrary<Expr> = fc.letrec<{ p: Expr }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('p'), tie('p')).map(([x, y]) => and(x, y)),
    fc.tuple(tie('p'), tie('p')).map(([x, y]) => or(x, y)),
    tie('p').map((x) => not(x)),
    tie('p').map((x) => coalesce(x, FALSE)),
    // a COALESCE whose fallback is not FALSE stays as it is
    tie('p').map((x) => coalesce(x, bool(true))),
  ),
})).p;

describe(`whereHolds (seed ${PROPERTY_SEED})`, () => {
  const engines = duckAndPglite();
  const both = (): [string, WarehouseConnection][] => [
    ['DuckDB', engines.duck],
    ['PGlite', engines.lite],
  ];
  beforeAll(async () => {
    const values = ['NULL', 'TRUE', 'FALSE'];
    const rows: string[] = [];
    for (const a of values) for (const b of values) for (const c of values) for (const n of ['NULL', '0', '1', '2']) rows.push(`(${rows.length}, ${a}, ${b}, ${c}, ${n})`);
    for (const [, connection] of both()) {
      await connection.execute('CREATE TABLE where_holds (id INTEGER, a BOOLEAN, b BOOLEAN, c BOOLEAN, n INTEGER)');
      await connection.execute(`INSERT INTO where_holds VALUES ${rows.join(', ')}`);
    }
  });

  const kept = async (connection: WarehouseConnection, where: Expr) =>
    (
      await connection.query(
        connection.dialect.printer.print(
          select({ columns: [{ expr: col('id', 't'), alias: 'id' }], from: table('where_holds', 't'), where, orderBy: [{ expr: col('id', 't'), direction: 'ASC' }] }),
        ),
      )
    ).map((r) => Number(r.id));

  it('keeps the rows the predicate keeps, for every combination of TRUE, FALSE and NULL, on DuckDB and PGlite', async () => {
    await fc.assert(
      fc.asyncProperty(predicate, async (p) => {
        for (const [name, connection] of both()) expect(await kept(connection, whereHolds(p)), name).toEqual(await kept(connection, p));
      }),
      { seed: PROPERTY_SEED, numRuns: 150 },
    );
  });

  it('unwraps the COALESCE(p, FALSE) of a condition under AND and OR, never under NOT', () => {
    const x = bin('>=', col('n', 't'), num(1));
    expect(whereHolds(and(coalesce(x, FALSE), or(coalesce(x, FALSE), col('a', 't'))))).toEqual(and(x, or(x, col('a', 't'))));
    expect(whereHolds(not(coalesce(x, FALSE)))).toEqual(not(coalesce(x, FALSE)));
  });
});
