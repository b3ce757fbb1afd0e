// `quorum schedule`: a long-running loop over the definitions' cron slots.
//
// - Every definition has a next slot. When slots fall due, every definition due at that moment
//   goes into ONE run (one compiled statement, so shared CTEs are computed once).
// - Runs are strictly one after the other in this process, and the warehouse lock keeps other
//   processes out; a run that finds the lock held waits and tries again.
// - Catch-up policy: a definition whose slots passed while nothing ran for it (quorum schedule was
//   down, or a run outlasted the interval) runs ONCE, at once, evaluated as of its latest passed
//   slot; the slots in between are not replayed. A definition that has never run waits for its
//   next slot (run `quorum run` to start it now).
// - A run that cannot start or finish (warehouse unreachable, lock held, any unexpected error) is
//   tried again with exponential backoff; definitions that fall due meanwhile join the retry.
//   A run that finished with problems (guardrail, failing destination) is not retried: its calls
//   wait in the outbox and go out first in the next run.
// - stop() (SIGTERM / SIGINT) lets the run in flight finish delivering, then start() resolves.
//   So does a schedule whose crons have no slot ahead any more (schedulePlan refuses one with
//   nothing to run at all, and validate a cron that never falls due).
//
// Time comes from Date.now() and setTimeout only, so tests drive it with fake timers.
import type { DiagnosticCode } from '../diagnostics/diagnostic.js';
import { DiagnosticsError } from '../diagnostics/diagnostic.js';
import type { Logger } from '../logging/logger.js';
import type { RunOutput } from '../sync/run.js';
import { CronSlots, type SchedulePlan } from './schedule-plan.js';

export interface ScheduledRun {
  readonly definitions: readonly string[];
  /** The slot the run stands for: the latest due slot. */
  readonly asOf: string;
  readonly reason: 'schedule' | 'catch-up';
  /** 1 for the first try of these slots, then 2, 3, ... */
  readonly attempt: number;
}

export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_SCHEDULER_RETRY: RetryPolicy = { initialMs: 15_000, maxMs: 10 * 60_000 };

/** A run later than this after its slot is logged as a catch-up. */
const LATE_MS = 60_000;
/** The longest single sleep; the loop re-reads the clock after it (clock changes, suspend). */
const MAX_SLEEP_MS = 60 * 60_000;

export interface SchedulerOptions {
  readonly plan: SchedulePlan;
  readonly execute: (job: ScheduledRun) => Promise<RunOutput>;
  /** For each definition, the as_of of the latest run that evaluated it (from the runs table). */
  readonly lastRuns: () => Promise<ReadonlyMap<string, string>>;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
}

/** Errors worth trying again: the warehouse (or the lock) may be back in a while. */
const RETRYABLE: ReadonlySet<DiagnosticCode> = new Set(['warehouse_unreachable', 'warehouse_error', 'state_locked']);

export function isRetryable(cause: unknown): boolean {
  if (cause instanceof DiagnosticsError) return cause.diagnostics.some((d) => RETRYABLE.has(d.code));
  return true;
}

function describeError(cause: unknown): string {
  if (cause instanceof DiagnosticsError) return cause.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ');
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}

export type SchedulerState = 'starting' | 'running' | 'sleeping' | 'stopped';

