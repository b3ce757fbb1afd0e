// `quorum run --dry-run` (SPEC §7): the same diff as a run, over CTEs in one read-only statement,
// so it writes nothing: no state created or upgraded, no lock, no outbox. It still refuses a
// damaged state, and it says what a real run would block and what waits in the outbox.
import type { Plan } from '../plan/plan.js';
import { readRows, type WarehouseConnection } from '../warehouse/connection.js';
import { dryRunDiffQuery, dryRunQuery, dryRunRefs, readDryRunDiff, stagingQuery, type RunStamp, type SyncDefinition } from './diff-sql.js';
import { definitionSummary, guardrailBreaches } from './guardrail.js';
import { countPendingCalls } from './outbox-reader.js';
import type { DefinitionSummary, RunOutput, RunRequest } from './run-types.js';
import { modeFields, runModes } from './run-modes.js';
import { checkConsistency } from './state-check.js';
import { inspectShape, stateDamaged } from './state-format.js';
import { generationsExist, StateWriter, stateTablesExist } from './state-sql.js';

export async function dryRun(request: RunRequest, plan: Plan, definitions: readonly SyncDefinition[], stamp: RunStamp): Promise<RunOutput> {
  const { connection, project } = request;
  const schema = project.config.stateSchema;
  const exists = await stateTablesExist(connection, schema);
  if (exists) await checkReadOnly(connection, schema);
  const modes = await runModes(request, definitions, stamp.asOf, exists ? 'readable' : 'none');
  const staging = stagingQuery(plan, definitions);
  const refs = dryRunRefs(schema, exists);
  const printer = connection.dialect.printer;
  const sampleSize = request.sampleSize ?? 10;
  // The stages of a real run, so that the log says where the time went: the evaluation is
  // stage.execute in both, though here the diff's counts and sample come out of the same statement.
  request.onStage?.('execute', 'dry run: evaluated and diffed in one read-only statement');
  const rows = definitions.length === 0 ? [] : await readRows(connection, printer.print(dryRunQuery(staging, exists, dryRunDiffQuery(refs, definitions, sampleSize))));
  const { counts, samples } = readDryRunDiff(rows, definitions, sampleSize);
  request.onStage?.('diff', 'dry run: the guardrail checked and the outbox counted; nothing written');
  const breaches = guardrailBreaches(project, definitions, counts, request.allowMassExit ?? false);
  const summaries: DefinitionSummary[] = definitions.map((d) => {
    const breach = breaches.get(d.name) ?? null;
    return { name: d.name, ...definitionSummary(counts.get(d.name)!, breach, 'dry-run'), sample: samples.get(d.name), ...modeFields(d.name, modes.modes, modes.rowsRead) };
  });
  const errors: string[] = [];
  if (exists) {
    const n = await countPendingCalls(new StateWriter(printer, connection), schema, await generationsExist(connection, schema));
    if (n > 0) errors.push(`${n} calls of earlier runs wait in the outbox; a real run delivers them first`);
  }
  return { run_id: stamp.runId, as_of: stamp.asOf, dry_run: true, definitions: summaries, delivered: {}, failed: {}, errors };
}

/** A dry run writes nothing, so it neither creates nor upgrades the state; it still refuses a damaged one. */
async function checkReadOnly(connection: WarehouseConnection, schema: string): Promise<void> {
  const shape = await inspectShape(connection, schema);
  if (shape.kind === 'damaged') throw stateDamaged(schema, shape.problems);
  if (shape.kind !== 'current') return;
  const report = await checkConsistency(connection, connection.dialect.printer, schema, new Set((await generationsExist(connection, schema)) ? [] : ['outbox_generations']));
  if (report.problems.length > 0) throw stateDamaged(schema, report.problems);
}
