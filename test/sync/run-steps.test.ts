// `quorum run` as named steps (src/sync/steps/): the list is in SPEC §6's order, each step's crash
// point comes in the order the crash tests kill at, a real run logs every step and begins the
// operator-log stages the bench reads, and a failing step stops the run with its exit work done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../src/sync/crash.js';
import { RUN_STEPS } from '../../src/sync/steps/run-steps.js';
import { receiverForFile, runAt, tempDir, withSession } from './support/harness.js';
import { AS_OFS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver } from './support/receiver.js';

const receiver = receiverForFile();

describe('the steps of quorum run', () => {
  it('are lock, check state, evaluate, diff, outbox, snapshot, deliver, prune, in that order', () => {
    expect(RUN_STEPS.names()).toEqual([
      'lock',
      'check-state',
      'record-run',
      'deliver-leftovers',
      'run-mode',
      'prepare-incremental',
      '[evaluate',
      'diff',
      'guardrail',
      'outbox',
      'snapshot',
      'record-modes',
      'clear-staging',
      'summarise]',
      'refresh-statistics',
      'deliver',
      'prune',
      'finish',
    ]);
  });

  it('pass their crash points in the order src/sync/crash.ts lists them', () => {
    const points = RUN_STEPS.crashPoints();
    expect(points.length).toBeGreaterThanOrEqual(10);
    const positions = points.map((p) => (CRASH_POINTS as readonly string[]).indexOf(p));
    expect(positions.filter((i) => i < 0)).toEqual([]);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('log each step and begin the stages compile, deliver (leftovers), execute, diff, deliver', async () => {
    const dir = await tempDir('steps');
    await writeProject(dir, { endpoint: `${receiver().url}/steps`, dataset: makeDataset({ users: 12, logins: 40 }) });
    const stages: string[] = [];
    const lines: string[] = [];
    const output = await runAt(dir, AS_OFS[1], { onStage: (stage, detail) => stages.push(detail ? `${stage}:${detail}` : stage), log: (line) => lines.push(line) });
    expect(output.errors).toEqual([]);
    expect(stages).toEqual(['compile', 'deliver:leftovers', 'execute', 'diff', 'deliver']);
    const done = lines.filter((l) => l.startsWith('step ')).map((l) => /^step (\S+) done in \d+ ms$/.exec(l)?.[1]);
    expect(done).toEqual(RUN_STEPS.names().map((n) => n.replace(/[[\]]/g, '')));
  });

  it('stop at a failing step: the run row is failed, the lock released, nothing after it done', async () => {
    const dir = await tempDir('steps-fail');
    await writeProject(dir, { endpoint: `${receiver().url}/steps-fail`, dataset: makeDataset({ users: 12, logins: 40 }) });
    const lines: string[] = [];
    // The stage hook throws as the diff stage begins, inside the transaction: the diff never starts.
    const onStage = (stage: string) => {
      if (stage === 'diff') throw new Error('the warehouse went away');
    };
    await expect(runAt(dir, AS_OFS[1], { onStage, log: (line) => lines.push(line) })).rejects.toThrow('the warehouse went away');
    expect(lines.filter((l) => l.startsWith('step ')).map((l) => l.split(' ')[1])).toEqual(['lock', 'check-state', 'record-run', 'deliver-leftovers', 'run-mode', 'prepare-incremental', 'evaluate']);
    await withSession(dir, async (s) => {
      const runs = await s.connection.query('SELECT status, summary FROM quorum_state.runs');
      expect(runs.map((r) => r.status)).toEqual(['failed']);
      expect(String(runs[0].summary)).toContain('the warehouse went away');
      expect(Number((await s.connection.query('SELECT COUNT(*) AS n FROM quorum_state.lock'))[0].n)).toBe(0);
      expect(Number((await s.connection.query('SELECT COUNT(*) AS n FROM quorum_state.outbox'))[0].n)).toBe(0);
      expect(Number((await s.connection.query('SELECT COUNT(*) AS n FROM quorum_state.snapshots'))[0].n)).toBe(0);
    });
    // The next run starts clean and delivers everything.
    const output = await runAt(dir, AS_OFS[1]);
    expect(output.errors).toEqual([]);
    expect(Object.values(output.delivered).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('deliver what earlier runs left in the outbox before the new changes are computed (SPEC §6)', async () => {
    const down = await startReceiver({ writeKey: WRITE_KEY, faults: { always: 503 } });
    try {
      const dir = await tempDir('steps-leftovers');
      await writeProject(dir, {
        endpoint: `${receiver().url}/steps-leftovers`,
        dataset: makeDataset({ users: 12, logins: 40 }),
        extraDestinations: { down: `{ type: segment, write_key: "\${QUORUM_TEST_WRITE_KEY}", endpoint: "${down.url}" }` },
        extraTargets: ['- to: down'],
      });
      const first = await runAt(dir, AS_OFS[1]);
      expect(first.failed.down).toBeGreaterThan(0);
      down.faults = {};
      let arrivedBeforeExecute = -1;
      const second = await runAt(dir, AS_OFS[2], { onStage: (stage) => (stage === 'execute' ? (arrivedBeforeExecute = down.calls().length) : undefined) });
      expect(second.failed).toEqual({});
      expect(arrivedBeforeExecute).toBe(first.failed.down);
      expect(down.calls().length).toBe(second.delivered.down);
    } finally {
      await down.close();
    }
  });
});
