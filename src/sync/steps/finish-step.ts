// Step `finish`: the run's output, and its row finished as succeeded, or failed when a definition
// was blocked or a destination still has calls waiting.
import type { DeliveryReport } from '../deliver.js';
import { recordRunFinished } from '../run-records.js';
import type { RunOutput } from '../run-types.js';
import type { Guarded } from './guardrail-step.js';
import type { RunContext, RunStep } from './run-step.js';

type Delivered = { readonly leftovers: DeliveryReport; readonly fresh: DeliveryReport; readonly pruneErrors: readonly string[] };

export const finishStep: RunStep<RunContext & Guarded & Delivered, { readonly output: RunOutput }> = {
  name: 'finish',
  crashPoint: 'run-finished',
  run: async ({ writer, schema, stamp, summaries, leftovers, fresh, pruneErrors }) => {
    const output: RunOutput = { run_id: stamp.runId, as_of: stamp.asOf, dry_run: false, definitions: summaries, ...mergeReports(leftovers, fresh, pruneErrors) };
    const failed = summaries.some((s) => s.status === 'blocked') || Object.values(output.failed).some((n) => n > 0);
    await recordRunFinished(writer, schema, failed ? 'failed' : 'succeeded', output);
    return { output };
  },
};

function mergeReports(a: DeliveryReport, b: DeliveryReport, more: readonly string[]): Pick<RunOutput, 'delivered' | 'failed' | 'too_large' | 'errors'> {
  const delivered: Record<string, number> = { ...a.delivered };
  for (const [k, v] of Object.entries(b.delivered)) delivered[k] = (delivered[k] ?? 0) + v;
  // The second delivery tries every destination that still has calls waiting, so what it says
  // failed is what is left; a destination that failed first and then caught up is not failed.
  const failed: Record<string, number> = { ...b.failed };
  // A call set aside is not pending any more, so the second delivery does not count what the first set aside.
  for (const call of a.tooLarge) failed[call.destination] = (failed[call.destination] ?? 0) + 1;
  const tooLarge = [...a.tooLarge, ...b.tooLarge];
  // a corrupt call both deliveries held is named once, as the second saw it (with this run's calls behind it)
  const superseded = new Set(Object.entries(a.corrupt).filter(([call]) => call in b.corrupt).map(([, message]) => message));
  return { delivered, failed, ...(tooLarge.length > 0 ? { too_large: tooLarge } : {}), errors: [...a.errors.filter((e) => !superseded.has(e)), ...b.errors, ...more] };
}
