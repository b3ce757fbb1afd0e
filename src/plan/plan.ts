// STAGE 2: the typed plan. Warehouse-free, serialisable: what to compute, not how to print it.
// Every per-entity value a condition or an output needs is a Feature with a stable column name;
// features are deduplicated, so a trait used by ten audiences is computed once.
import type {
  ComparisonOp,
  ComputeKind,
  CountOp,
  Level,
  Predicate,
  SourceLayout,
  SqlTemplatePart,
  TimeWindow,
} from '../definitions/model.js';
import type { LogicalType } from '../warehouse/catalog.js';

export type ValueType = LogicalType;

/** Which rows of a source table an event reference matches. */
export interface EventMatch {
  readonly table: string; // physical table in the source schema
  readonly column: string; // event_text for track events, name for pages / screens
  readonly value: string | null; // null: every row of the table
}

export interface PlanFilter {
  readonly column: string;
  readonly predicate: Predicate;
  readonly type: ValueType;
}

/** One aggregate over one event table, computed in that table's single scan. */
export interface Measure {
  readonly column: string; // output column of the scan, e.g. "m_3"
  readonly aggregate: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct' | 'sorted_distinct_list';
  readonly property: string | null;
  readonly match: EventMatch;
  readonly window: TimeWindow | null;
  readonly filters: readonly PlanFilter[];
  /** group_context: at account level only events whose context group is the account, or none. */
  readonly groupContext: boolean;
}

export interface EventScan {
  readonly name: string; // CTE name
  readonly level: Level;
  readonly table: string;
  readonly measures: readonly Measure[];
}

/** One step of a funnel: the first step's window is a lookback at as_of, a later one's is measured from the previous step. */
export interface PlanFunnelStep {
  readonly match: EventMatch;
  readonly window: TimeWindow | null;
  readonly filters: readonly PlanFilter[];
  readonly negated: boolean;
}

/** A funnel (SPEC §5): one CTE of the users who reached each step (src/sql/lower-funnel.ts). */
export interface PlanFunnel {
  readonly name: string; // CTE name
  readonly steps: readonly PlanFunnelStep[];
  readonly file: string;
}

/** most_frequent / first / last need a ranking, not a plain aggregate: a CTE of their own. */
export interface RankedTrait {
  readonly name: string; // CTE name
  readonly trait: string;
  readonly level: Level;
  readonly compute: Extract<ComputeKind, 'most_frequent' | 'first' | 'last'>;
  readonly property: string;
  readonly match: EventMatch;
  readonly window: TimeWindow | null;
  readonly filters: readonly PlanFilter[];
  readonly groupContext: boolean;
  readonly minFrequency: number;
  readonly file: string;
}

export interface PlanSqlTrait {
  readonly name: string; // CTE name
  readonly trait: string;
  readonly level: Level;
  readonly template: readonly SqlTemplatePart[];
  readonly columns: readonly string[];
  readonly associatesUsers: boolean;
  readonly file: string;
}

export type FeatureSource =
  | { readonly kind: 'custom_trait'; readonly column: string }
  | { readonly kind: 'measure'; readonly scan: string; readonly measure: string; readonly whenMissing: 'zero' | 'null' | 'empty_list' }
  | { readonly kind: 'ranked'; readonly cte: string }
  | { readonly kind: 'sql_trait'; readonly cte: string; readonly column: string }
  /** 1 when the user completed the first `step` steps of the funnel (`final`: all of them), else 0. */
  | { readonly kind: 'funnel'; readonly cte: string; readonly step: number; readonly final: boolean };

export interface Feature {
  readonly column: string; // column of the level's features CTE, e.g. "f_7"
  readonly level: Level;
  readonly type: ValueType;
  readonly source: FeatureSource;
  readonly label: string; // for explain: "logins_past_30_days", "role", "performed Logged In within 7d"
}

export type PlanCondition =
  | { readonly kind: 'all' | 'any'; readonly children: readonly PlanCondition[]; readonly label: string }
  | { readonly kind: 'not'; readonly child: PlanCondition; readonly label: string }
  | {
      readonly kind: 'compare';
      readonly feature: string;
      readonly op: ComparisonOp;
      readonly value: Predicate['value'];
      readonly ignoreCase: boolean;
      /** The literals' instants, parsed at load (definitions/literal-instants.ts). */
      readonly instants: Predicate['instants'];
      readonly type: ValueType;
      readonly label: string;
    }
  | { readonly kind: 'count'; readonly feature: string; readonly op: CountOp; readonly n: number; readonly label: string }
  /** Holds when its last step does; the steps are there for `preview`'s per-step counts. */
  | { readonly kind: 'funnel'; readonly steps: readonly Extract<PlanCondition, { kind: 'count' }>[]; readonly label: string }
  | { readonly kind: 'member'; readonly audience: string; readonly label: string }
  | { readonly kind: 'member_of_account_audience'; readonly audience: string; readonly label: string }
  | {
      readonly kind: 'quantifier';
      readonly quantifier: 'any_user' | 'all_users' | 'no_user' | 'at_least_users';
      readonly atLeast: { readonly count: number } | { readonly percent: number } | null;
      readonly column: string; // column in the audience's quantifier CTE counting matching users
      readonly condition: PlanCondition; // user level
      readonly label: string;
    };

export interface PlanAudience {
  readonly name: string;
  readonly level: Level;
  readonly file: string;
  readonly condition: PlanCondition;
  /** Quantifier nodes of this audience, evaluated in one aggregate over its accounts' users. */
  readonly quantifiers: readonly Extract<PlanCondition, { kind: 'quantifier' }>[];
}

export type PlanOutput =
  | { readonly kind: 'audience'; readonly name: string; readonly level: Level }
  | { readonly kind: 'trait'; readonly name: string; readonly level: Level; readonly columns: readonly { readonly name: string; readonly feature: string }[] };

/** Identity stitching as a plan reads it (SPEC §2.1; src/plan/plan-identity.ts). */
export interface PlanIdentity {
  readonly conflict: 'first' | 'last';
  /** Source tables whose rows can carry both an anonymous_id and a user_id: every one holds identity edges. */
  readonly edgeTables: readonly string[];
  /** Columns of each source table, where the catalog knows them: a stitched read projects only those. */
  readonly tableColumns: Readonly<Record<string, readonly string[]>>;
  /** explain only: event rows are read only when they came through stitching (their own user_id is null). */
  readonly onlyStitchedEvents: boolean;
}

export interface Plan {
  readonly asOf: string;
  readonly layout: SourceLayout;
  /** Null when identity stitching is off. */
  readonly identity: PlanIdentity | null;
  /** Source tables whose user_id values make the user universe. */
  readonly userUniverseTables: readonly string[];
  readonly customTraits: { readonly user: readonly string[]; readonly account: readonly string[] };
  readonly scans: readonly EventScan[];
  readonly ranked: readonly RankedTrait[];
  readonly funnels: readonly PlanFunnel[];
  readonly sqlTraits: readonly PlanSqlTrait[];
  readonly features: readonly Feature[];
  readonly audiences: readonly PlanAudience[]; // dependencies first
  readonly outputs: readonly PlanOutput[];
  /**
   * Types of the source columns the plan reads, by table then column, where the catalog knows
   * them: lowering needs them to order strings by code point on every warehouse.
   */
  readonly columnTypes: Readonly<Record<string, Readonly<Record<string, ValueType>>>>;
}
