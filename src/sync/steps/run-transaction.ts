// The run's one transaction (SPEC §6: the outbox and the snapshot are replaced together). Where the
// connector can, a SQL trait's rows are produced read-only first (SPEC §4, read-only-inputs.ts) and
// the plan inside the transaction reads them from there.
import type { Statements } from '../../warehouse/connection.js';
import { readOnlyInputs } from '../read-only-inputs.js';
import { StateWriter } from '../state-sql.js';
import type { RunContext } from './run-step.js';
import type { TransactionOpener } from './step-list.js';

export const runTransaction: TransactionOpener<RunContext> = async (context, work) => {
  const { connection } = context;
  const printer = connection.dialect.printer;
  const sandboxed = connection.transactionAfterReadOnly ? readOnlyInputs(context.plan, context.request.catalog, printer) : { inputs: [], plan: context.plan };
  const inside = (tx: Statements) => work({ tx: new StateWriter(printer, tx), plan: sandboxed.plan });
  return sandboxed.inputs.length > 0 && connection.transactionAfterReadOnly
    ? connection.transactionAfterReadOnly(sandboxed.inputs, inside)
    : connection.transaction(inside);
};
