// The validated definition model: what stage 1 (parse + validate) hands to stage 2 (plan).
// Plain readonly data with `kind` tags; every node keeps where it came from so that later
// stages can still point at the user's line.

export interface SourceLocation {
  readonly file: string; // project-relative path, e.g. "audiences/at_risk.yml"
  readonly line: number; // 1-based
  readonly col: number; // 1-based
  /** The first position after the span (same numbering), for the code frame's underline; absent for a point. */
  readonly end?: { readonly line: number; readonly col: number };
}

export type Level = 'user' | 'account';

/** A literal as written in YAML. Timestamps stay ISO-8601 strings until a type is known. */
export type Scalar = string | number | boolean | null;

/** Half-open windows. `within` is (as_of - seconds, as_of]; `between` is [start, end). */
export type TimeWindow =
  | { readonly kind: 'within'; readonly seconds: number; readonly text: string }
  /** `start` and `end` are canonical UTC instants (`2024-01-01T00:00:00.000Z`), parsed at load. */
  | { readonly kind: 'between'; readonly start: string; readonly end: string };

/**
 * Which events a leaf or a computed trait looks at. `track` events are found in their own
 * event table (snake case of the name, as Segment names it) with `event_text` equal to `name`;
 * `page` / `screen` read the pages / screens tables, optionally only rows whose `name` matches.
 */
export type EventRef =
  | { readonly kind: 'track'; readonly name: string }
  | { readonly kind: 'page' | 'screen'; readonly name: string | null };

export type ComparisonOp =
  | 'equals'
  | 'not_equals'
  | 'in'
  | 'not_in'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'between'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'exists'
  | 'includes';

export const COMPARISON_OPS: readonly ComparisonOp[] = [
  'equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between',
  'contains', 'starts_with', 'ends_with', 'exists', 'includes',
];

/**
 * One comparison. `value` is a Scalar for most ops, a list for in / not_in, a pair for
 * between, and a boolean for exists.
 */
export interface Predicate {
  readonly op: ComparisonOp;
  readonly value: Scalar | readonly Scalar[];
  readonly ignoreCase: boolean;
  /**
   * Each string literal that is an ISO-8601 date or timestamp, by its text, as the canonical UTC
   * instant it was parsed to at load (`literal-instants.ts`); a literal compared with a timestamp
   * column is read only from here.
   */
  readonly instants: Readonly<Record<string, string>>;
}

export interface PropertyFilter {
  readonly property: string; // column name in the event table, as written (snake case)
  readonly predicate: Predicate;
  readonly loc: SourceLocation;
}

export type CountOp = 'at_least' | 'at_most' | 'exactly';

/**
 * One step of a funnel (`then:`, SPEC §5 "Funnels"). The first step's window is its lookback at
 * as_of like any performed leaf's; every later step's window is `within` and is measured from the
 * previous step's event: (prev.time, prev.time + seconds]. Only the last step may be `negated`
 * (`not_performed`).
 */
export interface FunnelStep {
  readonly event: EventRef;
  readonly window: TimeWindow | null;
  readonly filters: readonly PropertyFilter[];
  readonly negated: boolean;
  readonly loc: SourceLocation;
}

export type Condition =
  | { readonly kind: 'all'; readonly children: readonly Condition[]; readonly loc: SourceLocation }
  | { readonly kind: 'any'; readonly children: readonly Condition[]; readonly loc: SourceLocation }
  | { readonly kind: 'not'; readonly child: Condition; readonly loc: SourceLocation }
  | {
      readonly kind: 'trait';
      readonly trait: string;
      readonly predicate: Predicate;
      readonly loc: SourceLocation;
    }
  | {
      readonly kind: 'in_audience';
      readonly audience: string;
      readonly negated: boolean; // not_in_audience
      readonly loc: SourceLocation;
    }
  | {
      // `not_performed: E` is parsed into this with count { op: 'exactly', n: 0 }
      readonly kind: 'performed';
      readonly event: EventRef;
      readonly window: TimeWindow | null;
      readonly filters: readonly PropertyFilter[];
      readonly count: { readonly op: CountOp; readonly n: number };
      readonly loc: SourceLocation;
    }
  | {
      // a performed leaf with `then:`; at least two steps
      readonly kind: 'funnel';
      readonly steps: readonly FunnelStep[];
      readonly loc: SourceLocation;
    }
  | {
      readonly kind: 'quantifier';
      readonly quantifier: 'any_user' | 'all_users' | 'no_user' | 'at_least_users';
      /** at_least_users only: exactly one of count / percent is set. */
      readonly atLeast: { readonly count: number } | { readonly percent: number } | null;
      readonly condition: Condition; // a user-level tree
      readonly loc: SourceLocation;
    };

export type ComputeKind =
  | 'count'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'most_frequent'
  | 'first'
  | 'last'
  | 'unique_list'
  | 'unique_count';

export const COMPUTE_KINDS: readonly ComputeKind[] = [
  'count', 'sum', 'avg', 'min', 'max', 'most_frequent', 'first', 'last', 'unique_list', 'unique_count',
];

export interface SyncTarget {
  readonly to: string; // destination name in quorum.yml
  readonly calls: readonly ('group' | 'identify' | 'track')[];
  readonly trackEvents: { readonly entered: string; readonly exited: string };
  readonly loc: SourceLocation;
}

interface DefinitionBase {
  readonly name: string;
  readonly level: Level;
  readonly description: string | null;
  readonly sync: readonly SyncTarget[];
  readonly loc: SourceLocation; // of the definition's name key
}

