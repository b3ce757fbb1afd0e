// `quorum run`'s steps, in order (SPEC §6). Adding a step is a file beside this one and a line here;
// the builder checks that whatever the step reads, an earlier step gave.
//
//   lock ─ check-state ─ record-run ─ deliver-leftovers ─┬ BEGIN ─ evaluate ─ diff ─ guardrail ─ outbox ─ snapshot ─ clear-staging ─ summarise ─ COMMIT ┬─ refresh-statistics ─ deliver ─ prune ─ finish
//
// A dry run writes nothing and takes none of these steps (dry-run.ts).
import { checkStateStep } from './check-state-step.js';
import { clearStagingStep } from './clear-staging-step.js';
import { deliverLeftoversStep } from './deliver-leftovers-step.js';
import { deliverStep } from './deliver-step.js';
import { diffStep } from './diff-step.js';
import { evaluateStep } from './evaluate-step.js';
import { finishStep } from './finish-step.js';
import { guardrailStep } from './guardrail-step.js';
import { lockStep } from './lock-step.js';
import { outboxStep } from './outbox-step.js';
import { pruneStep } from './prune-step.js';
import { recordRunStep } from './record-run-step.js';
import { refreshStatisticsStep } from './refresh-statistics-step.js';
import type { RunContext } from './run-step.js';
import { runTransaction } from './run-transaction.js';
import { snapshotStep } from './snapshot-step.js';
import { steps } from './step-list.js';
import { summariseStep } from './summarise-step.js';

export const RUN_STEPS = steps<RunContext>()
  .then(lockStep)
  .then(checkStateStep)
  .then(recordRunStep)
  .then(deliverLeftoversStep)
  .transaction(runTransaction, (tx) =>
    tx
      .then(evaluateStep)
      .then(diffStep)
      .then(guardrailStep)
      .then(outboxStep)
      .then(snapshotStep)
      .then(clearStagingStep)
      .then(summariseStep),
  )
  .then(refreshStatisticsStep)
  .then(deliverStep)
  .then(pruneStep)
  .then(finishStep);
