// The hand-written script that `quorum members` is measured against (bench/members-bench.ts): what a
// person would write to export one answer from an embedded DuckDB file, and nothing more. It opens
// the file read-only, runs the SQL it is given (rows of `id`, or `id` and `value`), and prints them
// as CSV sorted by id.
//   node dist/bench/hand-members.js <warehouse.duckdb> <sql>
import { DuckDBInstance } from '@duckdb/node-api';

const [file, sql] = process.argv.slice(2);
const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(`SELECT * FROM (${sql}) AS answer ORDER BY id`);
const columns = reader.columnNames();
const lines = [columns.join(',')];
for (const row of reader.getRowsJson()) lines.push(row.map((v) => (v === null ? '' : String(v))).join(','));
process.stdout.write(`${lines.join('\n')}\n`);
connection.closeSync();
instance.closeSync();
