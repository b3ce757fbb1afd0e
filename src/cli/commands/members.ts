import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { memberList, members } from '../../evaluation/inspect.js';
import { openSession } from '../../evaluation/session.js';
import { globals, oneOf, splitList } from '../options.js';
import { printJson, printMemberList, printMembers } from '../print.js';

export function registerMembers(program: Command): void {
  program
    .command('members')
    .argument('<name>', 'an audience or trait')
    .description('the full current membership (or values), for export')
    .option('--columns <list>', 'extra trait columns, comma-separated, e.g. email,name (default: none)')
    .option('--format <format>', 'csv or json (--json implies json)', oneOf(['csv', 'json']), 'csv')
    .action(async (name: string, options: { columns?: string; format: 'csv' | 'json' }, command: Command) => {
      const g = globals(command);
      const session = await openSession(g.project, dialectNamed, { readOnly: true });
      try {
        const columns = splitList(options.columns);
        const json = g.json || options.format === 'json';
        // the common export, one definition's CSV, skips building an object per member
        if (!json && columns.length === 0) printMemberList(await memberList({ ...session, asOf: g.asOfIso }, name));
        else {
          const result = await members({ ...session, asOf: g.asOfIso }, name, columns);
          if (json) printJson(result);
          else printMembers(result);
        }
      } finally {
        await session.close();
      }
    });
}
