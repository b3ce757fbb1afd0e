import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { unknownDefinition } from '../../definitions/unknown-definition.js';
import { DiagnosticsError } from '../../diagnostics/diagnostic.js';
import { connect, NEVER_SENDS, openProject } from '../../evaluation/session.js';
import { history, type HistoryEntry } from '../../sync/history.js';
import { globals, UsageError } from '../options.js';
import { printJson } from '../print.js';

function printHistory(entries: readonly HistoryEntry[], name: string | undefined): void {
  if (entries.length === 0) {
    process.stdout.write(`no runs recorded${name ? ` for ${name}` : ''}\n`);
    return;
  }
  const out: string[] = [];
  for (const e of entries) {
    const took = e.seconds === null ? '' : ` in ${e.seconds.toFixed(1)}s`;
    out.push(`${e.started_at ?? '?'}  ${e.run_id}  as of ${e.as_of ?? '?'}  ${e.status}${took}`);
    if (e.summary_unreadable) out.push("    summary unreadable (edited outside quorum): this run's definitions, sizes and deliveries are not known");
    for (const d of e.definitions) {
      const mode = d.mode === undefined ? '' : `, ${d.mode}${typeof d.rows_read === 'number' ? ` (${d.rows_read} rows read)` : ''}`;
      out.push(`    ${d.name}: size ${d.size}, +${d.entered} -${d.exited} ~${d.changed}${mode}${d.status === 'blocked' ? ' (blocked by max_exit_fraction)' : ''}`);
    }
    for (const v of e.verifications ?? []) {
      out.push(`    verified ${v.started_at}: ${v.status === 'clean' ? 'no drift' : `drift in ${v.drift.map((d) => `${d.name} (${d.entities} entities)`).join(', ')}`}`);
    }
    const destinations = [...new Set([...Object.keys(e.delivered), ...Object.keys(e.failed)])].sort();
    // a run counts its deliveries, not each definition's: with a name they would read as that one's
    const label = name === undefined ? 'delivered' : 'the whole run delivered (all its definitions)';
    if (destinations.length > 0) out.push(`    ${label}: ${destinations.map((d) => `${d} ${e.delivered[d] ?? 0}${e.failed[d] ? ` (${e.failed[d]} failed)` : ''}`).join(', ')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** With a name, the run-wide counts and errors are named as the run's, so that none reads as the definition's. */
function runTotalsNamed(e: HistoryEntry): Omit<HistoryEntry, 'delivered' | 'failed' | 'errors'> & { run_delivered: Record<string, number>; run_failed: Record<string, number>; run_errors: string[] } {
  const { delivered, failed, errors, ...rest } = e;
  return { ...rest, run_delivered: delivered, run_failed: failed, run_errors: errors };
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .argument('[name]', 'only runs that evaluated this definition')
    .option('--limit <n>', 'at most this many runs', '20')
    .description('past runs: when, how long, sizes, entered / exited, delivered')
    .action(async (name: string | undefined, options: { limit: string }, command: Command) => {
      const g = globals(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit "${options.limit}" is not a positive whole number`);
      const { project } = await openProject(g.project, dialectNamed, { destinationEnv: NEVER_SENDS() });
      const connection = await connect(project, dialectNamed);
      try {
        const entries = await history(connection, project.config.stateSchema, { name, limit });
        // a definition since removed from the project still shows its past runs
        if (name !== undefined && entries.length === 0 && !project.definitions.some((d) => d.name === name)) {
          throw new DiagnosticsError([unknownDefinition(project, name, { noRun: true })]);
        }
        if (g.json) printJson({ name: name ?? null, runs: name === undefined ? entries : entries.map(runTotalsNamed) });
        else printHistory(entries, name);
      } finally {
        await connection.close();
      }
    });
}
