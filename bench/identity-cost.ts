// What identity stitching (SPEC §2.1) adds to a run on the bench's DuckDB warehouse: the bench
// project's definitions (the five references and the 45 varied ones) evaluated together, and each
// reference alone, with stitching off, `first` and `last`, interleaved, medians of the repetitions.
// Every row of the scale warehouse carries an anonymous_id and 1% of events have no user_id, so
// nearly every row is an identity edge: the worst case for the edge scan.
//   npx tsx bench/identity-cost.ts [warehouse.duckdb] [--repetitions N]
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../dialects/duckdb/index.js';
import { DuckDbConnection } from '../dialects/duckdb/duckdb-connector.js';
import type { IdentityConfig, Project } from '../src/definitions/model.js';
import { compileSql, readCatalog } from '../src/evaluation/evaluate.js';
import { loadBenchProject, median, stageIn, time } from './measure.js';
import { REFERENCE_DEFINITIONS } from './reference-queries.js';
import { SCALE_AS_OF, scaleWarehouseFile } from './scale-generator.js';

const MODES: readonly IdentityConfig[] = [
  { stitch: 'off', conflict: 'first' },
  { stitch: 'anonymous_id', conflict: 'first' },
  { stitch: 'anonymous_id', conflict: 'last' },
];

const args = process.argv.slice(2);
const repetitionsAt = args.indexOf('--repetitions');
const repetitions = repetitionsAt >= 0 ? Number(args[repetitionsAt + 1]) : 7;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--repetitions') ?? scaleWarehouseFile(1);

const instance = await DuckDBInstance.create(file);
const connection = new DuckDbConnection(duckdb, instance, await instance.connect());
const base = await loadBenchProject();
const catalog = await readCatalog(connection, base);
const stage = stageIn('duckdb');
const withIdentity = (identity: IdentityConfig): Project => ({ ...base, config: { ...base.config, identity } });
const label = (m: IdentityConfig) => (m.stitch === 'off' ? 'off' : m.conflict);

async function compare(title: string, targets: readonly string[]): Promise<void> {
  const statements = MODES.map((m) => compileSql({ project: withIdentity(m), catalog, asOf: SCALE_AS_OF, targets }, connection.dialect.printer));
  for (const sql of statements) await connection.execute(stage(sql)); // warm-up
  const times = MODES.map(() => [] as number[]);
  for (let r = 0; r < repetitions; r += 1) {
    for (const [k, sql] of statements.entries()) times[k].push((await time(() => connection.execute(stage(sql)))).ms);
  }
  const medians = times.map(median);
  const cells = MODES.map((m, k) => `${label(m)} ${medians[k].toFixed(0)} ms${k === 0 ? '' : ` (${(medians[k] / medians[0]).toFixed(2)}x)`}`);
  console.log(`${title.padEnd(34)} ${cells.join('   ')}`);
}

console.log(`identity stitching on ${file}, ${repetitions} repetitions, medians`);
await compare(`all ${base.definitions.length} definitions together`, base.definitions.map((d) => d.name));
for (const ref of REFERENCE_DEFINITIONS) await compare(ref.name, [ref.name]);
await connection.close();
