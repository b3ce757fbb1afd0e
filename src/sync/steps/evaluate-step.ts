// Step `evaluate`: the compiled statement runs inside the warehouse and its rows land in `staging`.
// A SQL trait that gives one key two values stops the run here, naming the key (docs/semantics.md),
// and so does a staged value that is not JSON, naming the trait and the entity.
import { checkSqlTraitKeys } from '../../evaluation/evaluate.js';
import { crashSoon } from '../crash.js';
import { insertStaging, stagingQuery } from '../diff-sql.js';
import { clearStagingArea } from '../staging-area.js';
import { stateRefs } from '../state-sql.js';
import { stageIncrementally, type IncrementalSummary } from '../../incremental/incremental-stage.js';
import type { IncrementalChoice } from './prepare-incremental-step.js';
import { coverEntities, type CoveredEntities } from '../../incremental/entity-scope.js';
import { WatermarkReads } from '../../incremental/arrival-sql.js';
import { planIncremental } from '../../incremental/evaluate-incremental.js';
import { firstSeenNarrowing, onlyCovered } from '../covered-sql.js';
import { checkStagedValues } from '../staged-values.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';

/** An incremental run's account of itself: per definition its mode and rows read (src/incremental/incremental-stage.ts). */
export interface Evaluated {
  readonly incrementalSummary: IncrementalSummary | null;
  /** Definitions staged for the users whose answers can have changed only (entity-scope.ts); null: all entities. */
  readonly covered: CoveredEntities | null;
}

export const evaluateStep: RunStep<RunContext & InTransaction & IncrementalChoice, Evaluated> = {
  name: 'evaluate',
  stage: { stage: 'execute' },
  crashPoint: 'staged',
  run: async ({ request, tx, schema, plan, definitions, stamp, project, log, incremental }) => {
    log(`evaluating ${definitions.length} definitions as of ${stamp.asOf}`);
    await clearStagingArea(tx, schema);
    // Every SQL trait the statement reads, before it is staged: a repeated key in a trait that only
    // an audience reads would otherwise reach the audience's rows under the audience's name.
    await checkSqlTraitKeys((query) => tx.rows(query), project, plan);
    crashSoon('staging');
    // Incremental: the partials are refreshed in this transaction, so they commit with the snapshot.
    const staging = stagingQuery(plan, definitions);
    // One read per source table's watermark for the entity scope and every refresh (arrival-sql.ts).
    const watermarks = new WatermarkReads(tx);
    // The dirty users come first: the rewritten statement's scans read only them where every
    // definition reading a scan is staged for them alone (entity-scope-pass.ts, ScanRead).
    const covered =
      incremental === null
        ? null
        : await coverEntities(tx, {
            plan,
            schema,
            scopes: planIncremental(plan, incremental.settings).pass.scopes,
            runId: stamp.runId,
            lagSeconds: incremental.settings.arrivalLagSeconds,
            rebuild: incremental.rebuild,
            watermarks,
            mutation: request.incrementalMutation === 'forget-window-edges' || request.incrementalMutation === 'forget-previous-memberships' ? request.incrementalMutation : undefined,
          });
    if (covered !== null && covered.definitions.length > 0) log(`${covered.definitions.length} definitions recomputed for ${covered.dirtyUsers} users whose answers can have changed`);
    if (covered !== null && covered.accountDefinitions.length > 0) log(`${covered.accountDefinitions.length} account-level definitions recomputed for ${covered.dirtyAccounts} accounts whose answers can have changed`);
    const stage =
      incremental === null
        ? null
        : await stageIncrementally(tx, { plan, stateSchema: schema, settings: incremental.settings, rebuild: incremental.rebuild, liveKeys: incremental.liveKeys, staging, mutation: request.incrementalMutation, readScope: covered, narrowings: firstSeenNarrowing(plan, definitions, covered), watermarks, countRowsRead: request.countRowsRead ?? false });
    const restricted = stage?.restrictedScans ?? [];
    const dirtyOnly = restricted.filter((r) => r.users.length === 1 && r.users[0].name === covered?.keys.name).map((r) => r.scan);
    const withMembers = restricted.map((r) => r.scan).filter((scan) => !dirtyOnly.includes(scan));
    if (dirtyOnly.length > 0) log(`${dirtyOnly.length} scans read the dirty users only: ${dirtyOnly.join(', ')}`);
    if (withMembers.length > 0) log(`${withMembers.length} scans read the dirty accounts' members (and the dirty users their other readers need) only: ${withMembers.join(', ')}`);
    const shared = stage?.sharedRestricted ?? [];
    if (shared.length > 0) log(`${shared.length} shared parts read for the entities recomputed only: ${shared.join(', ')}`);
    const statement = stage?.statement ?? staging;
    await tx.run(insertStaging(stateRefs(schema).staging, covered === null ? statement : onlyCovered(statement, covered)));
    // A value no call can carry stops the run here, not at delivery (staged-values.ts).
    await checkStagedValues(tx, schema, plan, definitions, project);
    return { incrementalSummary: stage?.summary ?? null, covered };
  },
};
