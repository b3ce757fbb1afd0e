// quorum schedule on a fake clock (vitest timers fake setTimeout and Date) against a real DuckDB
// warehouse: runs happen at their slots, due-together definitions share one run, a run never
// overlaps another, SIGTERM in the middle of delivery loses nothing, catch-up runs once, and a
// warehouse that is down is retried with backoff.
import { EventEmitter } from 'node:events';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { openProject } from '../../src/evaluation/session.js';
import { loggedRun } from '../../src/logging/logged-run.js';
import { memoryLogger, type LogEvent } from '../../src/logging/logger.js';
import { lastRuns } from '../../src/schedule/last-runs.js';
import { schedulePlan } from '../../src/schedule/schedule-plan.js';
import { Scheduler, stopOnSignals } from '../../src/schedule/scheduler.js';
import { acquireLock } from '../../src/sync/lock.js';
import { history } from '../../src/sync/history.js';
import { ensureStateTables } from '../../src/sync/state-sql.js';
import { outboxCallsFrom } from '../support/outbox-ids.js';
import { RecordingDestination, withConnection, writeOperateProject, type OperateProjectOptions } from './support/operate-project.js';

const STATE = 'quorum_state';

interface Harness {
  readonly scheduler: Scheduler;
  readonly events: LogEvent[];
  readonly audit: RecordingDestination;
  readonly done: Promise<number>;
  /** Moves the fake clock to `iso` and waits until the scheduler sleeps again. */
  advanceTo(iso: string): Promise<void>;
  started(): LogEvent[];
}

async function startScheduler(dir: string, options: { maxCalls?: number } = {}): Promise<Harness> {
  const { project } = await openProject(dir, dialectNamed);
  const logger = memoryLogger();
  const audit = new RecordingDestination('audit', options.maxCalls);
  const destinations = new Map([['audit', audit]]);
  const scheduler = new Scheduler({
    plan: schedulePlan(project),
    logger,
    retry: { initialMs: 1000, maxMs: 8000 },
    lastRuns: () => withConnection(dir, (c) => lastRuns(c, STATE)),
    execute: (job) =>
      loggedRun({
        root: dir,
        dialects: dialectNamed,
        definitions: job.definitions,
        asOf: job.asOf,
        logger,
        destinations,
        context: { reason: job.reason },
      }),
  });
  const done = scheduler.start();
  await scheduler.when('sleeping');
  return {
    scheduler,
    events: logger.events,
    audit,
    done,
    async advanceTo(iso) {
      await vi.advanceTimersByTimeAsync(Date.parse(iso) - Date.now());
      await scheduler.when('sleeping');
    },
    started: () => logger.events.filter((e) => e.code === 'run.started'),
  };
}

let dir: string;

async function project(now: string, options?: OperateProjectOptions): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-schedule-'));
  await writeOperateProject(dir, options);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date(now) });
}

beforeEach(() => {
  vi.useRealTimers();
});

