import type { Command } from 'commander';
import { dialectNamed } from '../../../dialects/registry.js';
import { preview } from '../../evaluation/inspect.js';
import { openSession } from '../../evaluation/session.js';
import { globals } from '../options.js';
import { printJson, printPreview } from '../print.js';

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .argument('<name>', 'an audience or trait')
    .description('size, a sample and a per-condition breakdown; nothing is written')
    .action(async (name: string, _options, command: Command) => {
      const g = globals(command);
      const session = await openSession(g.project, dialectNamed, { readOnly: true });
      try {
        const result = await preview({ ...session, asOf: g.asOfIso }, name);
        if (g.json) printJson(result);
        else printPreview(result);
      } finally {
        await session.close();
      }
    });
}
