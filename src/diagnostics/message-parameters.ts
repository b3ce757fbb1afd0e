// The parameters of every diagnostic code: the one place that says what a message of that code
// can say. A call site passes these, never a sentence; `message-map.ts` turns them into the
// message and the hint. The code is stable (users search for it, tests assert on it).
import type { SourceLocation } from '../definitions/model.js';
import type { LogicalType } from '../warehouse/catalog.js';

/** A definition as messages name it: `audience "a"` at `audiences/a.yml:3:1`. */
export interface Named {
  readonly subject: string;
  readonly loc: SourceLocation;
}

/** Why a warehouse could not be reached (warehouse/connect-failure.ts finds it in an error's cause chain). */
export type ConnectCause = 'dns' | 'refused' | 'authentication' | 'tls' | 'timeout' | 'network';

/** A kind of definition and where one is: `computed trait` at `traits/t.yml:1:1`. */
export interface Placed {
  readonly kind: string;
  readonly loc: SourceLocation;
}

/** A plain value as written in YAML. */
type Literal = string | number | boolean | null;

/**
 * The four shapes a YAML reading problem takes. `what` names the thing read (`audience "a"`,
 * `"then"`, `a property filter of ...`); `found` describes what was there (`the number 3`).
 */
export type ShapeParameters =
  /** `<what>: "<key>" must be <expected>, not <found>.` */
  | {
      readonly form: 'expected';
      readonly what: string;
      readonly key?: string;
      readonly expected: string;
      readonly found: string;
      readonly fix?: string | null;
    }
  /** `<what> has both "<a>" and "<b>", but <rule>.` */
  | { readonly form: 'both'; readonly what: string; readonly keys: readonly [string, string]; readonly rule: string; readonly fix: string }
  /** `<what> has no "<key>"[, <purpose>].` */
  | { readonly form: 'missing'; readonly what: string; readonly key: string; readonly purpose?: string; readonly fix: string | null }
  /** `<what> has neither "<a>" nor "<b>"...` */
  | { readonly form: 'neither'; readonly what: string; readonly keys: readonly string[]; readonly fix: string }
  /** `<what>: "<key>" is <shown>, but it must be one of ...` */
  | {
      readonly form: 'one_of';
      readonly what: string;
      readonly key: string;
      readonly shown: string;
      readonly allowed: readonly string[];
      readonly suggestion: string | null;
    }
  /** `<what>: "<key>" is <value>, which is outside <low> to <high>` (or below `low` when `high` is null). */
  | {
      readonly form: 'range';
      readonly what: string;
      readonly key: string;
      readonly value: number;
      readonly low: number;
      readonly high: number | null;
    }
  /** `<what> lists "<value>" twice.` */
  | { readonly form: 'twice'; readonly what: string; readonly value: string }
  /** `<what> has an empty list...` */
  | { readonly form: 'empty'; readonly what: string; readonly consequence?: string; readonly fix: string | null }
  /** A rule of one reader, said in its own words: `<what> <problem>.` */
  | { readonly form: 'rule'; readonly what: string; readonly problem: string; readonly fix: string | null };

