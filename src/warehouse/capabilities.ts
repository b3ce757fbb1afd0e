// What a warehouse's SQL can do, declared once per dialect (dialects/<name>/index.ts) and read by
// the printer. A flag a dialect leaves out takes the conservative value: SQL that every warehouse
// runs correctly, perhaps longer or slower. A new dialect that declares nothing is therefore
// correct before it is fast, and a flag is turned on with the vendor's documentation beside it.

export interface DialectCapabilities {
  /**
   * Aggregates take a `FILTER (WHERE ...)` clause (SQL:2003). Without it a filtered aggregate
   * reads `CASE WHEN f THEN x END`, NULL where the filter does not hold, which every aggregate
   * quorum uses skips; a filtered COUNT(*) is the printer's `visitCountIf`.
   */
  readonly supportsAggregateFilter: boolean;
  /**
   * The printer's sorted distinct list aggregate leaves NULL out, as Snowflake's ARRAY_AGG does
   * (and BigQuery's with IGNORE NULLS). Without FILTER, a filtered list needs it: standard
   * ARRAY_AGG keeps the NULL of every row the CASE turned away, so such a list is UNSUPPORTED.
   */
  readonly listAggregateSkipsNulls: boolean;
  /**
   * CONCAT skips NULL arguments. Where it returns NULL instead, each non-literal argument falls
   * back to '' so that every warehouse gives the same text.
   */
  readonly concatSkipsNulls: boolean;
  /**
   * A schema may be written `database.schema` (`project.dataset`) in quorum.yml, each part its
   * own identifier. Without it a schema name is one identifier.
   */
  readonly supportsQualifiedSchemaNames: boolean;
  /**
   * DROP TABLE inside a transaction is undone by its ROLLBACK and does not commit what came
   * before. Without it (Snowflake commits on DDL), a run's transaction holds no DDL at all: a state
   * table it stops using is emptied and forgotten there, and stays behind empty.
   */
  readonly transactionalDdl: boolean;
}

export const CONSERVATIVE_CAPABILITIES: DialectCapabilities = Object.freeze({
  supportsAggregateFilter: false,
  listAggregateSkipsNulls: false,
  concatSkipsNulls: false,
  supportsQualifiedSchemaNames: false,
  transactionalDdl: false,
});

/** A dialect's capabilities: what it declares, the conservative value for the rest. */
export function declareCapabilities(declared: Partial<DialectCapabilities>): DialectCapabilities {
  return Object.freeze({ ...CONSERVATIVE_CAPABILITIES, ...declared });
}
