// Writes a SourceDataset into PGlite: tables created through the postgres printer's DDL, rows
// inserted as bound parameters (never through the printer, so a quoting bug cannot hide itself).
import type { PGlite } from '@electric-sql/pglite';
import { PostgresPrinter } from '../../../dialects/postgres/postgres-printer.js';
import type { SourceDataset, SourceTable } from '../../../src/reference/dataset.js';
import { parseInstant } from '../../../src/reference/values.js';
import type { SqlType } from '../../../src/sql/ast.js';
import type { LogicalType } from '../../../src/warehouse/catalog.js';

const printer = new PostgresPrinter();

const SQL_TYPES: Record<LogicalType, SqlType> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  timestamp: 'timestamp',
  list: 'string_list',
  unknown: 'string',
};

/** What loading needs of a Postgres client: PGlite in-process, or `pg` over the wire. */
export interface PostgresSession {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params: unknown[]): Promise<unknown>;
}

export async function loadDatasetPg(db: PGlite | PostgresSession, dataset: SourceDataset, schema = 'app'): Promise<void> {
  await createTablesPg(db, schema, Object.fromEntries(Object.entries(dataset.tables).map(([name, t]) => [name, t.columns])));
  for (const [name, table] of Object.entries(dataset.tables)) await insertRowsPg(db, schema, name, table.columns, table.rows);
}

/** Replaces the schema with these empty tables. */
export async function createTablesPg(db: PGlite | PostgresSession, schema: string, tables: Readonly<Record<string, SourceTable['columns']>>): Promise<void> {
  await db.exec(`DROP SCHEMA IF EXISTS ${printer.quoteIdentifier(schema)} CASCADE`);
  await db.exec(printer.printDdl({ kind: 'create_schema', schema }));
  for (const [name, types] of Object.entries(tables)) {
    const columns = Object.entries(types);
    await db.exec(
      printer.printDdl({ kind: 'create_table', schema, name, primaryKey: [], columns: columns.map(([c, t]) => ({ name: c, type: SQL_TYPES[t], nullable: true })) }),
    );
  }
}

/** Postgres numbers a statement's bound parameters with 16 bits. */
const MAX_PARAMETERS = 65_535;

/** Appends rows to a table made by createTablesPg, as multi-row INSERTs with every value a bound parameter. */
export async function insertRowsPg(db: PGlite | PostgresSession, schema: string, name: string, types: SourceTable['columns'], rows: SourceTable['rows']): Promise<void> {
  const columns = Object.entries(types);
  const target = `${printer.visitTableName(schema, name)} (${columns.map(([c]) => printer.quoteIdentifier(c)).join(', ')})`;
  const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => {
      const slots = columns.map(([c, type]) => {
        const v = row[c];
        if (v === null || v === undefined) params.push(null);
        else if (type === 'timestamp') params.push(new Date(parseInstant(String(v))).toISOString().replace('T', ' ').replace('Z', ''));
        else if (type === 'list') params.push(typeof v === 'string' ? JSON.parse(v) : v);
        else params.push(v);
        return `$${params.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await db.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, params);
  }
}
