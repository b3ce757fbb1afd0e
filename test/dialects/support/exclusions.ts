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

/**
 * Failures of DuckDB on a *translated* statement that are the translation's (or DuckDB's binder's)
 * fault, not the dialect's SQL: a generated scenario that hits one is counted as excluded, not
 * failed. Each names the error and why the original statement is valid in its dialect.
 */
export const UNFAITHFUL_TRANSLATIONS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /In a DISTINCT aggregate, ORDER BY expressions must appear in the argument list/,
    reason:
      'unique_list at account level: polyglot turns ARRAY_AGG(DISTINCT CASE ... END IGNORE NULLS ORDER BY <the same CASE>) into DuckDB ' +
      'ARRAY_AGG(DISTINCT ... ORDER BY ...) FILTER (...), and DuckDB\'s binder fails to match the two identical CASE expressions when ' +
      'they reference the GROUP BY key (m.group_id). BigQuery requires exactly this form (the ORDER BY key equal to the DISTINCT argument), ' +
      'and Snowflake\'s ARRAY_AGG(DISTINCT x) WITHIN GROUP (ORDER BY x) is translated to the same DuckDB form.',
  },
  {
    pattern: /Type with name TIMESTAMPNTZ does not exist/,
    reason:
      'unique_list with a time window on Snowflake: polyglot translates CAST(... AS TIMESTAMP_NTZ) to TIMESTAMP everywhere except inside ' +
      'the ORDER BY of ARRAY_AGG(...) WITHIN GROUP (...), where it emits the non-existent DuckDB type TIMESTAMPNTZ. TIMESTAMP_NTZ is ' +
      'Snowflake\'s documented zone-less timestamp type, and the same cast is translated correctly one clause earlier in the statement.',
  },
];

export function unfaithfulTranslation(message: string): string | null {
  return UNFAITHFUL_TRANSLATIONS.find((u) => u.pattern.test(message))?.reason ?? null;
}
