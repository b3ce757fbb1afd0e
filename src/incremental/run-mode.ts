// Whether a definition's run is full or incremental (SPEC §6.1 "When it runs full"): a pure
// decision over what the state remembers of the run that committed the definition's snapshot.
// Every reason for a full run is named, so that `run --json` and `history` can say why.

export type RunMode = 'full' | 'incremental';

export type RunModeReason =
  | 'requested' // quorum run --full
  | 'disabled' // incremental.enabled: false
  | 'first_run' // no committed snapshot yet
  | 'new_destination' // its sync names a destination its snapshot was not sent to: that one gets every member (snapshot-targets.ts)
  | 'dependencies_changed' // the dependency hash differs from the one the snapshot was computed with
  | 'dependencies_unknown' // the snapshot was committed without a dependency hash (an older state, a repair)
  | 'as_of_earlier' // as_of before the previous run's: partials cannot be un-merged
  | 'full_every' // the last full run is more than incremental.full_every before as_of
  | 'not_incremental' // decided incremental, but the engine reads what it needs in full (a SQL trait, a funnel that cannot be kept, a table without an arrival column)
  | 'incremental';

export interface PreviousRun {
  /** the as_of of the run that committed the definition's snapshot */
  readonly asOf: string;
  /** null: that run recorded none */
  readonly dependencyHash: string | null;
  /** the as_of of the definition's last full run; null: unknown */
  readonly fullAsOf: string | null;
}

export interface RunModeInput {
  readonly asOf: string;
  readonly dependencyHash: string;
  readonly previous: PreviousRun | null;
  /** `quorum run --full` */
  readonly requestedFull: boolean;
  readonly incrementalEnabled: boolean;
  readonly fullEverySeconds: number | null;
  /** destinations the definition's sync names that its committed snapshot was not sent to */
  readonly newDestinations?: readonly string[];
}

export interface RunModeDecision {
  readonly mode: RunMode;
  readonly reason: RunModeReason;
  /** one sentence for people */
  readonly detail: string;
}

const full = (reason: Exclude<RunModeReason, 'incremental'>, detail: string): RunModeDecision => ({ mode: 'full', reason, detail });

export function chooseRunMode(input: RunModeInput): RunModeDecision {
  const { previous } = input;
  if (input.requestedFull) return full('requested', 'quorum run --full');
  if (!input.incrementalEnabled) return full('disabled', 'incremental.enabled is false in quorum.yml');
  if (previous === null) return full('first_run', 'the first run: no snapshot was committed before');
  if (input.newDestinations !== undefined && input.newDestinations.length > 0) {
    return full('new_destination', `the destination ${input.newDestinations.join(', ')} is new to it: it gets every current member, read in full`);
  }
  if (previous.dependencyHash === null) return full('dependencies_unknown', 'the committed snapshot records no dependency hash');
  if (previous.dependencyHash !== input.dependencyHash) {
    return full('dependencies_changed', 'the definition, a definition it uses, or the quorum.yml keys it depends on changed since the last run');
  }
  const asOf = Date.parse(input.asOf);
  if (asOf < Date.parse(previous.asOf)) return full('as_of_earlier', `as_of ${input.asOf} is earlier than the previous run's ${previous.asOf}`);
  if (input.fullEverySeconds !== null) {
    if (previous.fullAsOf === null) return full('full_every', 'no full run is recorded and incremental.full_every is set');
    if (asOf - Date.parse(previous.fullAsOf) > input.fullEverySeconds * 1000) {
      return full('full_every', `the last full run (as of ${previous.fullAsOf}) is more than incremental.full_every before as_of`);
    }
  }
  return { mode: 'incremental', reason: 'incremental', detail: 'reads the rows that are new since the previous run' };
}
