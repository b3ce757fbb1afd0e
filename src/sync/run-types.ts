// What `quorum run` takes and gives back (SPEC §6, §7 `run --json`), apart from run.ts so that the
// steps under steps/ can name these types without importing the module that lists them.
import type { Destination, DestinationOptions } from '../destinations/destination.js';
import type { Project } from '../definitions/model.js';
import type { RunModeReason } from '../incremental/run-mode.js';
import type { IncrementalSettings } from '../incremental/incremental-settings.js';
import type { IncrementalMutation } from '../incremental/evaluate-incremental.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import type { CallType } from './calls.js';

export interface RunRequest {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
  /** Definition names to evaluate (see selectDefinitions). */
  readonly definitions: readonly string[];
  readonly dryRun?: boolean;
  readonly allowMassExit?: boolean;
  /** Destinations by name; default: opened from quorum.yml. */
  readonly destinations?: ReadonlyMap<string, Destination>;
  readonly destinationOptions?: DestinationOptions;
  readonly lockTtlSeconds?: number;
  readonly runId?: string;
  /** Progress lines (the CLI shows them on an interactive terminal only). */
  readonly log?: (line: string) => void;
  /** What an operator should change, found by a run that goes on (the CLI logs it as a `warn` event). */
  readonly onWarning?: (warning: RunWarning) => void;
  /** Dry run: changed entities listed per definition and transition. */
  readonly sampleSize?: number;
  /** Called as each stage begins (the previous one ends there), for stage timings in the logs. */
  readonly onStage?: (stage: RunStage, detail?: string) => void;
  /** `quorum run --full`: every definition runs full (SPEC §6.1). */
  readonly full?: boolean;
  /** Count each definition's rows_read (a COUNT per source table): `run --json` and JSON logs ask for it. */
  readonly countRowsRead?: boolean;
  /**
   * Evaluate incrementally (src/incremental/, SPEC §6.1): from the partials in state and the rows
   * new to the run; `rebuild` rebuilds them from the source (a full run that keeps them). Absent:
   * the compiled statement alone, as before.
   */
  readonly incremental?: { readonly settings: IncrementalSettings; readonly rebuild?: boolean };
  /**
   * Tests only, never set by the CLI or quorum.yml: a deliberate fault of the incremental engine,
   * which test/incremental/exactness.test.ts must see fail its property.
   */
  readonly incrementalMutation?: IncrementalMutation;
  /**
   * Tests only, never set by the CLI or quorum.yml: the outbox step's slice size in place of
   * OUTBOX_SLICE_ROWS, so that a crash test's small change sets are written in several slices.
   */
  readonly outboxSliceRows?: number;
  /** false: a first run writes one outbox row per call even where a record by generation would do (tests compare the two) */
  readonly outboxByGeneration?: boolean;
  /**
   * Tests only, never set by the CLI or quorum.yml: an incremental run's dirty keys stay committed
   * instead of being emptied before COMMIT, so that a test can read which entities it recomputed.
   */
  readonly keepDirtyKeys?: boolean;
  /** Tests only: delivery's page size in place of its default, so that small outboxes are read in several pages. */
  readonly outboxPageSize?: number;
}

/** A `warn` event of the operator log (docs/operating.md, "Logs"), with its flat fields. */
export interface RunWarning {
  readonly code: 'incremental.unindexed';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The operator log's `stage.*` events (logging/stage-clock.ts); the bench reads them by name. */
export type RunStage = 'compile' | 'execute' | 'diff' | 'deliver';

export interface DefinitionSummary {
  readonly name: string;
  readonly size: number;
  readonly entered: number;
  readonly exited: number;
  readonly changed: number;
  /** blocked: the max_exit_fraction guardrail kept the old snapshot and delivered nothing */
  readonly status: 'ok' | 'blocked';
  readonly message?: string;
  /** dry run only: some of the entities that would enter / exit / change */
  readonly sample?: { entered: string[]; exited: string[]; changed: string[] };
  /** SPEC §6.1: full | incremental, why (incremental/run-mode.ts), and the rows read from source tables (null: not counted) */
  readonly mode?: 'full' | 'incremental';
  readonly mode_reason?: RunModeReason;
  /** `not_incremental`: what the engine read in full, and why (a SQL trait, a table without arrival values, ...) */
  readonly mode_detail?: string;
  readonly rows_read?: number | null;
  /** set when incremental.verify_every verified the state after the run (run-and-verify.ts) */
  readonly drift?: { entered: number; exited: number; changed: number; users: number; entities: number; sample: string[] };
}

/**
 * A call over its destination's call limit (Segment's 32 KB): set aside (`rejected_at` in the
 * outbox) and never sent, by this run or a later one, since the same value makes the same call.
 */
export interface TooLargeCall {
  readonly destination: string;
  readonly definition: string;
  readonly entity_id: string;
  readonly call_type: CallType;
  readonly message_id: string;
  readonly bytes: number;
  readonly limit: number;
}

/** SPEC §7's `quorum run --json` shape, plus `status` per definition, `dry_run` and `errors`. */
export interface RunOutput {
  readonly run_id: string;
  readonly as_of: string;
  readonly dry_run: boolean;
  readonly definitions: DefinitionSummary[];
  readonly delivered: Record<string, number>;
  /** calls not delivered: those waiting in the outbox, and those in `too_large` */
  readonly failed: Record<string, number>;
  /** present when some are: calls over their destination's call limit, set aside and never sent */
  readonly too_large?: readonly TooLargeCall[];
  readonly errors: string[];
  /** set when incremental.verify_every verified the state after the run */
  readonly verification?: { verification_id: string; status: 'clean' | 'drift'; drifted_definitions: number; drifted_entities: number };
}
