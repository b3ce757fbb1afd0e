// The quorum CLI in this process, then its peak RSS: `node dist/bench/max-rss.js <quorum args...>`
// runs `quorum <args>` exactly as bin/quorum.js does and, when it ends, writes one JSON line
// `{"maxRssMb": ...}` to stderr (after the CLI's own output). Node gives a process's peak RSS
// (getrusage) only to the process itself, and the bench uses no tool outside the repository.
import { main } from '../src/cli/main.js';

process.exitCode = await main(['node', 'quorum', ...process.argv.slice(2)]);
process.on('exit', () => process.stderr.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`));
