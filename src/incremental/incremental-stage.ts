// What `quorum run`'s evaluate step calls when a run is incremental: inside the run's transaction,
// refresh the partials and facts, rewrite the compiled staging statement to read them, and say
// per definition how it was computed and how many source rows it read (`run --json`: mode,
// rows_read; SPEC §6.1). The statement keeps the staging table's columns, so the diff is unchanged.
import type { Plan } from '../plan/plan.js';
import { withCtes, type Query, type TableRef, type With } from '../sql/ast.js';
import type { StateWriter } from '../sync/state-sql.js';
import { refreshIncremental, rowsReadOf, type IncrementalOptions } from './evaluate-incremental.js';
import type { DefinitionMode, Recomputed } from '../plan/physical/incremental-pass.js';

export interface IncrementalSummary {
  /** rowsRead: null where the run was not asked to count (`countRowsRead: false`). */
  readonly definitions: readonly (DefinitionMode & { readonly rowsRead: number | null })[];
  /** Parts of the statement read from the source each run, and why (SQL traits always are). */
  readonly recomputed: readonly Recomputed[];
  readonly rowsRead: number | null;
}

export interface IncrementalStage {
  readonly statement: With;
  readonly summary: IncrementalSummary;
  /** Per scan whose merge read only some users, the tables of those users (empty: every scan read all users). */
  readonly restrictedScans: readonly { readonly scan: string; readonly users: readonly TableRef[] }[];
  /** Shared parts (universes, memberships, custom traits) read for the covered entities only. */
  readonly sharedRestricted: readonly string[];
  /** Any other statement over the plan's CTEs (members, a dry run's), read from the same refreshed state. */
  rewrite(statement: With): With;
}

/** What the evaluate step asks for: the refresh's options (evaluate-incremental.ts) and the statement to rewrite. */
export interface StageRequest extends IncrementalOptions {
  /** The compiled staging statement (src/sync/diff-sql.ts stagingQuery), or any statement over the plan's CTEs. */
  readonly staging: Query;
}

export async function stageIncrementally(tx: StateWriter, request: StageRequest): Promise<IncrementalStage> {
  const { plan } = request;
  const countRowsRead = request.countRowsRead ?? true;
  const { staging, ...options } = request;
  const run = await refreshIncremental(tx, { ...options, countRowsRead });
  // A statement without CTEs (no definition selected) reads nothing to rewrite.
  const statement = staging.kind === 'with' ? run.rewrite(staging) : withCtes([], staging);
  const read = countRowsRead ? await rowsReadOf(tx, plan, statement, run) : null;
  return {
    statement,
    summary: {
      definitions: run.pass.definitions.map((d) => ({ ...d, rowsRead: read === null ? null : (read.byDefinition.get(d.name) ?? 0) })),
      recomputed: run.pass.recomputed,
      rowsRead: read?.total ?? null,
    },
    restrictedScans: [...(run.restricted ?? [])].map(([scan, users]) => ({ scan, users })),
    sharedRestricted: run.sharedRestricted,
    rewrite: run.rewrite,
  };
}
