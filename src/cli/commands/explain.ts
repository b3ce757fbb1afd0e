import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { explain } from '../../evaluation/inspect.js';
import { openSession } from '../../evaluation/session.js';
import { explainWithHistory } from '../../sync/explain-history.js';
import { globals, UsageError } from '../options.js';
import { printExplain } from '../print-explain.js';
import { printJson } from '../print.js';

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .argument('<audience>', 'an audience')
    .argument('<id>', 'a group_id (account audiences) or user_id (user audiences)')
    .description("every condition's value for one account or user, with the trait values behind it, and when it entered or left at each run")
    .option('--history <n>', 'replay the latest n runs of the audience: entered / exited and which condition changed (0: none)', '10')
    .action(async (audience: string, id: string, options: { history: string }, command: Command) => {
      const g = globals(command);
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
