import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { explain } from '../../evaluation/inspect.js';
import { openSession } from '../../evaluation/session.js';
import { globals } from '../options.js';
import { printExplain, printJson } from '../print.js';

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .argument('<audience>', 'an audience')
    .argument('<id>', 'a group_id (account audiences) or user_id (user audiences)')
    .description("every condition's value for one account or user, with the trait values behind it")
    .action(async (audience: string, id: string, _options, command: Command) => {
      const g = globals(command);
      const session = await openSession(g.project, dialectNamed);
      try {
        const result = await explain({ ...session, asOf: g.asOfIso }, audience, id);
        if (g.json) printJson(result);
        else printExplain(result);
      } finally {
        await session.close();
      }
    });
}
