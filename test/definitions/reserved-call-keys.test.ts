// SPEC §4's reserved output names include the keys a Track call's properties carry next to a SQL
// trait's columns: a column `trait_key` replaced `properties.trait_key` in every "Trait Computed"
// call (and `audience_key` is the same key for audiences). Both are errors with file and line:
// statically on every dialect's parser, and for `SELECT *` when a run describes the query.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import { cliIn } from '../sync/support/cli-in-process.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { AS_OFS, writeProject } from '../sync/support/project.js';
import { tempProject } from './fixture-helpers.js';

afterAll(() => removeTempDirs());

const WAREHOUSES: Record<string, string> = {
  duckdb: 'warehouse: { type: duckdb, path: warehouse.duckdb }',
  postgres: 'warehouse: { type: postgres, url: "postgres://reader@localhost/db" }',
  bigquery: 'warehouse: { type: bigquery, project: p }',
  snowflake: 'warehouse: { type: snowflake, account: a }',
};

describe.each(Object.keys(WAREHOUSES))('on %s, a SQL trait column named', (dialect) => {
  it.each(['trait_key', 'audience_key', 'Trait_Key', 'AUDIENCE_KEY'])('%s is sql_reserved_column at its file and line', async (column) => {
    const root = tempProject({
      'quorum.yml': `${WAREHOUSES[dialect]}\ndestinations:\n  crm: { type: stdout }\n`,
      'traits/t.yml': `sql_trait: t\nlevel: user\nsql: |\n  select user_id,\n    plan as ${column}\n  from {{ source('identifies') }}\n`,
    });
    const errors = (await loadProject(root, { dialects: dialectNamed })).diagnostics.filter((d) => d.severity === 'error');
    // the line of the column (DuckDB's parser places it at the expression, the others at the alias)
    expect(errors.map((d) => [d.code, d.loc?.file, d.loc?.line])).toEqual([['sql_reserved_column', 'traits/t.yml', 5]]);
    // Postgres and Snowflake fold an unquoted name, and name the column as they would
    expect(errors[0].message.toLowerCase()).toContain(
      `a column "${column.toLowerCase()}", a name quorum uses for its own columns and call properties`,
    );
  });
});

describe('SELECT * naming trait_key', () => {
  it('is refused when validate or run describes the query, with the file and line', async () => {
    const dir = await tempDir('reserved-star');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9' });
    const trait = [
      'sql_trait: star',
      'level: user',
      'sql: |',
      "  select * from (select user_id, 'x' as trait_key from {{ source('identifies') }}) s",
      '',
    ];
    writeFileSync(path.join(dir, 'traits', 'star.yml'), trait.join('\n'));
    for (const command of [['validate'], ['run', 'star', '--as-of', AS_OFS[1]]]) {
      const result = await cliIn(dir, ...command);
      expect(result.code, command[0]).toBe(1);
      expect(result.stderr, command[0]).toMatch(
        /traits\/star\.yml:1:\d+ error\[sql_reserved_column\]: SQL trait "star": the query returns a column "trait_key"/,
      );
    }
  });
});
