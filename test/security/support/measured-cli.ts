// The CLI from source, reporting its own cost when it exits: peak RSS (kB) and CPU time (µs) as
// one JSON line on file descriptor 3, so that stdout and stderr stay exactly what a user sees.
import { writeSync } from 'node:fs';
import { main } from '../../../src/cli/main.js';

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(3, `${JSON.stringify({ maxRssKb: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime })}\n`);
});
process.exitCode = await main(process.argv);
