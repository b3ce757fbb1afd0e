// warehouse.memory_limit and warehouse.threads (docs/warehouses.md): quorum.yml's values reach the
// embedded DuckDB when it opens (its configuration is locked afterwards), a value DuckDB would
// refuse is a diagnostic at its line, and running out of memory mid-run is a warehouse_error that
// names the setting, with the state schema as the last good run left it.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAdminWarehouse } from '../../bench/admin-warehouse.js';
import { duckDbSizeBytes, IN_MEMORY, type DuckDbWarehouse } from '../../dialects/duckdb/duckdb-config.js';
import { openDuckDb, removeAbandonedSpillFolders, WRITE_BUFFER_LIMIT } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import { connect } from '../../src/evaluation/session.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { childOutput, type ChildOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quorum-duckdb-memory-'));
  made.push(dir);
  return dir;
}

async function settingsOf(config: DuckDbWarehouse): Promise<Record<string, unknown>> {
  const connection = await openDuckDb(duckdb, config);
  try {
    const [row] = await connection.query(
      "select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads, current_setting('temp_directory') as temp_directory",
    );
    return row;
  } finally {
    await connection.close();
  }
}

describe('quorum.yml sets the embedded DuckDB memory and threads', () => {
  it('reads memory_limit and threads and DuckDB runs under them', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'quorum.yml'), 'warehouse:\n  type: duckdb\n  path: ":memory:"\n  memory_limit: 200MB\n  threads: ${DUCKDB_THREADS}\n');
    const { project, diagnostics } = await loadProject(dir, { env: { DUCKDB_THREADS: '1' }, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    const warehouse = project?.config.warehouse as DuckDbWarehouse;
    expect(warehouse).toEqual({ type: 'duckdb', path: IN_MEMORY, memoryLimit: '200MB', threads: 1 });
    const settings = await settingsOf(warehouse);
    // DuckDB prints 200 MB (decimal) in binary units.
    expect(settings.memory_limit).toBe('190.7 MiB');
    expect(Number(settings.threads)).toBe(1);
    expect(String(settings.temp_directory).startsWith(path.join(os.tmpdir(), `quorum-duckdb-${process.pid}-`))).toBe(true);
  });

  it('without them DuckDB keeps its defaults, a file database spills beside itself, and an INSERT buffers at most 32 MB of row groups', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'warehouse.duckdb');
    (await DuckDBInstance.create(file)).closeSync();
    const settings = await settingsOf({ type: 'duckdb', path: file });
    expect(duckDbSizeBytes(String(settings.memory_limit))).toBeGreaterThan(200e6);
    expect(Number(settings.threads)).toBeGreaterThanOrEqual(1);
    expect(settings.temp_directory).toBe(`${file}.tmp`);
    // quorum's own bound on the rows an INSERT buffers (the outbox insert of a large run)
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: file });
    const [row] = await connection.query("select current_setting('write_buffer_row_group_memory_limit') as write_buffer");
    await connection.close();
    const writeBuffer = duckDbSizeBytes(String(row.write_buffer))!;
    expect(writeBuffer).toBeLessThanOrEqual(duckDbSizeBytes(WRITE_BUFFER_LIMIT)!);
    expect(writeBuffer).toBeGreaterThan(duckDbSizeBytes(WRITE_BUFFER_LIMIT)! * 0.9);
  });

  it('a session that writes stores strings without FSST unless its state is large, its configuration still locked; a read-only one keeps DuckDB\'s choice', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'warehouse.duckdb');
    (await DuckDBInstance.create(file)).closeSync();
    const writer = await openDuckDb(duckdb, { type: 'duckdb', path: file });
    try {
      // ids like a state's: FSST is what DuckDB picks for them when it may
      await writer.execute("create table ids as select 'user-' || (i * 7919 % 1000003)::varchar || '-acct' as id from range(200000) t(i)");
      await writer.execute('checkpoint');
      const methods = (await writer.query("select distinct compression from pragma_storage_info('ids') where column_name = 'id'")).map((r) => r.compression);
      expect(methods.length).toBeGreaterThan(0);
      expect(methods).not.toContain('FSST');
      await expect(writer.execute("set disabled_compression_methods = ''")).rejects.toThrow(/lock|configuration/i);
      await expect(writer.execute('set enable_external_access = true')).rejects.toThrow(/lock|configuration/i);
    } finally {
      await writer.close();
    }
    const reader = await openDuckDb(duckdb, { type: 'duckdb', path: file }, { readOnly: true });
    try {
      const [row] = await reader.query("select current_setting('disabled_compression_methods') as disabled, current_setting('lock_configuration') as locked");
      expect(row).toEqual({ disabled: '', locked: true });
    } finally {
      await reader.close();
    }
    // with the incremental engine's large state, the same strings are FSST, as DuckDB chooses
    const large = await openDuckDb(duckdb, { type: 'duckdb', path: file }, { largeState: true });
    try {
      await large.execute("create table ids2 as select 'user-' || (i * 7919 % 1000003)::varchar || '-acct' as id from range(200000) t(i)");
      await large.execute('checkpoint');
      const chosen = (await large.query("select distinct compression from pragma_storage_info('ids2') where column_name = 'id'")).map((r) => r.compression);
      expect(chosen).toContain('FSST');
      await expect(large.execute('set enable_external_access = true')).rejects.toThrow(/lock|configuration/i);
    } finally {
      await large.close();
    }
  });

  it('a project with the incremental engine on opens its DuckDB for a large state, one without it does not', async () => {
    const compressionOf = async (incremental: boolean): Promise<unknown[]> => {
      const dir = tempDir();
      (await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'))).closeSync();
      writeFileSync(path.join(dir, 'quorum.yml'), `warehouse:\n  type: duckdb\n  path: warehouse.duckdb\nincremental:\n  enabled: ${incremental}\n`);
      const { project, diagnostics } = await loadProject(dir, { env: {}, dialects: dialectNamed });
      expect(diagnostics).toEqual([]);
      const connection = await connect(project!, dialectNamed);
      try {
        await connection.execute("create table ids as select 'user-' || (i * 7919 % 1000003)::varchar || '-acct' as id from range(200000) t(i)");
        await connection.execute('checkpoint');
        return (await connection.query("select distinct compression from pragma_storage_info('ids') where column_name = 'id'")).map((r) => r.compression);
      } finally {
        await connection.close();
      }
    };
    expect(await compressionOf(true)).toContain('FSST');
    expect(await compressionOf(false)).not.toContain('FSST');
  });

  it("accepts every way of writing a size that DuckDB accepts, and DuckDB reads them as quorum does", async () => {
    for (const [written, bytes] of [['200MB', 200e6], ['200 mb', 200e6], ['1.5GB', 1.5e9], ['512MiB', 512 * 1024 ** 2], ['300 megabytes', 300e6], ['64KiB', 65536]] as const) {
      expect(duckDbSizeBytes(written), written).toBe(bytes);
      const settings = await settingsOf({ type: 'duckdb', path: IN_MEMORY, memoryLimit: written });
      // DuckDB prints it in binary units, cut to one decimal (1.5GB is "1.3 GiB").
      const printed = duckDbSizeBytes(String(settings.memory_limit))!;
      expect(printed, written).toBeLessThanOrEqual(bytes);
      expect(printed, written).toBeGreaterThan(bytes * 0.9);
    }
    for (const refused of ['200', '200XB', '80%', '0MB', 'lots', '-5MB']) expect(duckDbSizeBytes(refused), refused).toBeNull();
  });

  it('an in-memory database spills into its own folder, which close removes', async () => {
    const connection = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY, memoryLimit: '16MB', threads: 1 });
    let spill = '';
    try {
      spill = String((await connection.query("select current_setting('temp_directory') as temp_directory"))[0].temp_directory);
      // 600,000 rows of 32-character strings: more than 16 MB, so DuckDB keeps part of the table on disk.
      await connection.execute('create table t as select md5(cast(i as varchar)) as s from range(600000) r(i)');
      const [{ n }] = await connection.query('select count(*) as n from t');
      expect(Number(n)).toBe(600000);
      const [{ spilled }] = await connection.query('select sum(temporary_storage_bytes) as spilled from duckdb_memory()');
      expect(Number(spilled)).toBeGreaterThan(0);
      expect(existsSync(spill)).toBe(true);
    } finally {
      await connection.close();
    }
    expect(existsSync(spill)).toBe(false);
  });

  it("the next in-memory open removes the spill folder of a process killed before closing, never a running process's", async () => {
    const killed = startSpillingChild();
    const running = startSpillingChild();
    try {
      const [killedFolder, runningFolder] = await Promise.all([killed.folder, running.folder]);
      expect(readdirSync(killedFolder).length, 'DuckDB spilled into the folder').toBeGreaterThan(0);
      killed.child.kill('SIGKILL');
      await killed.exited;
      expect(existsSync(killedFolder)).toBe(true);
      const connection = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY });
      const own = String((await connection.query("select current_setting('temp_directory') as folder"))[0].folder);
      await connection.close();
      expect(own).not.toBe(killedFolder);
      expect(existsSync(killedFolder)).toBe(false);
      expect(existsSync(runningFolder)).toBe(true);
      expect(readdirSync(runningFolder).length).toBeGreaterThan(0);
    } finally {
      for (const { child, exited } of [killed, running]) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    // the second child is gone now too: the next open removes its folder
    expect(removeAbandonedSpillFolders()).toContain(path.basename(await running.folder));
  });

  it('a size or a thread count DuckDB would refuse is invalid_value at its line', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'quorum.yml'), 'warehouse:\n  type: duckdb\n  memory_limit: 200XB\n  threads: 0\n');
    const { project, diagnostics } = await loadProject(dir, { env: {}, dialects: dialectNamed });
    expect(project).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.loc?.file, d.loc?.line, d.message, d.hint])).toEqual([
      ['invalid_value', 'quorum.yml', 3, expect.stringContaining('"memory_limit" is "200XB", which is not a size DuckDB reads'), 'write a number and a unit, e.g. 200MB, 1.5GB or 512MiB'],
      ['invalid_value', 'quorum.yml', 4, expect.stringContaining('"threads" is "0", not a whole number of at least 1'), 'write how many threads DuckDB may use, e.g. 2; leave it out for one per core'],
    ]);
    writeFileSync(path.join(dir, 'quorum.yml'), 'warehouse:\n  type: duckdb\n  threads: two\n');
    const second = await loadProject(dir, { env: {}, dialects: dialectNamed });
    expect(second.diagnostics.map((d) => [d.code, d.loc?.line])).toEqual([['invalid_value', 3]]);
  });
});

