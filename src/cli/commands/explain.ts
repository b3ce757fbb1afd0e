import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { definitionNamed, explain } from '../../evaluation/inspect.js';
import { physicalPlanOf } from '../../evaluation/physical-plan-of.js';
import { openProject, openSession } from '../../evaluation/session.js';
import { explainWithHistory } from '../../sync/explain-history.js';
import { globals, UsageError } from '../options.js';
import { printExplain } from '../print-explain.js';
import { printPhysicalPlan } from '../print-physical-plan.js';
import { printJson } from '../print.js';

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .argument('[audience]', 'an audience')
    .argument('[id]', 'a group_id (account audiences) or user_id (user audiences)')
    .description("every condition's value for one account or user, with the trait values behind it, and when it entered or left at each run; or, with --plan, the shape of a definition's SQL and why")
    .option('--history <n>', 'replay the latest n runs of the audience: entered / exited and which condition changed (0: none)', '10')
    .option('--plan <name>', "print the physical plan of a definition's member list instead: each CTE of its statement, what it reads, the strategy chosen and why (no warehouse needed)")
    .action(async (audience: string | undefined, id: string | undefined, options: { history: string; plan?: string }, command: Command) => {
      const g = globals(command);
      if (options.plan !== undefined) {
        if (audience !== undefined) throw new UsageError(`--plan names the definition: give no <audience> <id> with it (got "${audience}")`);
        const { project } = await openProject(g.project, dialectNamed);
        definitionNamed(project, options.plan);
        const plan = physicalPlanOf({ project, asOf: g.asOfIso, targets: [options.plan] });
        if (g.json) {
          // as_of, as in every other JSON output
          const { kind, asOf, ...rest } = plan;
          printJson({ kind, as_of: asOf, ...rest });
        } else printPhysicalPlan(options.plan, plan);
        return;
      }
      if (audience === undefined || id === undefined) throw new UsageError('explain needs an audience and an id (quorum explain <audience> <id>), or --plan <name>');
      const runs = Number(options.history);
      if (!Number.isInteger(runs) || runs < 0) throw new UsageError(`--history "${options.history}" is not a whole number of runs`);
      const session = await openSession(g.project, dialectNamed);
      try {
        const ctx = { ...session, asOf: g.asOfIso };
        const result = runs > 0 ? await explainWithHistory(ctx, audience, id, runs) : await explain(ctx, audience, id);
        if (g.json) printJson(result);
        else printExplain(result);
      } finally {
        await session.close();
      }
    });
}
