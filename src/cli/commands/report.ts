import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dialectNamed } from '../../../dialects/registry.js';
import { openSession } from '../../evaluation/session.js';
import { makeFolders } from '../../files/make-folders.js';
import { reportData } from '../../report/report-data.js';
import { reportHtml } from '../../report/report-html.js';
import { redactSecrets } from '../../secrets/secret-redactor.js';
import { globals, UsageError } from '../options.js';
import { printJson } from '../print.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "a static HTML page (no network needed): each definition's size over time, entered / exited per run, the latest breakdown, the compiled SQL",
    )
    .option('--out <file>', 'where to write it', 'report.html')
    .option('--limit <n>', 'the latest this many runs', '500')
    .action(async (options: { out: string; limit: string }, command: Command) => {
      const g = globals(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit "${options.limit}" is not a positive whole number`);
      const session = await openSession(g.project, dialectNamed);
      let data;
      try {
        data = await reportData(session, { limit });
      } finally {
        await session.close();
      }
      const out = path.resolve(options.out);
      await makeFolders(path.dirname(out));
      await writeFile(out, redactSecrets(reportHtml(data)), 'utf8');
      const unreadable = data.unreadable_runs.length;
      if (g.json) printJson({ out, definitions: data.definitions.length, runs: data.runs, ...(unreadable > 0 ? { unreadable_runs: unreadable } : {}) });
      else process.stdout.write(`wrote ${out}: ${data.definitions.length} definitions, ${data.runs} runs${unreadable > 0 ? ` (${unreadable} with an unreadable summary, not shown)` : ''}\n`);
    });
}
