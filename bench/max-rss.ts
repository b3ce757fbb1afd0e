// The quorum CLI in this process, then its peak RSS: `node dist/bench/max-rss.js <quorum args...>`
// runs `quorum <args>` exactly as bin/quorum.js does and, when it ends, writes one JSON line
// `{"maxRssMb": ..., "cpuMs": ..., "peakRssMbBefore": {...}}` to stderr (after the CLI's own output). Node gives
// a process's peak RSS (getrusage) only to the process itself, and the bench uses no tool outside
// the repository.
//
// `peakHeapMbBefore` is the same for the JS heap and external buffers (heapTotal + external).
// `peakRssMbBefore` says where the peak is: the highest RSS sampled (every 20 ms) while each stage
// ran, keyed by the `stage.*` event that ends it (with `--log-format json`, each stage's event comes
// when it finishes; "end" is what follows the last one). A single peak did not say whether the
// evaluation, the transaction's state writes or delivery holds the memory (BENCHMARKS.md).
import { main } from '../src/cli/main.js';
import { watchStatements } from './statement-memory.js';

const peaks = new Map<string, number>();
const heapPeaks = new Map<string, number>();
let running: number[] = [];
let runningHeap: number[] = [];
// The JS heap beside the RSS: whatever RSS is not heap (nor Node's own ~50 MB) is DuckDB's.
const sample = () => {
  const usage = process.memoryUsage();
  running.push(usage.rss);
  runningHeap.push(usage.heapTotal + usage.external);
};
const timer = setInterval(sample, 20);
const write = process.stderr.write.bind(process.stderr);
// bench/statement-memory.ts: a line per statement that holds memory, before the last line.
if (process.env.QUORUM_BENCH_STATEMENTS === '1') watchStatements((figure) => write(`${JSON.stringify({ statementMemory: figure })}\n`));
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  for (const line of String(chunk).split('\n')) {
    if (!line.startsWith('{')) continue;
    const code = (JSON.parse(line) as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('stage.')) closeStage(code.slice('stage.'.length));
  }
  return write(chunk, ...rest);
}) as typeof process.stderr.write;

/** The samples since the last stage ended belong to `stage` (a stage that runs twice keeps its higher peak). */
function closeStage(stage: string): void {
  sample();
  const peak = Math.max(...running);
  peaks.set(stage, Math.max(peaks.get(stage) ?? 0, peak));
  heapPeaks.set(stage, Math.max(heapPeaks.get(stage) ?? 0, Math.max(...runningHeap)));
  running = [];
  runningHeap = [];
}

process.exitCode = await main(['node', 'quorum', ...process.argv.slice(2)]);
clearInterval(timer);
closeStage('end');
const mb = (bytes: number) => Math.round(bytes / 1048576);
const peakRssMbBefore = Object.fromEntries([...peaks].map(([stage, bytes]) => [stage, mb(bytes)]));
const peakHeapMbBefore = Object.fromEntries([...heapPeaks].map(([stage, bytes]) => [stage, mb(bytes)]));
// CPU time (user + system, DuckDB's threads included) beside the peak: a setting that lowers the
// peak by making DuckDB return memory at once costs CPU, and wall time is noise on a shared machine.
process.on('exit', () => {
  const usage = process.resourceUsage();
  write(`${JSON.stringify({ maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, peakRssMbBefore, peakHeapMbBefore })}\n`);
});
