// `incremental.verify_every` (SPEC §6.1): after a run that committed, `quorum state verify` when
// the last verification is older than that (or there is none), under its own hold of the run
// lock. The run's output then gives each definition's `drift` and the verification's outcome;
// drift does not fail the run (it delivered what it computed), it is named in a note, and the
// next full run repairs it.
import { acquireLock } from './lock.js';
import { lockTtlFromEnv } from './lock.js';
import { newRunId, run } from './run.js';
import type { DefinitionSummary, RunOutput, RunRequest } from './run-types.js';
import { verificationDue, verifyState, type Verification } from './state-verify.js';

export async function runThenVerify(request: RunRequest, now: () => Date = () => new Date()): Promise<RunOutput> {
  const output = await run(request);
  const every = request.project.config.incremental?.verifyEverySeconds ?? null;
  if (output.dry_run || every === null) return output;
  const { connection, project } = request;
  const schema = project.config.stateSchema;
  if (!(await verificationDue(connection, connection.dialect.printer, schema, every, now()))) return output;
  const id = newRunId(now()).replace(/^r/, 'v');
  const lock = await acquireLock(connection, schema, id, { ttlSeconds: request.lockTtlSeconds ?? lockTtlFromEnv() });
  try {
    request.log?.('verifying the state (incremental.verify_every)');
    return withDrift(output, await verifyState(request, id, now));
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** The run's output with each verified definition's drift (zero when it has none) and the verification's outcome. */
export function withDrift(output: RunOutput, v: Verification): RunOutput {
  const byName = new Map(v.drift.map((d) => [d.name, d]));
  const definitions: DefinitionSummary[] = output.definitions.map((d) => {
    const found = byName.get(d.name);
    return { ...d, drift: found ? { entered: found.entered, exited: found.exited, changed: found.changed, users: found.users, entities: found.entities, sample: [...found.sample] } : { entered: 0, exited: 0, changed: 0, users: 0, entities: 0, sample: [] } };
  });
  const note = v.status === 'drift' ? [`state verify found drift in ${v.drift.map((d) => d.name).join(', ')} (${v.drifted_entities} entities): quorum run --full repairs it`] : [];
  return {
    ...output,
    definitions,
    verification: { verification_id: v.verification_id, status: v.status, drifted_definitions: v.drifted_definitions, drifted_entities: v.drifted_entities },
    errors: [...output.errors, ...note],
  };
}