export class Scheduler {
  private readonly slots: Map<string, CronSlots>;
  private readonly next = new Map<string, Date>();
  private readonly retry: RetryPolicy;
  private stopping: string | null = null;
  private wake: (() => void) | null = null;
  private stateValue: SchedulerState = 'starting';
  private readonly watchers: { state: SchedulerState; resolve: () => void }[] = [];
  /** Runs started, for tests and for the final log line. */
  runs = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.retry = options.retry ?? DEFAULT_SCHEDULER_RETRY;
    this.slots = new Map(options.plan.scheduled.map((d) => [d.name, new CronSlots(d.cron, options.plan.timezone)]));
  }

  get state(): SchedulerState {
    return this.stateValue;
  }

  /** Resolves when the scheduler is (or next becomes) `state`. */
  when(state: SchedulerState): Promise<void> {
    if (this.stateValue === state) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ state, resolve }));
  }

  /** Ask the loop to end: a run in flight finishes (and delivers) first. */
  stop(reason: string): void {
    if (this.stopping !== null) return;
    this.stopping = reason;
    this.options.logger.event('info', 'schedule.stopping', this.stateValue === 'running' ? 'finishing the run in flight' : '', {
      signal: reason,
    });
    this.wake?.();
  }

  /** Runs until stop(), or until no cron has a slot ahead; resolves with the process exit code (0). */
  async start(): Promise<number> {
    const { logger, plan } = this.options;
    logger.event('info', 'schedule.started', '', {
      timezone: plan.timezone,
      definitions: plan.scheduled.map((d) => `${d.name}@${d.cron}`),
    });
    if (plan.unscheduled.length > 0) {
      logger.event('warn', 'schedule.unscheduled', 'no schedule and no schedule.default in quorum.yml; these are not run', {
        definitions: plan.unscheduled,
      });
    }
    const last = await this.readLastRuns();
    if (last !== null) {
      this.initialise(last);
      let attempt = 1;
      while (this.stopping === null) {
        const now = new Date(Date.now());
        const due = [...this.next].filter(([, at]) => at.getTime() <= now.getTime()).map(([name]) => name);
        if (due.length === 0) {
          attempt = 1;
          if (this.next.size === 0) {
            // Waiting for nothing would leave the process with no timer, and Node would end it with 13.
            logger.event('info', 'schedule.next', 'nothing is scheduled any more: no cron has a slot ahead; stopping', {});
            break;
          }
          await this.sleepUntilNext(now);
          continue;
        }
        const asOf = new Date(Math.max(...due.map((name) => this.slots.get(name)!.atOrBefore(now)!.getTime())));
        const late = due.filter((name) => now.getTime() - this.next.get(name)!.getTime() > LATE_MS);
        if (late.length > 0 && attempt === 1) {
          logger.event('info', 'schedule.catch_up', 'missed slots are not replayed; one run stands for them', {
            definitions: late,
            missed: Math.max(...late.map((name) => this.slots.get(name)!.countBetween(this.next.get(name)!, now))),
            as_of: asOf.toISOString(),
          });
        }
        const outcome = await this.runOnce({
          definitions: due,
          asOf: asOf.toISOString(),
          reason: late.length > 0 ? 'catch-up' : 'schedule',
          attempt,
        });
        if (outcome === 'retry') {
          const delay = Math.min(this.retry.initialMs * 2 ** (attempt - 1), this.retry.maxMs);
          attempt += 1;
          await this.sleep(delay);
          continue;
        }
        attempt = 1;
        for (const name of due) this.advance(name, asOf);
      }
    }
    this.setState('stopped');
    logger.event('info', 'schedule.stopped', '', { runs: this.runs, signal: this.stopping ?? undefined });
    return 0;
  }

  /** The next slot of every definition: after its last run, else after now. */
  private initialise(last: ReadonlyMap<string, string>): void {
    const now = new Date(Date.now());
    for (const [name, slots] of this.slots) {
      const previous = last.get(name);
      const from = previous !== undefined && Date.parse(previous) < now.getTime() ? new Date(previous) : now;
      const at = slots.after(from);
      if (at) this.next.set(name, at);
    }
  }

  private advance(name: string, asOf: Date): void {
    const at = this.slots.get(name)!.after(asOf);
    if (at) this.next.set(name, at);
    else this.next.delete(name); // a cron with no future slot (a fixed date that passed)
  }

  /** The runs table, read once at start; retried while the warehouse is down. null: stopped. */
  private async readLastRuns(): Promise<ReadonlyMap<string, string> | null> {
    for (let attempt = 1; this.stopping === null; attempt += 1) {
      try {
        return await this.options.lastRuns();
      } catch (cause) {
        if (!isRetryable(cause)) throw cause;
        const delay = Math.min(this.retry.initialMs * 2 ** (attempt - 1), this.retry.maxMs);
        this.options.logger.event('warn', 'run.retry', 'cannot read the run history', {
          attempt,
          retry_in_ms: delay,
          error: describeError(cause),
        });
        await this.sleep(delay);
      }
    }
    return null;
  }

  private async runOnce(job: ScheduledRun): Promise<'done' | 'retry'> {
    const { logger } = this.options;
    this.setState('running');
    this.runs += 1;
    try {
      await this.options.execute(job);
      return 'done';
    } catch (cause) {
      const retryable = isRetryable(cause);
      const delay = Math.min(this.retry.initialMs * 2 ** (job.attempt - 1), this.retry.maxMs);
      logger.event(retryable ? 'warn' : 'error', retryable ? 'run.retry' : 'run.failed', describeError(cause), {
        definitions: job.definitions,
        as_of: job.asOf,
        attempt: job.attempt,
        ...(retryable ? { retry_in_ms: delay } : { next: 'the next slot' }),
      });
      return retryable ? 'retry' : 'done';
    }
  }

  private async sleepUntilNext(now: Date): Promise<void> {
    const upcoming = [...this.next].sort((a, b) => a[1].getTime() - b[1].getTime());
    const at = upcoming[0][1];
    const names = upcoming.filter(([, t]) => t.getTime() === at.getTime()).map(([n]) => n);
    this.options.logger.event('info', 'schedule.next', '', { at: at.toISOString(), definitions: names });
    await this.sleep(Math.min(at.getTime() - now.getTime(), MAX_SLEEP_MS));
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
      this.setState('sleeping');
    });
  }

  private setState(state: SchedulerState): void {
    this.stateValue = state;
    for (let i = this.watchers.length - 1; i >= 0; i -= 1) {
      if (this.watchers[i].state === state) {
        this.watchers[i].resolve();
        this.watchers.splice(i, 1);
      }
    }
  }
}

/** SIGTERM / SIGINT stop the scheduler gently; a second one exits at once (the outbox keeps what was not delivered). */
export function stopOnSignals(
  scheduler: Scheduler,
  logger: Logger,
  target: NodeJS.EventEmitter = process,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let received = 0;
  const handler = (signal: string) => {
    received += 1;
    if (received === 1) {
      scheduler.stop(signal);
      return;
    }
    logger.event('warn', 'schedule.stopped', 'second signal: exiting now; undelivered calls stay in the outbox for the next run', {
      signal,
    });
    exit(130);
  };
  const onTerm = () => handler('SIGTERM');
  const onInt = () => handler('SIGINT');
  target.on('SIGTERM', onTerm);
  target.on('SIGINT', onInt);
  return () => {
    target.off('SIGTERM', onTerm);
    target.off('SIGINT', onInt);
  };
}