export interface ComputedTraitDefinition extends DefinitionBase {
  readonly kind: 'computed_trait';
  readonly compute: ComputeKind;
  readonly event: EventRef;
  readonly window: TimeWindow | null;
  readonly filters: readonly PropertyFilter[];
  readonly property: string | null; // required for every compute kind but count
  readonly minFrequency: number; // most_frequent only; default 2
  readonly scope: 'users' | 'group_context'; // account level only
}

export interface SqlTraitDefinition extends DefinitionBase {
  readonly kind: 'sql_trait';
  readonly sql: string; // raw template, with {{ source('x') }} and {{ as_of }}
  /** The template read once at load (parse-sql.ts); every later step reads this, not `sql`. */
  readonly template: readonly SqlTemplatePart[];
  /** Trait columns, when declared; otherwise learnt from the warehouse, else [name]. */
  readonly columns: readonly string[] | null;
}

/** A piece of a SQL trait's template; `offset` is where it starts in `sql`. */
export type SqlTemplatePart =
  | { readonly kind: 'text'; readonly text: string; readonly offset: number }
  | { readonly kind: 'source'; readonly table: string; readonly offset: number }
  | { readonly kind: 'as_of'; readonly offset: number };

export interface AudienceDefinition extends DefinitionBase {
  readonly kind: 'audience';
  readonly schedule: string | null;
  /** Where `schedule:`'s value is written, for `quorum schedule`'s errors about it. */
  readonly scheduleLoc?: SourceLocation;
  readonly where: Condition;
  readonly maxExitFraction: number | null;
}

export type Definition = ComputedTraitDefinition | SqlTraitDefinition | AudienceDefinition;

// ---------------------------------------------------------------------------------------------
// quorum.yml

export interface SourceLayout {
  readonly preset: 'segment' | 'rudderstack';
  readonly schema: string;
  readonly eventTime: string; // column name, e.g. "timestamp"
  /**
   * `source.arrival_time`: the column that records when a row was loaded (SPEC §6.1). Absent: the
   * preset's choice per table (`arrivalColumn` in source-layout.ts).
   */
  readonly arrivalTime?: string;
  readonly tables: {
    readonly identifies: string;
    readonly groups: string;
    readonly tracks: string;
    readonly pages: string;
    readonly screens: string;
  };
  readonly columns: {
    readonly id: string;
    readonly userId: string;
    readonly anonymousId: string;
    readonly groupId: string;
    readonly event: string;
    readonly eventText: string;
    readonly contextGroupId: string;
    readonly name: string; // pages / screens name column
  };
}

/**
 * `warehouse:`. The core knows only its `type`, which names the dialect that read the rest: each
 * dialect extends this with its own settings (dialects/<name>/<name>-config.ts).
 */
export interface WarehouseConfig {
  readonly type: string;
  /** `warehouse.connect_timeout` in milliseconds; absent: 30 s (SPEC §8). */
  readonly connectTimeoutMs?: number;
  readonly [setting: string]: unknown;
}

export type DestinationConfig =
  | { readonly type: 'segment'; readonly writeKey: string; readonly endpoint: string; readonly groupIdentity: 'anonymous' | 'member' }
  | { readonly type: 'webhook'; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly secret: string | null }
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'stdout' };

/** quorum.yml `identity:` (SPEC §2.1). */
export interface IdentityConfig {
  readonly stitch: 'off' | 'anonymous_id';
  /** An anonymous_id seen with several user_ids belongs to the user of its first / last edge. */
  readonly conflict: 'first' | 'last';
}

/** quorum.yml `incremental:` (SPEC §6.1); durations in seconds. */
export interface IncrementalConfig {
  readonly enabled: boolean;
  /** rows may be loaded up to this long out of arrival-column order */
  readonly arrivalLagSeconds: number;
  /** a full run at least this long after the last full run; null: only when SPEC §6.1 requires one */
  readonly fullEverySeconds: number | null;
  /** `quorum state verify` after a run when the last verification is older than this; null: never */
  readonly verifyEverySeconds: number | null;
  /** Where quorum.yml turns it on (`enabled:`), for advice about it; absent for the defaults. */
  readonly loc?: SourceLocation;
}

export interface ProjectConfig {
  readonly warehouse: WarehouseConfig;
  readonly source: SourceLayout;
  readonly stateSchema: string;
  /** Identity stitching; absent means off. */
  readonly identity?: IdentityConfig;
  /** Incremental runs; absent means the defaults (INCREMENTAL_DEFAULTS in parse-incremental.ts). */
  readonly incremental?: IncrementalConfig;
  /**
   * `state.outbox_retention_days`: delivered outbox rows older than this are deleted at the end of a
   * run; absent: 7 days (src/sync/prune.ts). Undelivered and set-aside (too large) rows are kept.
   */
  readonly outboxRetentionDays?: number;
  readonly destinations: Readonly<Record<string, DestinationConfig>>;
  readonly maxExitFraction: number; // default 0.5
  readonly personas: { readonly namespace: string; readonly spaceId: string };
  /**
   * `quorum schedule`: the cron of definitions without their own `schedule` (traits, and audiences
   * that leave it out; null: those are not scheduled) and the IANA time zone every cron is read in.
   */
  readonly schedule?: { readonly default: string | null; readonly timezone: string; readonly defaultLoc?: SourceLocation };
  /**
   * Where `source.arrival_time` is written, for validate's check of it against the catalog. Not
   * in `source`, whose every key is part of the dependency hash: moving a line must not run full.
   */
  readonly arrivalTimeLoc?: SourceLocation;
  readonly loc: SourceLocation;
}

export interface Project {
  readonly root: string; // absolute directory
  readonly config: ProjectConfig;
  readonly definitions: readonly Definition[];
}
