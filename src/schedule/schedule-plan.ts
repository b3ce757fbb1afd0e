// Which definition runs when: an audience's own `schedule`, else quorum.yml's `schedule.default`;
// traits have no schedule of their own. Every cron is read in `schedule.timezone` (default UTC).
import { Cron } from 'croner';
import type { Definition, Project } from '../definitions/model.js';
import { DiagnosticsError, diagnostic, failure, type Diagnostic } from '../diagnostics/diagnostic.js';

export interface ScheduledDefinition {
  readonly name: string;
  readonly cron: string;
  readonly from: 'definition' | 'project default';
}

export interface SchedulePlan {
  readonly timezone: string;
  readonly scheduled: readonly ScheduledDefinition[];
  /** Definitions without a schedule while quorum.yml has no default: `quorum schedule` leaves them out. */
  readonly unscheduled: readonly string[];
}

/** A cron expression in a time zone: the slots at which it falls due. */
export class CronSlots {
  private readonly cron: Cron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    // paused: croner only computes times here; the scheduler keeps its own (fakeable) timer.
    this.cron = new Cron(expression, { timezone, paused: true });
  }

  /** The first slot strictly after `time`. */
  after(time: Date): Date | null {
    return this.cron.nextRun(time);
  }

  /** The last slot at or before `time`. */
  atOrBefore(time: Date): Date | null {
    return this.cron.previousRuns(1, new Date(time.getTime() + 1))[0] ?? null;
  }

  /** How many slots lie in [from, to], counting at most `cap`. */
  countBetween(from: Date, to: Date, cap = 1000): number {
    let n = 0;
    let slot: Date | null = from;
    if (this.atOrBefore(from)?.getTime() !== from.getTime()) slot = this.after(from);
    while (slot && slot.getTime() <= to.getTime() && n < cap) {
      n += 1;
      slot = this.after(slot);
    }
    return n;
  }
}

/**
 * What `quorum schedule` runs. Nothing to run is an error, not a process that waits for ever: every
 * selected definition lacks a schedule, and quorum.yml has no default.
 */
export function schedulePlan(project: Project, only?: ReadonlySet<string>): SchedulePlan {
  const timezone = project.config.schedule?.timezone ?? 'UTC';
  const fallback = project.config.schedule?.default ?? null;
  const scheduled: ScheduledDefinition[] = [];
  const unscheduled: Definition[] = [];
  const problems: Diagnostic[] = [];
  for (const d of project.definitions) {
    if (only && !only.has(d.name)) continue;
    const own = d.kind === 'audience' ? d.schedule : null;
    const cron = own ?? fallback;
    if (cron === null) {
      unscheduled.push(d);
      continue;
    }
    try {
      new CronSlots(cron, timezone);
    } catch (cause) {
      // validate reads every cron with croner too: only a time zone croner refuses gets here
      const loc = own ? ((d.kind === 'audience' ? d.scheduleLoc : undefined) ?? d.loc) : (project.config.schedule?.defaultLoc ?? project.config.loc);
      const problem = `has the schedule "${cron}", which croner cannot read in the time zone ${timezone}: ${cause instanceof Error ? cause.message : String(cause)}`;
      problems.push(diagnostic('invalid_value', { form: 'rule', what: own ? `audience "${d.name}"` : 'quorum.yml "schedule.default"', problem, fix: 'write five fields: minute hour day-of-month month day-of-week, e.g. "0 */1 * * *"' }, loc));
      continue;
    }
    scheduled.push({ name: d.name, cron, from: own ? 'definition' : 'project default' });
  }
  if (problems.length > 0) throw new DiagnosticsError(problems);
  if (scheduled.length === 0) throw nothingScheduled(project, unscheduled);
  return { timezone, scheduled, unscheduled: unscheduled.map((d) => d.name) };
}

function nothingScheduled(project: Project, unscheduled: readonly Definition[]): DiagnosticsError {
  const names = unscheduled.map((d) => d.name);
  const shown = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}`;
  const listed = names.length === 0 ? 'no definition is selected' : names.length === 1 ? `"${names[0]}" has no schedule of its own` : `none of the ${names.length} definitions (${shown}) has a schedule of its own`;
  return failure(
    'invalid_value',
    { form: 'rule', what: 'quorum schedule', problem: `has nothing to run: ${listed}, and quorum.yml has no "schedule": "default"`, fix: 'add schedule: "<cron>" to an audience, or schedule: { default: "0 * * * *" } to quorum.yml (traits run on the default); `quorum run` runs definitions once' },
    unscheduled[0]?.loc ?? project.config.loc,
  );
}