export interface MessageParameters {
  readonly yaml_syntax: { readonly file: string; readonly problem: string };
  readonly file_too_large: { readonly file: string; readonly bytes: number; readonly maxBytes: number; readonly kind: 'project file' | 'definition file' | 'test file' };
  readonly unreadable_file:
    | { readonly rule: 'link_loop'; readonly file: string; readonly kind: string }
    | { readonly rule: 'not_a_file'; readonly file: string; readonly kind: string; readonly folder: boolean }
    | { readonly rule: 'dangling_link'; readonly file: string; readonly kind: string; readonly target: string }
    /** `target`: where the links lead; `where`: that place in words (outside the project, in .git). */
    | { readonly rule: 'link_leaves_project'; readonly file: string; readonly kind: string; readonly target: string; readonly where: string }
    | { readonly rule: 'unreadable'; readonly file: string; readonly kind: string; readonly detail: string };
  readonly invalid_utf8: { readonly file: string; readonly byte: number; readonly offset: number };
  readonly nul_character: { readonly file: string; readonly escaped: boolean };
  readonly nesting_too_deep: { readonly file: string; readonly max: number };
  readonly alias_limit: { readonly file: string; readonly max: number };
  readonly too_many_keys: { readonly file: string; readonly max: number; readonly mappingLine: number };
  readonly too_many_tokens: { readonly file: string; readonly max: number };
  readonly unknown_key:
    | {
        readonly form: 'unknown';
        readonly what: string;
        readonly key: string;
        readonly allowed: readonly string[];
        readonly suggestion: string | null;
        /** Why the key belongs elsewhere, when it does (`"name" selects page or screen views`). */
        readonly note?: string;
        /** For a condition: the shapes a condition may take. */
        readonly shapes?: string;
      }
    /** A default Segment column that the project's source layout names otherwise. */
    | { readonly form: 'renamed'; readonly key: string; readonly to: string }
    | Extract<ShapeParameters, { readonly form: 'rule' }>;
  readonly missing_key: ShapeParameters;
  readonly wrong_type: ShapeParameters;
  readonly invalid_value: ShapeParameters;
  readonly duplicate_name:
    | { readonly kind: 'definition'; readonly name: string; readonly first: Placed; readonly later: string }
    | { readonly kind: 'test_case'; readonly name: string; readonly file: string; readonly firstLine: number };
  readonly unknown_reference:
    | {
        readonly kind: 'destination';
        readonly name: string;
        readonly by: string;
        readonly defined: readonly string[];
        readonly suggestion: string | null;
      }
    | {
        readonly kind: 'audience';
        readonly name: string;
        readonly by: string;
        readonly key: string;
        readonly other: Placed | null;
        readonly suggestion: string | null;
      }
    | {
        readonly kind: 'sql_trait_column';
        readonly name: string;
        readonly by: string;
        readonly sqlTrait: string;
        readonly columns: readonly string[];
        readonly suggestion: string | null;
      }
    /** A warning: offline, an undefined trait name close to a defined one is read as a custom column. */
    | { readonly kind: 'likely_typo'; readonly name: string; readonly by: string; readonly table: string; readonly suggestion: string }
    | {
        readonly kind: 'definition';
        readonly name: string;
        readonly defined: readonly string[];
        readonly suggestion: string | null;
        readonly pattern?: boolean;
        readonly noRun?: boolean;
      }
    | {
        readonly kind: 'level_trait';
        readonly name: string;
        readonly level: string;
        readonly table: string;
        readonly candidates: readonly string[];
        readonly suggestion: string | null;
      }
    | { readonly kind: 'plan_audience'; readonly name: string; readonly by: string }
    | { readonly kind: 'plan_trait'; readonly name: string; readonly by: string; readonly level: string }
    | {
        readonly kind: 'source';
        readonly name: string;
        readonly by: string;
        readonly expression: string;
        readonly roles: readonly string[];
        readonly snake: string;
      }
    | {
        readonly kind: 'test_definition';
        readonly name: string;
        readonly by: string;
        readonly fix: string;
        readonly suggestion: string | null;
      }
    | { readonly kind: 'test_destination'; readonly name: string; readonly defined: readonly string[]; readonly suggestion: string | null }
    | { readonly kind: 'test_table'; readonly name: string; readonly suggestion: string | null };
  readonly ambiguous_reference: { readonly name: string; readonly by: string; readonly level: string; readonly found: readonly Named[] };
  readonly level_mismatch:
    | { readonly rule: 'performed' | 'funnel'; readonly by: string; readonly event: string }
    | { readonly rule: 'quantifier'; readonly by: string; readonly quantifier: string }
    | {
        readonly rule: 'trait';
        readonly by: string;
        readonly level: 'user' | 'account';
        readonly trait: string;
        readonly traitLevel: string;
        readonly traitIs: string;
      }
    | { readonly rule: 'in_audience'; readonly by: string; readonly key: string; readonly audience: string; readonly at: SourceLocation }
    | { readonly rule: 'scope'; readonly by: string }
    | { readonly rule: 'plan'; readonly by: string; readonly trait: string; readonly level: string };
  readonly cycle: {
    readonly audience: string;
    readonly steps: readonly { readonly from: string; readonly to: string; readonly loc: SourceLocation }[];
  };
  readonly sql_not_select:
    | { readonly rule: 'empty'; readonly subject: string }
    | { readonly rule: 'statements'; readonly subject: string; readonly count: number }
    | { readonly rule: 'pivot'; readonly subject: string }
    | { readonly rule: 'not_a_query'; readonly subject: string; readonly is: string }
    | { readonly rule: 'writes'; readonly subject: string; readonly uses: string }
    | { readonly rule: 'embedded'; readonly subject: string };
  readonly sql_template:
    | { readonly rule: 'block'; readonly subject: string; readonly block: string }
    | { readonly rule: 'unclosed'; readonly subject: string }
    | { readonly rule: 'unknown'; readonly subject: string; readonly expression: string; readonly unquoted: string | null };
  readonly sql_unparsable: { readonly subject: string; readonly dialect: string; readonly detail: string };
  readonly sql_forbidden:
    | { readonly reads: 'function'; readonly subject: string; readonly name: string; readonly why: string }
    | { readonly reads: 'relation'; readonly subject: string; readonly name: string; readonly why: string };
  readonly sql_reserved_column: { readonly subject: string; readonly column: string; readonly reserved: readonly string[] };
  readonly uncastable_literal: {
    readonly what: string;
    readonly type: LogicalType;
    readonly holder: string;
    readonly value: Literal;
    readonly op: string;
  };
  readonly missing_table:
    | {
        readonly rule: 'needed';
        readonly schema: string;
        readonly table: string;
        readonly reason: string;
        readonly suggestion: string | null;
      }
    | {
        readonly rule: 'source';
        readonly schema: string;
        readonly table: string;
        readonly by: string;
        readonly role: string;
        readonly suggestion: string | null;
      }
    /** The warehouse's own words, classified by a connector. */
    | { readonly rule: 'warehouse'; readonly warehouse: string; readonly object: string; readonly detail: string; readonly fix: string };
  readonly missing_column:
    | {
        readonly rule: 'custom_trait';
        readonly by: string;
        readonly trait: string;
        readonly level: string;
        readonly table: string;
        readonly suggestion: string | null;
      }
    | {
        readonly rule: 'property';
        readonly by: string;
        readonly property: string;
        readonly table: string;
        readonly computes: string | null;
        readonly suggestion: string | null;
      }
    | { readonly rule: 'group_context'; readonly by: string; readonly table: string; readonly column: string }
    | { readonly rule: 'warehouse'; readonly warehouse: string; readonly detail: string; readonly fix: string };
  /** A warning of `quorum validate` (Postgres, incremental runs on): per table, the columns no index starts with. */
  readonly unindexed_new_rows: { readonly schema: string; readonly tables: readonly { readonly table: string; readonly columns: readonly string[] }[] };
  readonly warehouse_unreachable:
    | {
        readonly rule: 'connect';
        readonly target: string;
        readonly cause: ConnectCause | null;
        readonly detail: string;
        readonly fix?: string;
      }
    | { readonly rule: 'no_connector'; readonly type: string }
    | { readonly rule: 'no_database'; readonly target: string; readonly detail: string; readonly fix: string }
    | { readonly rule: 'missing_file'; readonly warehouse: string; readonly path: string };
  readonly warehouse_error:
    | { readonly rule: 'permission' | 'timeout' | 'out_of_memory'; readonly warehouse: string; readonly detail: string; readonly fix: string }
    | { readonly rule: 'rejected'; readonly warehouse: string; readonly detail: string }
    | { readonly rule: 'sql_trait'; readonly trait: string; readonly detail: string }
    | { readonly rule: 'evaluation'; readonly warehouse: string; readonly detail: string };
  readonly unsupported_feature: { readonly warehouse: string; readonly what: string; readonly fix: string };
  readonly duplicate_key: { readonly trait: string; readonly key: string; readonly value: unknown };
  /** `text`: the value's JSON text as the warehouse wrote it, cut short */
  readonly value_not_json: { readonly trait: string; readonly key: string; readonly entity: string; readonly text: string };
  readonly missing_env: { readonly what: string; readonly key: string; readonly variable: string };
  readonly state_locked:
    | { readonly rule: 'held'; readonly schema: string; readonly holder: string; readonly until: string }
    | { readonly rule: 'lost'; readonly schema: string; readonly runId: string }
    | { readonly rule: 'file'; readonly path: string; readonly detail: string };
  readonly state_damaged: { readonly schema: string; readonly problems: readonly string[] };
  readonly state_newer: { readonly schema: string; readonly found: number; readonly reads: number };
  readonly mass_exit: { readonly definition: string; readonly detail: string | null };
  readonly delivery_failed: { readonly destination: string; readonly detail: string | null };
  /** the first call of a definition over a destination's call limit in a run, and how many more */
  readonly call_too_large: {
    readonly destination: string;
    readonly definition: string;
    readonly entity: string;
    readonly call: string;
    readonly bytes: number;
    readonly limit: number;
    readonly more: number;
  };
  readonly not_a_project: {
    readonly rule: 'missing_folder' | 'a_file' | 'config_folder' | 'unreadable' | 'no_config';
    readonly dir: string;
    readonly configFile: string;
  };
  readonly file_system: {
    readonly action: string;
    readonly path: string | null;
    readonly reason: string;
    readonly errno: string;
    readonly fix: string;
  };
  readonly internal_error: { readonly detail: string };
  /** The CLI's own sentence: usage problems come from the argument parser. */
  readonly usage: { readonly problem: string; readonly fix: string | null };
}

export type DiagnosticCode = keyof MessageParameters;
