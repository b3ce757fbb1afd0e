// `quorum schedule` as a real process: a real SIGTERM while it delivers to a slow HTTP endpoint.
// It finishes delivering the run in flight (every call of the outbox acknowledged, none lost),
// logs JSON lines with stable codes, and exits 0.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli-bundle.js';
import { dialectNamed } from '../../dialects/registry.js';
import { connect, openProject } from '../../src/evaluation/session.js';
import { outboxCallsFrom, outboxMessageIds } from '../support/outbox-ids.js';
import { writeOperateProject } from './support/operate-project.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('quorum schedule (a process)', () => {
  let dir: string;
  const received: string[] = [];
  let firstRequest: () => void = () => undefined;
  const firstSeen = new Promise<void>((resolve) => (firstRequest = resolve));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      firstRequest();
      // a slow endpoint: the delivery is still going when SIGTERM arrives
      setTimeout(() => {
        for (const call of (JSON.parse(body) as { batch: { messageId: string }[] }).batch) received.push(call.messageId);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"success":true}');
      }, 150);
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-schedule-process-'));
    await writeOperateProject(dir, {
      adminsSchedule: '0 0 1 1 *',
      accountsSchedule: '0 0 1 1 *',
      defaultSchedule: '0 0 1 1 *',
      audit: `    type: segment\n    write_key: \${QUORUM_TEST_WRITE_KEY}\n    endpoint: http://127.0.0.1:${port}`,
    });
    // Evaluated at the wall clock, so a condition without a time window: every admin.
    await writeFile(
      path.join(dir, 'audiences', 'admins.yml'),
      'audience: admins\nlevel: user\nschedule: "* * * * * *"\nwhere:\n  - { trait: role, equals: Admin }\nsync:\n  - to: audit\n    calls: [identify, track]\n',
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finishes delivering on SIGTERM and exits 0', async () => {
    const child = spawn(
      process.execPath,
      cliArgs('schedule', '--project', dir, '--log-format', 'json'),
      {
        cwd: ROOT,
        env: { ...process.env, QUORUM_TEST_WRITE_KEY: 'wk_test', QUORUM_BATCH_MAX_CALLS: '4' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await firstSeen;
    child.kill('SIGTERM');
    const code = await exited;
    const events = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { code: string; [k: string]: unknown });
    expect(code, stderr).toBe(0);
    const codes = events.map((e) => e.code);
    expect(codes).toContain('schedule.stopping');
    expect(codes.at(-1)).toBe('schedule.stopped');
    expect(codes.filter((c) => c === 'run.started')).toHaveLength(1);
    expect(codes.indexOf('schedule.stopping')).toBeLessThan(codes.indexOf('run.succeeded'));
    for (const stage of ['load', 'validate', 'compile', 'execute', 'diff', 'deliver']) expect(codes).toContain(`stage.${stage}`);

    process.env.QUORUM_TEST_WRITE_KEY ??= 'wk_test';
    const { project } = await openProject(dir, dialectNamed);
    const connection = await connect(project, dialectNamed);
    try {
      const rows = await connection.query(`SELECT delivered_at FROM ${await outboxCallsFrom(connection, 'quorum_state')}`);
      expect(rows.length).toBeGreaterThan(8); // more than two batches of four
      expect(rows.filter((r) => r.delivered_at === null)).toEqual([]);
      expect(new Set(received)).toEqual(new Set(await outboxMessageIds(connection, 'quorum_state')));
    } finally {
      await connection.close();
    }
  }, 60_000);
});
