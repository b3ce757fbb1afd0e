import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEMO_AS_OF, type DemoStats } from '../../../fixtures/demo/generate-warehouse.js';
import { DEMO_WAREHOUSE_FILE, holdsDemoProject, writeDemoProject } from '../../../fixtures/demo/write-project.js';
import { globals, UsageError } from '../options.js';
import { printJson } from '../print.js';
import { progressLine } from '../progress-line.js';

const DEMO_DAY = DEMO_AS_OF.slice(0, 10);

function nextSteps(target: string): string {
  const shown = path.relative(process.cwd(), target) || '.';
  return `Next: npx quorum preview at_risk_accounts --project ${shown} --as-of ${DEMO_DAY}\n(the demo data lies around ${DEMO_DAY}; without --as-of, quorum evaluates at now)\n`;
}

async function generate(target: string, force: boolean, json: boolean): Promise<DemoStats> {
  const progress = progressLine(json);
  try {
    return await writeDemoProject(target, {
      force,
      onProgress: (done, total) => progress.update(`generating the demo warehouse (six months of Segment data): ${done} of ${total} steps done`),
    });
  } finally {
    progress.done();
  }
}

/**
 * Where the demo goes: [dir], or the global --project (SPEC §7) when no [dir] is given, as every
 * other command reads its project from --project. Both, naming two folders, is a usage error
 * rather than a guess at which one was meant.
 */
function targetFolder(dir: string | undefined, command: Command): string {
  const project = globals(command).project;
  if (dir === undefined) return project;
  const target = path.resolve(dir);
  if (command.getOptionValueSourceWithGlobals('project') === 'cli' && project !== target) {
    const given = (command.optsWithGlobals() as { project: string }).project;
    throw new UsageError(`quorum init was given two folders: ${dir} (the [dir] argument) and ${given} (--project)`, `keep the one you mean: quorum init ${dir}, or quorum init --project ${given}`);
  }
  return target;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'where to create the project (default: --project, else the current folder)')
    .description('scaffold a project with a demo DuckDB warehouse and example definitions; a re-run on the same demo leaves it alone')
    .option('--force', "overwrite the demo's files and warehouse where they exist (your other files are kept)")
    .action(async (dir: string | undefined, options: { force?: boolean }, command: Command) => {
      const target = targetFolder(dir, command);
      const { json } = globals(command);
      const force = options.force === true;
      if (!force && (await holdsDemoProject(target))) {
        const hasWarehouse = existsSync(path.join(target, DEMO_WAREHOUSE_FILE));
        if (!hasWarehouse) await generate(target, true, json === true);
        const what = hasWarehouse ? 'left it as it is' : `generated its missing ${DEMO_WAREHOUSE_FILE} again`;
        if (json) printJson({ project: target, unchanged: hasWarehouse });
        else process.stdout.write(`${target} already holds the quorum demo project; ${what} (quorum init --force writes it all again)\n${nextSteps(target)}`);
        return;
      }
      // as_of, as in every other JSON output
      const { asOf, ...stats } = await generate(target, force, json === true);
      if (json) printJson({ project: target, ...stats, as_of: asOf });
      else process.stdout.write(`Created a quorum project with a demo warehouse in ${target}\n${nextSteps(target)}`);
    });
}
