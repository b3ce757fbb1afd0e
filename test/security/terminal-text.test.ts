// Warehouse text printed for a person: ids and trait values come from whatever a visitor's browser
// sent through Segment, so an id holding ESC sequences or a newline must not reach the terminal
// raw (it could retitle the window, erase lines or forge a line of quorum's output). preview,
// explain and run --dry-run show control characters as escapes; CSV and JSON keep the exact value.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalText } from '../../src/cli/terminal-text.js';
import { cliArgs } from '../support/cli-bundle.js';
import { copyDemoProject } from '../support/demo-project.js';

const AS_OF = '2024-06-01T00:00:00Z';
// sorts before every demo id, so it is in each sample; retitles an xterm, then forges a line
const EVIL_ID = '\u0001evil\u001b]0;pwned\u0007\nquorum: all good\u202e';
const EVIL_EMAIL = 'x@y.z\u001b[2K\u001b[1A\r';

let dir: string;
let demo: string;

function quorum(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, cliArgs(...args, '--project', demo, '--as-of', AS_OF), { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

function expectNoRawControls(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(text).not.toMatch(/^quorum: all good/m);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-terminal-'));
  demo = path.join(dir, 'demo');
  await copyDemoProject(demo);
  const instance = await DuckDBInstance.create(path.join(demo, 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    const row = "(?, ?, NULL, TIMESTAMP '2024-05-20 10:00:00', TIMESTAMP '2024-05-20 10:00:00', ?)";
    await connection.run(`INSERT INTO app.identifies (id, user_id, anonymous_id, "timestamp", received_at, email) VALUES ${row}`, ['evil-1', EVIL_ID, EVIL_EMAIL]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await writeFile(path.join(demo, 'audiences', 'with_email.yml'), 'audience: with_email\nlevel: user\nwhere:\n  - { trait: email, contains: "@" }\n');
  await writeFile(path.join(demo, 'traits', 'their_email.yml'), "sql_trait: their_email\nlevel: user\nsql: |\n  select user_id, max(email) as their_email from {{ source('identifies') }} where user_id is not null group by 1\n");
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('warehouse text in human output', () => {
  it('escapes control and bidi characters as JSON does, and leaves other text alone', () => {
    expect(terminalText(EVIL_ID)).toBe('\\u0001evil\\u001b]0;pwned\\u0007\\nquorum: all good\\u202e');
    expect(terminalText('Zoë 日本 tab\there')).toBe('Zoë 日本 tab\\there');
  });

  it('preview, explain and run --dry-run print ids and values escaped', async () => {
    const previewed = await quorum('preview', 'their_email');
    expect(previewed).toContain(`${terminalText(EVIL_ID)} = ${terminalText(EVIL_EMAIL)}`);
    const explained = await quorum('explain', 'with_email', EVIL_ID);
    expect(explained).toContain(`for user ${terminalText(EVIL_ID)} as of`);
    expect(explained).toContain(`= ${terminalText(EVIL_EMAIL)}`);
    const dryRun = await quorum('run', 'with_email', '--dry-run');
    expect(dryRun).toContain(`entered: ${terminalText(EVIL_ID)}`);
    for (const out of [previewed, explained, dryRun]) expectNoRawControls(out);
  }, 120_000);

  it('members keeps the exact value in JSON and CSV', async () => {
    const listed = JSON.parse(await quorum('members', 'their_email', '--json')) as { members: { id: string; value: unknown }[] };
    expect(listed.members.find((m) => m.id === EVIL_ID)?.value).toBe(EVIL_EMAIL);
    const csv = await quorum('members', 'their_email');
    expect(csv).toContain(EVIL_EMAIL);
  }, 120_000);
});
