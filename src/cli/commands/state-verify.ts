// `quorum state verify` (SPEC §6.1): every committed snapshot against a full recomputation at its
// as_of, under the run lock; every difference is drift, printed and recorded; exit 1 on drift.
import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { openSession } from '../../evaluation/session.js';
import { acquireLock, lockTtlFromEnv } from '../../sync/lock.js';
import { newRunId } from '../../sync/run.js';
import { inspectShape, stateDamaged } from '../../sync/state-format.js';
import { diagnoseState } from '../../sync/state-repair.js';
import { verifyState, type Verification } from '../../sync/state-verify.js';
import { CommandFailed, globals } from '../options.js';
import { printJson } from '../print.js';

function describe(v: Verification, schema: string): string[] {
  const out = [`verified ${v.definitions} definitions of state schema "${schema}"${v.run_id ? ` (last run ${v.run_id})` : ''}: ${v.status === 'clean' ? 'no drift' : `drift in ${v.drifted_definitions}, ${v.drifted_entities} entities`}`];
  for (const d of v.drift) {
    const parts = [['would enter', d.entered], ['would exit', d.exited], ['would change', d.changed], ['users would move', d.users]].filter(([, n]) => Number(n) > 0).map(([what, n]) => `${n} ${what}`);
    out.push(`  ${d.name} (as of ${d.as_of}): ${parts.join(', ')}; e.g. ${d.sample.join(', ')}${d.entities > d.sample.length ? ', ...' : ''}`);
  }
  if (v.skipped.length > 0) out.push(`  not verified (no longer in the project): ${v.skipped.join(', ')}`);
  if (v.status === 'drift') out.push('a full run repairs it: quorum run --full (docs/operating.md, "Drift")');
  return out;
}

export function registerVerify(state: Command): void {
  state
    .command('verify')
    .description('recompute every committed snapshot at its as_of and report every difference as drift; exit 1 on drift (nothing is sent)')
    .action(async (_options: unknown, command: Command) => {
      const g = globals(command);
      const session = await openSession(g.project, dialectNamed);
      let verification: Verification;
      const schema = session.project.config.stateSchema;
      try {
        const shape = await inspectShape(session.connection, schema);
        if (shape.kind === 'fresh' || shape.kind === 'old' || (shape.kind === 'current' && shape.upgradeFrom !== undefined)) {
          const why = shape.kind === 'fresh' ? 'does not exist yet: nothing was committed to verify' : 'has an older state format: the next run upgrades it';
          if (g.json) printJson({ status: 'nothing_to_verify', schema, reason: why });
          else process.stdout.write(`state schema "${schema}" ${why}\n`);
          return;
        }
        const diagnosis = await diagnoseState(session.connection, schema);
        if (diagnosis.problems.length > 0) throw stateDamaged(schema, diagnosis.problems);
        const id = newRunId().replace(/^r/, 'v');
        const lock = await acquireLock(session.connection, schema, id, { ttlSeconds: lockTtlFromEnv() });
        try {
          verification = await verifyState(session, id);
        } finally {
          await lock.release().catch(() => undefined);
        }
      } finally {
        await session.close();
      }
      if (g.json) printJson(verification);
      else process.stdout.write(`${describe(verification, schema).join('\n')}\n`);
      if (verification.status === 'drift') throw new CommandFailed();
    });
}
