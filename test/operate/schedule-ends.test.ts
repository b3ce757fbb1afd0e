// quorum schedule when no cron has a slot ahead any more: it stops with exit code 0 and says why.
// It used to wait on a sleep with no timer, and Node ended the process with code 13.
import { afterEach, expect, it, vi } from 'vitest';
import { memoryLogger } from '../../src/logging/logger.js';
import { CronSlots } from '../../src/schedule/schedule-plan.js';
import { Scheduler, type ScheduledRun } from '../../src/schedule/scheduler.js';
import type { RunOutput } from '../../src/sync/run.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

it('stops with exit code 0 after the last slot, instead of waiting for nothing', { timeout: 10_000 }, async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2024-06-03T10:02:00Z') });
  // croner's five fields always have a slot ahead (validate refuses one that never falls due), so
  // the end of a schedule is made here: no slot after 10:05
  const after = CronSlots.prototype.after;
  const last = Date.parse('2024-06-03T10:05:00Z');
  vi.spyOn(CronSlots.prototype, 'after').mockImplementation(function (this: CronSlots, time: Date) {
    const next = after.call(this, time);
    return next !== null && next.getTime() <= last ? next : null;
  });
  const logger = memoryLogger();
  const runs: ScheduledRun[] = [];
  const scheduler = new Scheduler({
    plan: { timezone: 'UTC', scheduled: [{ name: 'a', cron: '*/5 * * * *', from: 'definition' }], unscheduled: [] },
    logger,
    lastRuns: () => Promise.resolve(new Map()),
    execute: (job) => {
      runs.push(job);
      return Promise.resolve({} as RunOutput);
    },
  });
  const done = scheduler.start();
  await vi.advanceTimersByTimeAsync(3 * 60_000);
  expect(await done).toBe(0);
  expect(runs.map((r) => r.asOf)).toEqual(['2024-06-03T10:05:00.000Z']);
  expect(logger.events.slice(-2).map((e) => [e.code, e.message])).toEqual([
    ['schedule.next', 'nothing is scheduled any more: no cron has a slot ahead; stopping'],
    ['schedule.stopped', ''],
  ]);
  expect(scheduler.state).toBe('stopped');
});
