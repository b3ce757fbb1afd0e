// `ignore_case` lower-cases by Unicode's simple mapping (docs/semantics.md) on Postgres whatever
// the collation: an ICU collation maps "ΟΔΟΣ" to "οδος" (final sigma) and "İ" to "i̇" with LOWER,
// a Turkish one "I" to "ı", a Lithuanian one "Ì" to "i̇̀"; DuckDB and the reference do not (found by
// an audit on 5 December on a Postgres 15 database with an ICU en-US default). PGlite has ICU's
// root collation, so the column is given it there; over the wire (QUORUM_TEST_POSTGRES_URL, an ICU
// database when `.ci/start-postgres.sh` made it) the Turkish and Lithuanian collations too.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgliteConnection } from '../../dialects/postgres/pglite-connection.js';
import { postgres } from '../../dialects/postgres/index.js';
import { predicate } from '../../src/definitions/literal-instants.js';
import type { AudienceDefinition, ComparisonOp, Scalar } from '../../src/definitions/model.js';
import { evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import type { DefinitionResult, SourceDataset } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { LOC, makeProject } from '../support/arbitraries.js';
import { differences } from '../support/compare-results.js';
import { SEGMENT_COLUMNS } from '../support/segment-rows.js';
import { withDataset } from '../support/small-engines.js';
import { loadDatasetPg } from './support/load-pglite.js';

const AS_OF = '2024-06-01T00:00:00.000Z';
// u4's is the Kelvin sign, U+212A.
const ROLES: Record<string, string> = { u1: 'ΟΔΟΣ', u2: 'İstanbul', u3: 'ẞ', u4: '\u212A', u5: 'οδος', u6: 'ILIK', u7: 'ÌRA' };

function dataset(): SourceDataset {
  const at = '2024-05-01T00:00:00Z';
  const rows = Object.entries(ROLES).map(([user, role]) => ({ id: `i_${user}`, user_id: user, anonymous_id: null, timestamp: at, received_at: at, role }));
  return { tables: { identifies: { columns: { ...SEGMENT_COLUMNS, role: 'string' }, rows }, groups: { columns: { ...SEGMENT_COLUMNS, group_id: 'string' }, rows: [] } } };
}

const audience = (name: string, op: ComparisonOp, value: Scalar | readonly Scalar[]): AudienceDefinition => ({
  kind: 'audience', name, level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null,
  where: { kind: 'trait', trait: 'role', predicate: predicate(op, value, true), loc: LOC },
});

// The simple lowercase of each role: οδοσ, istanbul, ß, k, οδος, ilik, ìra.
const EXPECTED: Record<string, { readonly definition: AudienceDefinition; readonly members: readonly string[] }> = {
  sigma: { definition: audience('sigma', 'equals', 'οδοσ'), members: ['u1'] },
  final_sigma: { definition: audience('final_sigma', 'equals', 'ΟΔΟΣ'), members: ['u1'] },
  sigma_inside: { definition: audience('sigma_inside', 'ends_with', 'Οσ'), members: ['u1'] },
  dotted_i: { definition: audience('dotted_i', 'starts_with', 'istan'), members: ['u2'] },
  sharp_s: { definition: audience('sharp_s', 'in', ['ß', 'x']), members: ['u3'] },
  kelvin: { definition: audience('kelvin', 'equals', 'k'), members: ['u4'] },
  turkish_i: { definition: audience('turkish_i', 'equals', 'ilik'), members: ['u6'] },
  lithuanian_grave: { definition: audience('lithuanian_grave', 'contains', 'ìr'), members: ['u7'] },
  not_sigma: { definition: audience('not_sigma', 'not_equals', 'οδοσ'), members: ['u2', 'u3', 'u4', 'u5', 'u6', 'u7'] },
};
const project = makeProject(Object.values(EXPECTED).map((e) => e.definition));
const targets = Object.keys(EXPECTED);

async function checkAnswers(connection: WarehouseConnection): Promise<void> {
  const catalog = await readCatalog(connection, project);
  const actual = await evaluate(connection, { project, catalog, asOf: AS_OF, targets });
  const members = (r: DefinitionResult | undefined) => (r?.kind === 'audience' ? [...r.members].sort() : r);
  for (const [name, { members: expected }] of Object.entries(EXPECTED)) expect(members(actual.get(name)), name).toEqual(expected);
  expect(differences(evaluateReference(project, dataset(), AS_OF), actual)).toEqual([]);
}

const recollate = (collation: string) => `ALTER TABLE app.identifies ALTER COLUMN role TYPE text COLLATE "${collation}"`;

describe('ignore_case on Postgres is Unicode simple lowercase, whatever the collation', () => {
  it('the reference evaluator gives the simple lowercase', () => {
    const reference = evaluateReference(project, dataset(), AS_OF);
    for (const [name, { members }] of Object.entries(EXPECTED)) {
      const result = reference.get(name);
      expect(result?.kind === 'audience' ? [...result.members].sort() : result, name).toEqual(members);
    }
  });

  it('on PGlite, a column of the database default collation and one of ICU root', async () => {
    await withDataset('postgres', dataset(), async (connection) => {
      await checkAnswers(connection);
      await (connection as PgliteConnection).db.exec(recollate('und-x-icu'));
      await checkAnswers(connection);
    });
  });

  const url = process.env.QUORUM_TEST_POSTGRES_URL;
  it.skipIf(!url)('over the wire: the database default (ICU en-US from .ci/start-postgres.sh), ICU root, Turkish and Lithuanian (set QUORUM_TEST_POSTGRES_URL to run)', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const connection = await postgres.connect({ type: 'postgres', url: url! });
    try {
      await loadDatasetPg({ exec: (sql: string) => client.query(sql), query: (sql: string, params: unknown[]) => client.query(sql, params) }, dataset());
      await checkAnswers(connection);
      for (const collation of ['und-x-icu', 'tr-x-icu', 'lt-x-icu']) {
        await client.query(recollate(collation));
        await checkAnswers(connection);
      }
    } finally {
      await connection.close();
      await client.query('DROP SCHEMA IF EXISTS app CASCADE');
      await client.end();
    }
  });
});
