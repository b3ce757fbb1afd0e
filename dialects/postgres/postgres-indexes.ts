// The leading column of every valid index on a schema's tables. An incremental run finds the rows
// new to it through the arrival column and the event time; where neither has an index, Postgres
// reads the whole table in each statement that looks for them (docs/warehouses.md, "Indexes for
// incremental runs"), and the run warns.

/** `$1` / `?`: the schema, as the driver's own placeholder. */
export const indexedColumnsSql = (placeholder: '$1' | '?'): string =>
  'select c.relname as table_name, a.attname as column_name from pg_index i' +
  ' join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace' +
  ' join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]' +
  ` where n.nspname = ${placeholder} and i.indisvalid`;

/** One row, `redshift`: whether the server is Redshift, whose version string names it. */
export const REDSHIFT_SQL = "select position('Redshift' in version()) > 0 as redshift";

export function indexedColumnsOf(rows: readonly { table_name: string; column_name: string }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.table_name, (out.get(r.table_name) ?? new Set()).add(r.column_name));
  return out;
}
