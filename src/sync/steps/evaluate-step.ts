// Step `evaluate`: the compiled statement runs inside the warehouse and its rows land in `staging`.
// A SQL trait that gives one key two values stops the run here, naming the key (docs/semantics.md).
import { duplicateKey } from '../../definitions/duplicate-key.js';
import { crashSoon } from '../crash.js';
import { insertStaging, stagingQuery } from '../diff-sql.js';
import { clearStagingArea, stagedDuplicateKey } from '../staging-area.js';
import { stateRefs } from '../state-sql.js';
import type { InTransaction, Nothing, RunContext, RunStep } from './run-step.js';

export const evaluateStep: RunStep<RunContext & InTransaction, Nothing> = {
  name: 'evaluate',
  stage: { stage: 'execute' },
  crashPoint: 'staged',
  run: async ({ tx, schema, plan, definitions, stamp, project, log }) => {
    log(`evaluating ${definitions.length} definitions as of ${stamp.asOf}`);
    await clearStagingArea(tx, schema);
    crashSoon('staging');
    await tx.run(insertStaging(stateRefs(schema).staging, stagingQuery(plan, definitions)));
    const duplicate = await stagedDuplicateKey(tx, schema);
    if (duplicate === null) return {};
    throw duplicateKey(project, duplicate.definition, duplicate.entityId);
  },
};
