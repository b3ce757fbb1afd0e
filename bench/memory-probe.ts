// A child process of `npm run bench`: opens a scale warehouse file, runs the bench project's 50
// definitions once and prints its peak RSS and peak JS heap as JSON. `run` stages the result in
// the warehouse, as `quorum run` does; `members` reads every row back, as `quorum members` does.
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../dialects/duckdb/index.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import { compileSql, evaluate } from '../src/evaluation/evaluate.js';
import { benchCatalog, loadBenchProject } from './measure.js';
import { SCALE_AS_OF } from './scale-generator.js';

const [file, mode] = process.argv.slice(2);
const MB = 2 ** 20;
let heapPeak = 0;
const sample = () => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
};
const timer = setInterval(sample, 5);

const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
const connection = new DuckDbConnection(duckdb, instance, await instance.connect());
const project = await loadBenchProject();
const catalog = await benchCatalog(connection, project);
const baseRss = process.memoryUsage().rss;
const options = { project, catalog, asOf: SCALE_AS_OF, targets: project.definitions.map((d) => d.name) };
if (mode === 'members') {
  const results = await evaluate(connection, options);
  sample();
  if (results.size !== options.targets.length) throw new Error('missing results');
} else {
  await connection.execute(`CREATE TEMP TABLE bench_staging AS ${compileSql(options, duckdb.printer)}`);
}
sample();
clearInterval(timer);
await connection.close();
process.stdout.write(`${JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024, heapMb: heapPeak / MB, baseRssMb: baseRss / MB })}\n`);
