import type { LogicalType } from '../warehouse/catalog.js';

/**
 * Source data in the warehouse's own layout, held in memory: the input of the reference
 * evaluator and of the loaders that write the same rows into a real engine for differential
 * tests. Table names are physical (identifies, groups, tracks, pages, screens, and one table
 * per track event, e.g. logged_in). Timestamps are ISO-8601 strings in UTC with a `Z`.
 */
export type SourceValue = string | number | boolean | null;

export interface SourceRow {
  readonly [column: string]: SourceValue;
}

export interface SourceTable {
  readonly columns: Readonly<Record<string, LogicalType>>;
  readonly rows: readonly SourceRow[];
}

export interface SourceDataset {
  readonly tables: Readonly<Record<string, SourceTable>>;
}

/** A trait value as quorum reports it: lists for unique_list, numbers, strings, booleans, null. */
export type TraitValue = string | number | boolean | null | readonly (string | number | boolean)[];

export type DefinitionResult =
  | { readonly kind: 'audience'; readonly level: 'user' | 'account'; readonly members: ReadonlySet<string> }
  | {
      readonly kind: 'trait';
      readonly level: 'user' | 'account';
      /** One entry per entity of the level's universe, nulls included; for a multi-column SQL trait, column -> value. */
      readonly values: ReadonlyMap<string, TraitValue | Readonly<Record<string, TraitValue>>>;
    };
