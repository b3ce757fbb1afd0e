// Test data into a Postgres (PGlite in-process, or a server over the wire) with bound parameters,
// so values never become SQL text. `db` is anything with pg's `query(text, values)`.
import type { SourceDataset } from '../../../src/reference/dataset.js';

const PG_TYPES: Record<string, string> = { string: 'TEXT', timestamp: 'TIMESTAMP', number: 'DOUBLE PRECISION', integer: 'BIGINT', boolean: 'BOOLEAN', list: 'TEXT[]', unknown: 'TEXT' };
const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface ParameterisedDb {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

export async function loadIntoPostgres(db: ParameterisedDb, schema: string, data: SourceDataset): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
  for (const [name, table] of Object.entries(data.tables)) {
    const columns = Object.entries(table.columns);
    await db.query(`CREATE TABLE ${q(schema)}.${q(name)} (${columns.map(([c, t]) => `${q(c)} ${PG_TYPES[t]}`).join(', ')})`);
    for (let i = 0; i < table.rows.length; i += 200) {
      const rows = table.rows.slice(i, i + 200);
      const values = rows.flatMap((row) =>
        columns.map(([c, t]) => (row[c] === null || row[c] === undefined ? null : t === 'timestamp' ? String(row[c]).replace('T', ' ').replace('Z', '') : row[c])),
      );
      const tuples = rows.map((_, r) => `(${columns.map((__, k) => `$${r * columns.length + k + 1}`).join(', ')})`);
      await db.query(`INSERT INTO ${q(schema)}.${q(name)} VALUES ${tuples.join(', ')}`, values);
    }
  }
}
