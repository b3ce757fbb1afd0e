import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { newRowIndexAdvice } from '../../evaluation/index-advice.js';
import { openProject, openSession } from '../../evaluation/session.js';
import { globals } from '../options.js';
import { printValidation } from '../print.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('parse and check every definition, against the warehouse catalog unless --offline')
    .option('--offline', 'skip the checks that need the warehouse (custom trait names, columns, types)')
    .action(async (options: { offline?: boolean }, command: Command) => {
      const g = globals(command);
      if (options.offline) {
        const { project, diagnostics } = await openProject(g.project, dialectNamed);
        printValidation(project, diagnostics, { offline: true, json: g.json });
        return;
      }
      const session = await openSession(g.project, dialectNamed);
      try {
        const advice = await newRowIndexAdvice(session, g.asOfIso);
        printValidation(session.project, [...session.diagnostics, ...advice], { offline: false, json: g.json });
      } finally {
        await session.close();
      }
    });
}