afterEach(async () => {
  vi.useRealTimers();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const nextEvent = (events: LogEvent[]) => events.filter((e) => e.code === 'schedule.next').at(-1);

describe('quorum schedule', () => {
  it('runs each definition at its slots, due-together definitions in one run', async () => {
    await project('2024-06-03T10:02:00Z', { adminsSchedule: '*/15 * * * *', accountsSchedule: '*/30 * * * *' });
    const h = await startScheduler(dir);
    expect(h.started()).toHaveLength(0); // never ran: nothing to catch up, wait for the slots
    expect(nextEvent(h.events)).toMatchObject({ at: '2024-06-03T10:15:00.000Z', definitions: ['active_admins'] });

    await h.advanceTo('2024-06-03T10:14:59Z');
    expect(h.started()).toHaveLength(0);
    // The fake clock moves slot by slot: it does not wait for the warehouse, so one big jump
    // would land in the middle of a run.
    for (const t of ['10:15', '10:30', '10:45', '11:00']) await h.advanceTo(`2024-06-03T${t}:00Z`);
    expect(h.started().map((e) => [e.as_of, e.definitions, e.reason])).toEqual([
      ['2024-06-03T10:15:00.000Z', ['active_admins'], 'schedule'],
      ['2024-06-03T10:30:00.000Z', ['active_accounts', 'active_admins'], 'schedule'],
      ['2024-06-03T10:45:00.000Z', ['active_admins'], 'schedule'],
      ['2024-06-03T11:00:00.000Z', ['active_accounts', 'active_admins', 'logins_3d'], 'schedule'],
    ]);
    // every stage was logged with its timing
    for (const stage of ['load', 'validate', 'compile', 'execute', 'diff', 'deliver']) {
      expect(
        h.events.some((e) => e.code === `stage.${stage}` && typeof e.ms === 'number'),
        stage,
      ).toBe(true);
    }
    expect(h.events.filter((e) => e.code === 'run.succeeded')).toHaveLength(4);

    // one row per run in the warehouse, the shared one listing every definition it evaluated
    const recorded = await withConnection(dir, (c) => history(c, STATE));
    expect(recorded).toHaveLength(4);
    expect(recorded[0].definitions.map((d) => d.name)).toEqual(['active_accounts', 'active_admins', 'logins_3d']);
    expect(recorded.every((r) => r.status === 'succeeded')).toBe(true);
    h.scheduler.stop('test');
    expect(await h.done).toBe(0);
  });

  it('never overlaps: slots that pass during a long run wait for it, then run once', async () => {
    await project('2024-06-03T10:02:00Z');
    const h = await startScheduler(dir);
    const entered = h.audit.close_gate();
    const advancing = vi.advanceTimersByTimeAsync(3 * 60_000); // 10:05: the admins' run starts
    await entered; // ... and is now delivering, held by the destination
    await advancing;
    expect(h.scheduler.state).toBe('running');
    await vi.advanceTimersByTimeAsync(11 * 60_000 + 30_000); // 10:16:30: the 10:10 and 10:15 slots pass
    expect(h.started()).toHaveLength(1);
    h.audit.open();
    await h.scheduler.when('sleeping');
    const runs = h.started();
    expect(runs.map((e) => [e.as_of, e.definitions, e.reason])).toEqual([
      ['2024-06-03T10:05:00.000Z', ['active_admins'], 'schedule'],
      ['2024-06-03T10:15:00.000Z', ['active_accounts', 'active_admins'], 'catch-up'],
    ]);
    expect(h.events.find((e) => e.code === 'schedule.catch_up')).toMatchObject({
      definitions: ['active_accounts', 'active_admins'],
      missed: 2,
    });
    expect(nextEvent(h.events)).toMatchObject({ at: '2024-06-03T10:20:00.000Z' });
    h.scheduler.stop('test');
    await h.done;
  });

  it('waits while another process holds the state lock, and runs once it is free', async () => {
    await project('2024-06-03T10:02:00Z');
    const h = await startScheduler(dir);
    // Another quorum run (another process, as far as the lock can tell) holds the state schema.
    await withConnection(dir, async (c) => {
      await ensureStateTables(c, STATE);
      await acquireLock(c, STATE, 'r-other-process', { ttlSeconds: 3600 });
    });
    await h.advanceTo('2024-06-03T10:05:00Z');
    expect(h.events.filter((e) => e.code === 'run.retry')).toHaveLength(1);
    expect(h.events.find((e) => e.code === 'run.retry')).toMatchObject({ retry_in_ms: 1000, attempt: 1 });
    expect(String(h.events.find((e) => e.code === 'run.retry')!.message)).toContain('state_locked');
    await h.advanceTo('2024-06-03T10:05:01Z');
    expect(h.events.filter((e) => e.code === 'run.retry')).toHaveLength(2);
    await withConnection(dir, (c) => c.execute(`DELETE FROM ${STATE}.lock`)); // the other run finished
    await h.advanceTo('2024-06-03T10:05:03Z');
    expect(h.events.filter((e) => e.code === 'run.succeeded').map((e) => e.as_of)).toEqual(['2024-06-03T10:05:00.000Z']);
    h.scheduler.stop('test');
    await h.done;
  });

  it('on SIGTERM in the middle of delivery, delivers everything in flight and exits 0', async () => {
    await project('2024-06-03T10:02:00Z');
    const h = await startScheduler(dir, { maxCalls: 3 });
    const signals = new EventEmitter();
    const exits: number[] = [];
    const dispose = stopOnSignals(h.scheduler, memoryLogger(), signals, (code) => exits.push(code));
    const entered = h.audit.close_gate();
    const advancing = vi.advanceTimersByTimeAsync(8 * 60_000); // 10:10: both audiences, many calls
    await entered; // the first batch of three calls is at the destination
    await advancing;
    signals.emit('SIGTERM');
    expect(h.scheduler.state).toBe('running');
    h.audit.open();
    expect(await h.done).toBe(0);
    expect(exits).toEqual([]);
    dispose();

    const outbox = await withConnection(dir, async (c) => c.query(`SELECT count(*) AS n, count(delivered_at) AS delivered FROM ${await outboxCallsFrom(c, STATE)}`));
    expect(Number(outbox[0].n)).toBeGreaterThan(3 * 3);
    expect(Number(outbox[0].delivered)).toBe(Number(outbox[0].n));
    expect(h.audit.calls).toHaveLength(Number(outbox[0].n));
    expect(new Set(h.audit.calls.map((c) => c.messageId)).size).toBe(h.audit.calls.length);
    const codes = h.events.map((e) => e.code);
    expect(codes.indexOf('schedule.stopping')).toBeLessThan(codes.indexOf('run.succeeded'));
    expect(codes.at(-1)).toBe('schedule.stopped');
    // stopped for good: later slots start nothing
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(h.started()).toHaveLength(1);
  });

  it('catches up after downtime with one run as of the latest missed slot, not a burst', async () => {
    await project('2024-06-03T06:00:00Z', { adminsSchedule: '0 * * * *', accountsSchedule: '30 */2 * * *' });
    // quorum ran at 06:00 (admins) and 04:30 (accounts), then was down until 10:40
    for (const [asOf, names] of [
      ['2024-06-03T04:30:00Z', ['active_accounts']],
      ['2024-06-03T06:00:00Z', ['active_admins']],
    ] as const) {
      await loggedRun({
        root: dir,
        dialects: dialectNamed,
        definitions: names,
        asOf,
        logger: memoryLogger(),
        destinations: new Map([['audit', new RecordingDestination('audit')]]),
      });
    }
    vi.setSystemTime(new Date('2024-06-03T10:40:00Z'));
    const h = await startScheduler(dir);
    const runs = h.started();
    expect(runs.map((e) => [e.as_of, e.definitions, e.reason])).toEqual([
      ['2024-06-03T10:30:00.000Z', ['active_accounts', 'active_admins'], 'catch-up'],
    ]);
    const catchUp = h.events.find((e) => e.code === 'schedule.catch_up')!;
    expect(catchUp).toMatchObject({ as_of: '2024-06-03T10:30:00.000Z', missed: 4 }); // admins missed 07:00 ... 10:00
    // the trait never ran: it waits for its slot; then the schedule goes on as usual
    expect(runs[0].definitions).not.toContain('logins_3d');
    expect(nextEvent(h.events)).toMatchObject({ at: '2024-06-03T11:00:00.000Z', definitions: ['active_admins', 'logins_3d'] });
    await h.advanceTo('2024-06-03T11:00:00Z');
    expect(h.started().map((e) => e.reason)).toEqual(['catch-up', 'schedule']);
    h.scheduler.stop('test');
    await h.done;
  });

  it('survives a warehouse that is down for a while, retrying with backoff', async () => {
    await project('2024-06-03T10:02:00Z');
    const h = await startScheduler(dir);
    const file = path.join(dir, 'warehouse.duckdb');
    await rename(file, `${file}.away`);
    await h.advanceTo('2024-06-03T10:05:00Z');
    await h.advanceTo('2024-06-03T10:05:01Z');
    await h.advanceTo('2024-06-03T10:05:03Z');
    const retries = h.events.filter((e) => e.code === 'run.retry');
    expect(retries.map((e) => e.retry_in_ms)).toEqual([1000, 2000, 4000]);
    expect(String(retries[0].message)).toContain('warehouse_unreachable');
    await rename(`${file}.away`, file);
    await h.advanceTo('2024-06-03T10:05:07Z');
    expect(h.events.filter((e) => e.code === 'run.succeeded').map((e) => e.as_of)).toEqual(['2024-06-03T10:05:00.000Z']);
    // the backoff starts over after a success
    await h.advanceTo('2024-06-03T10:10:00Z');
    expect(h.events.filter((e) => e.code === 'run.succeeded')).toHaveLength(2);
    h.scheduler.stop('test');
    await h.done;
  });
});
