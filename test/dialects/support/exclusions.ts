// Where @polyglot-sql/sdk's translation to DuckDB is known to be unfaithful to the BigQuery or
// Snowflake semantics of a statement, so that running the translation proves nothing. Each entry
// names the coverage definition and why; the engines test checks the list stays under 10%.
export interface Exclusion {
  readonly dialect: 'bigquery' | 'snowflake';
  readonly definition: string;
  readonly reason: string;
}

export const EXCLUDED: readonly Exclusion[] = [];

export function excludedReason(dialect: string, definition: string): string | null {
  return EXCLUDED.find((e) => e.dialect === dialect && e.definition === definition)?.reason ?? null;
}
