// Step `record-run`: the run's row in `runs`, as running (earlier rows still running were
// interrupted: this run holds the lock). A run that fails from here on is finished as failed, with
// the definitions it committed, if it got that far.
import { markInterruptedRuns, recordRunFinished, recordRunStarted } from '../run-records.js';
import type { DefinitionSummary, RunOutput } from '../run-types.js';
import type { Nothing, RunContext, RunStep } from './run-step.js';

export const recordRunStep: RunStep<RunContext, Nothing> = {
  name: 'record-run',
  crashPoint: 'run-recorded',
  run: async ({ writer, schema, stamp, onExit }) => {
    onExit(async (failure, reached) => {
      if (failure === null) return;
      const { summaries = [] } = reached as { summaries?: DefinitionSummary[] };
      const output: RunOutput = {
        run_id: stamp.runId,
        as_of: stamp.asOf,
        dry_run: false,
        definitions: summaries,
        delivered: {},
        failed: {},
        errors: [failure instanceof Error ? failure.message.split('\n')[0] : String(failure)],
      };
      await recordRunFinished(writer, schema, 'failed', output);
    });
    await markInterruptedRuns(writer, schema, stamp.runId);
    await recordRunStarted(writer, schema, stamp);
    return {};
  },
};
