// The Postgres connector sends a statement as printed: knex.raw used to read every `?` as a
// binding, also inside string literals, so a definition filtering on '/docs?q=1' matched nothing
// over the wire (PGlite, which does not go through knex, was right). Needs a server, as
// postgres-wire.test.ts does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../dialects/postgres/index.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

const url = process.env.QUORUM_TEST_POSTGRES_URL;

describe.skipIf(!url)('postgres over the wire keeps literals verbatim: needs QUORUM_TEST_POSTGRES_URL (.ci/run starts a server and sets it)', () => {
  let connection: WarehouseConnection;

  beforeAll(async () => {
    connection = await postgres.connect({ type: 'postgres', url: url! });
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('question marks inside string literals reach the server as written', async () => {
    const literals = ['/docs?q=%25', 'a??b', 'c\\?d', '?'];
    const sql = `SELECT ${literals.map((l, i) => `${postgres.printer.visitExpr({ kind: 'literal', literal: { type: 'string', value: l } })} AS c${i}`).join(', ')}`;
    expect(await connection.query(sql)).toEqual([Object.fromEntries(literals.map((l, i) => [`c${i}`, l]))]);
    await connection.execute(`${sql} WHERE 1 = 1`);
  });
});
