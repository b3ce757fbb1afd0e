// The shape of a `quorum run` step (SPEC §6). A step is one named function over a typed context:
// it reads what the request and the earlier steps put there, and returns the fields it adds. The
// list of steps (run-steps.ts) is built with `steps<C>().then(step)...`, so a step that needs a
// field no earlier step provides does not compile. A step may name the operator-log stage that
// begins with it (the `stage.*` events keep their names) and the crash point passed when it is done.
import type { Destination } from '../../destinations/destination.js';
import type { Project } from '../../definitions/model.js';
import type { Plan } from '../../plan/plan.js';
import type { WarehouseConnection } from '../../warehouse/connection.js';
import type { CrashPoint } from '../crash.js';
import type { RunStamp, SyncDefinition } from '../diff-sql.js';
import type { RunRequest, RunStage } from '../run-types.js';
import type { StateWriter } from '../state-sql.js';

/** What every step can read: the request, compiled, and a writer on the warehouse connection. */
export interface RunContext {
  readonly request: RunRequest;
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly schema: string;
  readonly stamp: RunStamp;
  readonly plan: Plan;
  readonly definitions: readonly SyncDefinition[];
  readonly destinations: ReadonlyMap<string, Destination>;
  /** Statements outside the run's transaction. */
  readonly writer: StateWriter;
  readonly log: (line: string) => void;
  /**
   * Work for the end of the run, whether it failed (`failure` is the error) or not (`failure` is
   * null); `reached` is the context as far as the run got. The last registered runs first, and an
   * error in one is dropped so that the others still run.
   */
  onExit(cleanup: ExitCleanup): void;
}

export type ExitCleanup = (failure: unknown, reached: object) => Promise<void>;

/** Inside the run's one transaction: statements go to `tx`, and `plan` reads the sandboxed inputs. */
export interface InTransaction {
  readonly tx: StateWriter;
  readonly plan: Plan;
}

export interface RunStep<In, Out extends object> {
  /** kebab-case; the runner logs it */
  readonly name: string;
  /** the `stage.*` event that begins with this step */
  readonly stage?: { readonly stage: RunStage; readonly detail?: string };
  /** passed once the step is done (a step passes the points inside it itself) */
  readonly crashPoint?: CrashPoint;
  // A property, not a method, so that the context type is checked strictly (not bivariantly).
  readonly run: (context: In) => Promise<Out>;
}

/** A step that adds nothing to the context. */
export type Nothing = Record<never, never>;
