// A warehouse's source tables read back into memory in the reference evaluator's shape: what the
// reference evaluator takes, and what loads the same rows into another engine (load-pglite.ts).
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import type { Catalog } from '../../src/warehouse/catalog.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

/**
 * Every table of the catalog in `schema`; `where`, SQL over the table's own columns, keeps only
 * some of each table's rows (a test's own text, never a user's).
 */
export async function readSourceDataset(
  connection: WarehouseConnection,
  catalog: Catalog,
  schema: string,
  where: string | null = null,
): Promise<SourceDataset> {
  const printer = connection.dialect.printer;
  const tables: Record<string, SourceTable> = {};
  for (const [name, table] of catalog.tables) {
    const rows = await connection.query(`select * from ${printer.visitTableName(schema, name)}${where === null ? '' : ` where ${where}`}`);
    tables[name] = {
      columns: Object.fromEntries(table.columns),
      rows: rows.map((row) => {
        const out: Record<string, SourceRow[string]> = {};
        for (const [column, type] of table.columns) {
          const value = row[column] as SourceRow[string];
          if (value === null || value === undefined) out[column] = null;
          else if (type === 'timestamp') out[column] = `${String(value).replace(' ', 'T')}Z`;
          else if (type === 'integer' || type === 'number') out[column] = Number(value);
          else out[column] = value;
        }
        return out;
      }),
    };
  }
  return { tables };
}
