// DuckDB's errors as the user reads them. A statement that parsed and bound can still fail on the data: a SQL trait's cast of a value that
// does not fit, a function refusing its input. That is the warehouse refusing the definitions, a
// warehouse_error with DuckDB's excerpt of the line, not a bug in quorum (an audit on 5 December
// found `members` and `run` calling it one). Errors of quorum's own SQL (binding) stay as they are.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { childOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { makeDataset, WRITE_KEY, writeProject } from '../sync/support/project.js';

afterAll(() => removeTempDirs());

describe('DuckDB errors of evaluation', () => {
  it('a value that does not fit its type is a warehouse_error naming the line; a binding error is not', async () => {
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: ':memory:' });
    try {
      const failed = await connection.query("select\n  cast('x' || 'y' as integer) as n").catch((cause: unknown) => cause);
      expect(failed).toBeInstanceOf(DiagnosticsError);
      const [d] = (failed as DiagnosticsError).diagnostics;
      expect(d.code).toBe('warehouse_error');
      expect(d.message).toContain("Conversion Error: Could not convert string 'xy' to INT32");
      expect(d.message).toContain("LINE 2: cast('x' || 'y' as integer)");
      const unbound = await connection.query('select no_such_column').catch((cause: unknown) => cause);
      expect(unbound).not.toBeInstanceOf(DiagnosticsError);
      expect(String(unbound)).toContain('Binder Error');
    } finally {
      await connection.close();
    }
  });

  it('quorum run and members end with the warehouse_error, exit 1, and no bug report', async () => {
    const dir = await tempDir('duckdb-evaluation-error');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9', dataset: makeDataset({ users: 3, accounts: 1, logins: 2 }) });
    await writeFile(
      path.join(dir, 'traits', 'bad_cast.yml'),
      ['sql_trait: bad_cast', 'level: user', 'sql: |', "  select user_id, cast('x' || user_id as integer) as bad_cast from {{ source('identifies') }}", ''].join('\n'),
    );
    for (const args of [['members', 'bad_cast'], ['run']]) {
      const child = spawn(process.execPath, cliArgs(...args, '--as-of', '2024-06-05', '--project', dir), { env: { ...process.env, QUORUM_TEST_WRITE_KEY: WRITE_KEY } });
      const out = await childOutput(child);
      expect(out.code, out.stderr).toBe(1);
      expect(out.stderr).toContain("error[warehouse_error]: DuckDB could not evaluate quorum's statement: Conversion Error");
      expect(out.stderr).toContain("cast('x' || user_id as integer)");
      expect(out.stderr).not.toContain('looks like a bug');
    }
  }, 120_000);
});

// docs: "a second run exits 1 with state_locked". On the embedded DuckDB the state lives in the
// warehouse file, and DuckDB's own file lock stops the second process before quorum's lock row
// can: that is state_locked too, naming the file (it was warehouse_unreachable, an audit found).
describe('a DuckDB file another process writes', () => {
  it('quorum run exits 1 with state_locked, naming the file', async () => {
    const dir = await tempDir('duckdb-file-lock');
    await writeProject(dir, { endpoint: 'http://127.0.0.1:9', dataset: makeDataset({ users: 3, accounts: 1, logins: 2 }) });
    const holder = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
    try {
      const child = spawn(process.execPath, cliArgs('run', '--as-of', '2024-06-05', '--project', dir), { env: { ...process.env, QUORUM_TEST_WRITE_KEY: WRITE_KEY } });
      const out = await childOutput(child);
      expect(out.code, out.stderr).toBe(1);
      expect(out.stderr).toContain('error[state_locked]: another process has the DuckDB database');
      expect(out.stderr).toContain('warehouse.duckdb');
    } finally {
      holder.closeSync();
    }
  }, 60_000);
});
