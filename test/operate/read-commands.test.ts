// `members` and `preview` only read (issue 15 §5): on an embedded DuckDB they open the warehouse
// read-only, and a CLI process loads only the command it runs.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AS_OF } from '../../fixtures/demo/generate-warehouse.js';
import { copyDemoProject } from '../support/demo-project.js';
import { commandNamed } from '../../src/cli/main.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/sync/support/quorum-cli.ts'), ...args], { cwd: ROOT });

describe('the command a CLI process loads', () => {
  it('is the one named first, past the values of global options', () => {
    expect(commandNamed(['members', 'at_risk_accounts'])).toBe('members');
    expect(commandNamed(['--project', 'run', '--json', 'preview', 'x'])).toBe('preview');
    expect(commandNamed(['--as-of', '2024-06-01T00:00:00Z', 'run'])).toBe('run');
  });

  it('is every command for help, an unknown word or patterns before the command', () => {
    expect(commandNamed([])).toBeNull();
    expect(commandNamed(['--help'])).toBeNull();
    expect(commandNamed(['help', 'members'])).toBeNull();
    expect(commandNamed(['memebrs'])).toBeNull();
    expect(commandNamed(['--select', 'at_*', 'run'])).toBeNull();
  });
});

describe('members and preview on an embedded DuckDB', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-read-only-'));
    await copyDemoProject(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('open it read-only: they run while another process holds it read-only, which a writer cannot', async () => {
    // DuckDB locks the file: shared for read-only processes, exclusive for a writer.
    const holder = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
    try {
      const members = await cli('members', 'at_risk_accounts', '--project', dir, '--as-of', DEMO_AS_OF, '--json');
      expect((JSON.parse(members.stdout) as { members: unknown[] }).members.length).toBeGreaterThan(0);
      const preview = await cli('preview', 'at_risk_accounts', '--project', dir, '--as-of', DEMO_AS_OF, '--json');
      expect((JSON.parse(preview.stdout) as { size: number }).size).toBe((JSON.parse(members.stdout) as { members: unknown[] }).members.length);
      await expect(cli('run', '--project', dir, '--as-of', DEMO_AS_OF, '--dry-run', '--json')).rejects.toThrow();
    } finally {
      holder.closeSync();
    }
  }, 120_000);
});
