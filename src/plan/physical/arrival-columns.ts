// What the incremental passes (incremental-pass.ts, funnel-pass.ts) need to know of the warehouse
// beyond the plan; src/incremental/incremental-settings.ts gives it from the catalog.
export interface ArrivalColumns {
  /** The arrival column of a source table, or null when it has none (its scans run full). */
  arrivalColumn(table: string): string | null;
  /** Offline (`quorum explain --plan`): the catalog was not read, so column types are not checked. */
  readonly offline?: boolean;
}
