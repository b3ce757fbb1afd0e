// A process that opens an in-memory DuckDB as quorum does, makes it spill, prints its spill
// folder and waits to be killed (`node --import tsx spill-child.ts`; duckdb-memory.test.ts).
import { IN_MEMORY } from '../../../dialects/duckdb/duckdb-config.js';
import { openDuckDb } from '../../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../../dialects/duckdb/index.js';

const connection = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY, memoryLimit: '16MB', threads: 1 });
const [{ folder }] = await connection.query("select current_setting('temp_directory') as folder");
// more than 16 MB of strings: DuckDB keeps part of the table in the spill folder
await connection.execute('create table t as select md5(cast(i as varchar)) as s from range(600000) r(i)');
process.stdout.write(`${String(folder)}\n`);
setInterval(() => undefined, 60_000);