/** spill-child.ts as a child process: the spill folder it prints once DuckDB has spilled, and its end. */
function startSpillingChild(): { child: ChildProcess; folder: Promise<string>; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'support', 'spill-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const folder = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`spill-child.ts ended (${code}) before printing its spill folder`)));
  });
  return { child, folder, exited };
}

/** `quorum run` of the test CLI as a child process. */
function run(project: string, asOf: string): Promise<ChildOutput> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.QUORUM_DEBUG;
  return childOutput(spawn(process.execPath, cliArgs('run', '--project', project, '--as-of', asOf, '--json'), { env }));
}

/** Every row of every table of the state schema, in a stable order. */
async function stateRows(file: string): Promise<Record<string, unknown[]>> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (await connection.runAndReadAll("select table_name from duckdb_tables() where schema_name = 'quorum_state' order by table_name")).getRowObjectsJson();
    const rows: Record<string, unknown[]> = {};
    for (const { table_name: table } of tables) {
      rows[String(table)] = (await connection.runAndReadAll(`select * from quorum_state."${String(table)}" order by all`)).getRowObjectsJson();
    }
    return rows;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('DuckDB running out of memory during a run', () => {
  it('is a warehouse_error naming warehouse.memory_limit; the state stays as the last good run left it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'warehouse.duckdb');
    await writeAdminWarehouse(file, 2000);
    const config = (settings: string) =>
      `warehouse:\n  type: duckdb\n  path: warehouse.duckdb${settings}\nsource:\n  preset: segment\n  schema: app\n  event_time: timestamp\nstate:\n  schema: quorum_state\ndestinations:\n  audit:\n    type: file\n    path: out/calls.ndjson\n`;
    writeFileSync(path.join(dir, 'quorum.yml'), config(''));
    mkdirSync(path.join(dir, 'audiences'));
    writeFileSync(path.join(dir, 'audiences', 'admins.yml'), 'audience: admins\nlevel: user\nwhere:\n  - { trait: role, equals: Admin }\nsync:\n  - to: audit\n    calls: [identify]\n');
    const first = await run(dir, '2024-06-01T00:00:00Z');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const before = await stateRows(file);
    expect(Object.values(before).some((rows) => rows.length >= 2000)).toBe(true);

    // New members for the next run to write, under a limit too small to do it in.
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run("insert into app.identifies select 'n' || i, 'new-' || i, null, timestamp '2024-06-01 12:00', timestamp '2024-06-01 12:00', 'Admin', null from range(500) r(i)");
    connection.closeSync();
    instance.closeSync();
    // 6 MB runs out while the audience is evaluated; 4 MB already when a COMMIT of the run's start
    // needs a block, which DuckDB reports as a failed commit rather than as Out of Memory.
    let runsSoFar = before.runs.length;
    for (const limit of ['6MB', '4MB']) {
      writeFileSync(path.join(dir, 'quorum.yml'), config(`\n  memory_limit: ${limit}\n  threads: 1`));
      const starved = await run(dir, '2024-06-02T00:00:00Z');
      expect(starved.code, limit).not.toBe(0);
      const { error: diagnostic } = JSON.parse(starved.stdout) as { error: { code: string; message: string; hint: string } };
      expect(diagnostic.code, limit).toBe('warehouse_error');
      expect(diagnostic.message).toMatch(/^DuckDB ran out of memory: /);
      expect(diagnostic.hint).toContain(`raise warehouse.memory_limit in quorum.yml (now ${limit})`);
      expect(starved.stderr).not.toMatch(/\n\s+at /);
      // Every table as the good run left it, but `runs`, which records the failed run besides
      // once it has started (at 4 MB the run fails before it records itself).
      const after = await stateRows(file);
      expect(Object.keys(after)).toEqual(Object.keys(before));
      for (const table of Object.keys(before).filter((t) => t !== 'runs')) expect(after[table], `${limit}: quorum_state.${table}`).toEqual(before[table]);
      expect(after.runs).toEqual(expect.arrayContaining(before.runs));
      expect(after.runs.length - runsSoFar, limit).toBe(limit === '6MB' ? 1 : 0);
      runsSoFar = after.runs.length;
    }
  }, 60_000);
});
