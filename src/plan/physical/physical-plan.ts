// STAGE 2b: the physical plan. The logical plan (../plan.ts) says what to compute; this says how:
// the statement's CTEs in order, each with what it reads, the strategy chosen for it and why that
// strategy applies. It is plain readonly data (JSON in, JSON out: `quorum explain --plan`), built
// by the passes of build-physical-plan.ts; src/sql/ translates it to the AST without deciding
// anything again.
import type { Level } from '../../definitions/model.js';
import type { IncrementalDecisions } from './incremental-pass.js';

/** What a CTE reads: another CTE of the statement or a table of the source schema. */
export interface PhysicalInput {
  readonly kind: 'cte' | 'table';
  readonly name: string;
}

/** The groups an account-level scan pre-aggregates per user: (user, [context account], [value]). */
export interface PreAggregationKey {
  readonly property: string | null;
  readonly context: boolean;
}

/** An account audience's quantifier column (its plan name) and the column that counts it in its CTE. */
export interface QuantifierColumn {
  readonly quantifier: string;
  readonly column: string;
}

/** A quantifier over one `performed` leaf, read from the leaf's scan: the users with `measure op n`. */
export interface Performers {
  readonly scan: string;
  readonly measure: string;
  readonly op: 'at_least' | 'exactly';
  readonly n: number;
}

interface Common {
  /** The CTE's name in the statement. */
  readonly name: string;
  readonly inputs: readonly PhysicalInput[];
  /** Why the strategy applies, for a person: `quorum explain --plan`. */
  readonly reason: string;
}

export type PhysicalCte =
  | (Common & { readonly kind: 'sql_trait'; readonly strategy: 'user_query' })
  | (Common & { readonly kind: 'identity_edges'; readonly strategy: 'pairs_per_table' })
  | (Common & { readonly kind: 'identity_owners'; readonly strategy: 'first_edge_per_anonymous_id' })
  | (Common & { readonly kind: 'user_universe'; readonly strategy: 'distinct_user_ids' })
  | (Common & { readonly kind: 'account_universe'; readonly strategy: 'distinct_group_ids' })
  | (Common & { readonly kind: 'memberships'; readonly strategy: 'distinct_pairs' })
  | (Common & { readonly kind: 'custom_traits'; readonly level: Level; readonly strategy: 'latest_row' | 'latest_non_null_per_column' })
  | (Common & {
      readonly kind: 'event_scan';
      /** The logical plan's scan (its name is this CTE's name). */
      readonly scan: string;
      readonly strategy: 'join_events' | 'pre_aggregated_per_user';
      readonly preAggregation: PreAggregationKey | null;
      /** The user_groups CTE the pre-aggregation reads, when other CTEs share it; null: a subquery of its own. */
      readonly groups: string | null;
    })
  | (Common & {
      readonly kind: 'user_groups';
      /** The account-level scan whose groups these are. */
      readonly scan: string;
      readonly strategy: 'shared_per_user_groups';
      readonly key: PreAggregationKey;
      /** The user-level scan of the same table combined from these groups, if any. */
      readonly userScan: string | null;
      /** User-level most_frequent traits counted in these groups. */
      readonly rankedTraits: readonly string[];
    })
  | (Common & {
      readonly kind: 'user_scan_from_groups';
      readonly scan: string;
      readonly strategy: 'combine_partials';
      readonly groups: string;
    })
  | (Common & {
      readonly kind: 'ranked';
      readonly ranked: string;
      readonly strategy: 'from_shared_groups' | 'count_then_rank' | 'first_per_group';
      readonly groups: string | null;
    })
  | (Common & {
      readonly kind: 'funnel_instances';
      readonly funnel: string;
      readonly step: number;
      readonly strategy: 'first_step_rows' | 'follow_previous_step';
    })
  | (Common & {
      readonly kind: 'funnel_step';
      readonly funnel: string;
      readonly step: number;
      readonly strategy: 'distinct_instances' | 'last_step_users' | 'not_performed';
    })
  | (Common & {
      readonly kind: 'features';
      readonly level: Level;
      /**
       * Which entities get a row: the universe, the users of the memberships, the users of some
       * event CTEs, or the users of some event CTEs that the user universe lacks.
       */
      readonly strategy: 'account_universe' | 'user_universe' | 'membership_users' | 'event_users' | 'users_outside_universe';
      /** event_users, users_outside_universe: the CTEs (one row per user each) whose users are listed. */
      readonly rows: readonly string[];
      /** The feature columns of the row (the logical plan's), those some reader needs. */
      readonly columns: readonly string[];
    })
  | (Common & {
      readonly kind: 'quantifiers';
      readonly audiences: readonly string[];
      readonly strategy: 'count_every_user' | 'matching_rows_only';
      /** One row per membership: joined to features:user, or with the user's features computed per row. */
      readonly rows: 'user_features' | 'per_membership';
      /** per_membership: the user feature columns computed per row. */
      readonly featureColumns: readonly string[];
      readonly columns: readonly (QuantifierColumn & { readonly audience: string })[];
    })
  | (Common & {
      readonly kind: 'audience';
      readonly audience: string;
      readonly strategy: 'features_where' | 'quantifier_only' | 'performed_semi_join' | 'performed_anti_joins';
      /** The quantifiers CTE this audience reads, and its quantifiers' columns there. */
      readonly quantifiers: { readonly cte: string; readonly columns: readonly QuantifierColumn[] } | null;
      readonly performers: Performers | null;
      /** The features CTE of the users outside the universe that this audience reads as well (member-list-pass.ts), or null. */
      readonly outside: string | null;
    });

