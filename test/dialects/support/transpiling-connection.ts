// BigQuery and Snowflake without BigQuery and Snowflake: a WarehouseConnection that takes the
// statement a dialect printed, has @polyglot-sql/sdk parse it in that dialect and translate it to
// DuckDB, and runs the translation on DuckDB over the same data. Result column names are folded to
// lower case, as the Snowflake connector folds its upper-case names.
import { Dialect as Polyglot, parse, transpile } from '@polyglot-sql/sdk';
import type { DuckDbConnection } from '../../../dialects/duckdb/duckdb-connector.js';
import type { CatalogTable, LogicalType } from '../../../src/warehouse/catalog.js';
import type { Dialect, ResultRow, Statements, WarehouseConnection } from '../../../src/warehouse/connection.js';

export const POLYGLOT_DIALECTS = { bigquery: Polyglot.BigQuery, snowflake: Polyglot.Snowflake, postgres: Polyglot.PostgreSQL, duckdb: Polyglot.DuckDB } as const;

export class TranslationError extends Error {}

/** Parses `sql` in the dialect's grammar; throws with the parser's message when it cannot. */
export function parseIn(dialect: keyof typeof POLYGLOT_DIALECTS, sql: string): void {
  const result = parse(sql, POLYGLOT_DIALECTS[dialect]);
  if (!result.success) throw new TranslationError(`${dialect} parser: ${result.error}`);
}

/**
 * `CAST(<expr> AS VARIANT)` right inside TO_JSON( -> `<expr>`. polyglot maps Snowflake's VARIANT
 * to DuckDB's VARIANT type, whose TO_JSON renders every scalar as a JSON string (0 -> "0"), while
 * Snowflake's TO_JSON(TO_VARIANT(0)) is 0; DuckDB's TO_JSON of the plain value is what Snowflake
 * means. A known unfaithfulness with a mechanical fix, applied to the translation only.
 */
export function unwrapVariantInToJson(sql: string): string {
  const head = 'TO_JSON(CAST(';
  let out = sql;
  for (let at = out.indexOf(head); at >= 0; at = out.indexOf(head, at + 1)) {
    const start = at + head.length;
    let depth = 0;
    let quoted = false;
    for (let i = start; i < out.length; i += 1) {
      const ch = out[i];
      if (ch === "'") quoted = !quoted;
      if (quoted) continue;
      if (ch === '(') depth += 1;
      else if (ch === ')') {
        if (depth === 0) break; // the CAST closed without AS VARIANT at this depth
        depth -= 1;
      } else if (depth === 0 && out.startsWith(' AS VARIANT)', i)) {
        out = `${out.slice(0, at)}TO_JSON(${out.slice(start, i)}${out.slice(i + ' AS VARIANT)'.length)}`;
        break;
      }
    }
  }
  return out;
}

/**
 * polyglot carries a format string over unchanged: Snowflake's TO_CHAR pattern and BigQuery's %E3S
 * (seconds with three digits of fraction) reach DuckDB's STRFTIME, which prints the first as text
 * and refuses the second. The one pattern quorum prints for an instant's text (the printers'
 * visitInstantText) is given DuckDB's equivalent, in the translation only.
 */
const INSTANT_FORMATS: Readonly<Record<string, readonly [string, string]>> = {
  snowflake: [`'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"'`, "'%Y-%m-%dT%H:%M:%S.%gZ'"],
  bigquery: ["'%Y-%m-%dT%H:%M:%E3SZ'", "'%Y-%m-%dT%H:%M:%S.%gZ'"],
};

export function toDuckDb(dialect: keyof typeof POLYGLOT_DIALECTS, sql: string): string {
  const result = transpile(sql, POLYGLOT_DIALECTS[dialect], Polyglot.DuckDB);
  if (!result.success || !result.sql) throw new TranslationError(`${dialect} -> duckdb: ${result.error}`);
  const formats = INSTANT_FORMATS[dialect];
  const translated = formats === undefined ? result.sql.join(';\n') : result.sql.join(';\n').replaceAll(formats[0], formats[1]);
  return dialect === 'snowflake' ? unwrapVariantInToJson(translated) : translated;
}

export class TranspilingConnection implements WarehouseConnection {
  /** Every statement sent, as printed and as translated, for the test to inspect. */
  readonly statements: { printed: string; translated: string }[] = [];

  constructor(
    readonly dialect: Dialect,
    private readonly duck: DuckDbConnection,
  ) {}

  private translate(sql: string): string {
    const name = this.dialect.name as keyof typeof POLYGLOT_DIALECTS;
    // transpile() parses in the source dialect first: a statement it cannot parse fails here.
    const translated = toDuckDb(name, sql);
    this.statements.push({ printed: sql, translated });
    return translated;
  }

  async query(sql: string): Promise<ResultRow[]> {
    const rows = await this.duck.query(this.translate(sql));
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v])));
  }

  readTables(schema: string): Promise<Map<string, CatalogTable>> {
    return this.duck.readTables(schema);
  }

  async describe(sql: string): Promise<Map<string, LogicalType>> {
    const columns = await this.duck.describe(this.translate(sql));
    return new Map([...columns].map(([k, v]) => [k.toLowerCase(), v]));
  }

  async execute(sql: string): Promise<void> {
    await this.duck.execute(this.translate(sql));
  }

  transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    return this.duck.transaction(work);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
