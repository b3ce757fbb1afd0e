import type { Command } from 'commander';
import path from 'node:path';
import { DEMO_AS_OF } from '../../../fixtures/demo/generate-warehouse.js';
import { writeDemoProject } from '../../../fixtures/demo/write-project.js';
import { globals } from '../options.js';
import { printJson } from '../print.js';

const DEMO_DAY = DEMO_AS_OF.slice(0, 10);

export function registerInit(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'where to create the project', '.')
    .description('scaffold a project with a demo DuckDB warehouse and example definitions')
    .action(async (dir: string, _options, command: Command) => {
      const target = path.resolve(dir);
      const stats = await writeDemoProject(target);
      const { json } = globals(command);
      if (json) printJson({ project: target, ...stats });
      else
        process.stdout.write(
          `Created a quorum project with a demo warehouse in ${target}\nNext: npx quorum preview at_risk_accounts --project ${path.relative(process.cwd(), target) || '.'} --as-of ${DEMO_DAY}\n(the demo data lies around ${DEMO_DAY}; without --as-of, quorum evaluates at now)\n`,
        );
    });
}
