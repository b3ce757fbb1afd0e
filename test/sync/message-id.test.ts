// The messageId rule (SPEC §6) that delivery computes since state format 5 is the value the
// warehouse stored before it: `quorum-` + MD5 over each part's length in code points, ':' and the
// part. Here the old warehouse expression is printed from the SQL AST and run on DuckDB and PGlite,
// and JavaScript must give the same id for every hostile string (quotes, emoji, a lone surrogate's
// neighbours, empty parts), so undelivered rows of format 4 and new rows of format 5 agree.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { charLength, concat, md5Hex, select, str, type Expr } from '../../src/sql/ast.js';
import { messageIdOf } from '../../src/sync/calls.js';
import { asString } from '../../src/sync/sync-definition.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { HOSTILE_STRINGS } from '../support/arbitraries.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';

/** The id as format 4's outbox insert computed it in the warehouse. */
function warehouseId(parts: readonly string[]): Expr {
  const args: Expr[] = [];
  for (const part of parts) args.push(asString(charLength(str(part))), str(':'), str(part));
  return concat(str('quorum-'), md5Hex(concat(...args)));
}

/** The rule as written in the docs, without any shortcut. */
const byDefinition = (parts: readonly string[]) => `quorum-${createHash('md5').update(parts.map((p) => `${[...p].length}:${p}`).join(''), 'utf8').digest('hex')}`;

const CASES: readonly (readonly string[])[] = [
  ['audit', 'favourite_feature', 'identify', 'user_1', '', 'entered', '2024-06-01T00:00:00Z', '1'],
  ...HOSTILE_STRINGS.map((s) => ['hook', `def ${s}`, 'track', s, s.toUpperCase(), 'changed', '2024-06-01T00:00:00.000Z', '12']),
  ['hook', '😀😀', 'group', 'a😀b', '', 'exited', '2024-06-01T00:00:00Z', '3'],
];

async function idsIn(connection: WarehouseConnection): Promise<string[]> {
  const out: string[] = [];
  for (const parts of CASES) {
    const rows = await connection.query(connection.dialect.printer.print(select({ columns: [{ expr: warehouseId(parts), alias: 'id' }] })));
    out.push(String(rows[0].id));
  }
  return out;
}

describe('the messageId computed at delivery is the one the warehouse stored before format 5', () => {
  const engines = duckAndPglite();

  it('JavaScript agrees with the rule as documented, surrogate pairs and lone surrogates included', () => {
    for (const parts of [...CASES, ['\uD800', '\uD800\uD800', '\uDC00\uD83D\uDE00', 'x\uD83D']]) expect(messageIdOf(parts)).toBe(byDefinition(parts));
  });

  it('on DuckDB', async () => {
    expect(await idsIn(engines.duck)).toEqual(CASES.map(messageIdOf));
  });

  it('on PostgreSQL (PGlite)', async () => {
    expect(await idsIn(engines.lite)).toEqual(CASES.map(messageIdOf));
  });
});
