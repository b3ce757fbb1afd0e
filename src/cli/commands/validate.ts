import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { newRowIndexAdvice } from '../../evaluation/index-advice.js';
import { openProject, openSession } from '../../evaluation/session.js';
import { withPlaceholders } from '../../definitions/env-placeholders.js';
import { sortDiagnostics } from '../../definitions/load-project.js';
import type { Project } from '../../definitions/model.js';
import { DiagnosticsError, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { readTestFiles } from '../../testing/read-test-files.js';
import { globals } from '../options.js';
import { printValidation } from '../print.js';

/**
 * The test files are read too (SPEC §8: every YAML file quorum reads is bounded, and a hostile one
 * is a named error at validate), so a broken or hostile test file fails here, not first in `quorum test`.
 */
async function withTestFiles(project: Project, diagnostics: readonly Diagnostic[]): Promise<Diagnostic[]> {
  const all = [...diagnostics, ...(await readTestFiles(project.root, project)).diagnostics];
  if (all.some((d) => d.severity === 'error')) throw new DiagnosticsError(sortDiagnostics(all));
  return all;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('parse and check every definition, against the warehouse catalog unless --offline')
    .option('--offline', 'skip the checks that need the warehouse (custom trait names, columns, types)')
    .action(async (options: { offline?: boolean }, command: Command) => {
      const g = globals(command);
      if (options.offline) {
        // offline: nothing connects, so an unset ${VAR} is a placeholder (env-placeholders.ts)
        const { project, diagnostics } = await openProject(g.project, dialectNamed, { env: withPlaceholders(process.env) });
        printValidation(project, await withTestFiles(project, diagnostics), { offline: true, json: g.json });
        return;
      }
      const session = await openSession(g.project, dialectNamed);
      try {
        const advice = await newRowIndexAdvice(session, g.asOfIso);
        printValidation(session.project, await withTestFiles(session.project, [...session.diagnostics, ...advice]), { offline: false, json: g.json });
      } finally {
        await session.close();
      }
    });
}