export type PhysicalCteKind = PhysicalCte['kind'];

/** What the statement's body is: members of the outputs, one audience's per-condition counts, or one entity's values. */
export type Body =
  | { readonly kind: 'members' }
  | { readonly kind: 'breakdown'; readonly audience: string }
  | { readonly kind: 'explain'; readonly audience: string; readonly id: string };

/** Where an output's rows are, keyed by `id`: what the members body and the sync staging read. */
export interface OutputRelation {
  readonly name: string;
  readonly kind: 'audience' | 'trait';
  readonly level: Level;
  readonly cte: string;
}

export interface PhysicalPlan {
  readonly kind: 'physical_plan';
  readonly asOf: string;
  readonly body: Body;
  readonly ctes: readonly PhysicalCte[];
  readonly outputs: readonly OutputRelation[];
  /** The memberships CTE (user <-> account pairs at as_of, keyed by the layout's column names). */
  readonly memberships: string;
  /** What an incremental run keeps in state and why (incremental-pass.ts); `quorum explain --plan` sets it. */
  readonly incremental?: IncrementalDecisions;
}

/** A CTE of the plan by name; a missing one is a bug in a pass, never bad input. */
export function cteNamed(plan: PhysicalPlan, name: string): PhysicalCte {
  const found = plan.ctes.find((c) => c.name === name);
  if (found === undefined) throw new Error(`internal error: the physical plan has no CTE "${name}"`);
  return found;
}

export function cteOfKind<K extends PhysicalCteKind>(cte: PhysicalCte, kind: K): Extract<PhysicalCte, { kind: K }> {
  if (cte.kind !== kind) throw new Error(`internal error: CTE "${cte.name}" is a ${cte.kind}, not a ${kind}`);
  return cte as Extract<PhysicalCte, { kind: K }>;
}

/** The relation that holds an output's rows. */
export function outputRelation(plan: PhysicalPlan, name: string): OutputRelation {
  const found = plan.outputs.find((o) => o.name === name);
  if (found === undefined) throw new Error(`internal error: the physical plan has no output "${name}"`);
  return found;
}

export const cteInput = (name: string): PhysicalInput => ({ kind: 'cte', name });
export const tableInput = (name: string): PhysicalInput => ({ kind: 'table', name });
