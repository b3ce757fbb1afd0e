// The model of `quorum test` (SPEC §7 "Definition tests"): what a parsed `tests/*.test.yml`
// file holds. Plain readonly data with positions, like the definition model; the parser
// (parse-test-file.ts) builds it and reports problems as Diagnostics, the runner executes it.
import type { SourceLocation } from '../definitions/model.js';

/** A cell of a given row: a scalar or a list of scalars (list columns, e.g. `tags: [a, b]`). */
export type GivenValue = string | number | boolean | null | readonly (string | number | boolean)[];

export type GivenColumns = Readonly<Record<string, GivenValue>>;

/**
 * One call or row of `given:`. Rows go to one table as written (identifies, groups, pages,
 * screens, or a raw table named for a SQL trait); an event is a track call, written to the
 * layout's tracks table and to the event's own table (snake case of its name), `repeat` times.
 * Ids are assigned when the case is loaded, in order, so they are deterministic.
 */
export type GivenCall =
  | { readonly kind: 'row'; readonly table: string; readonly role: TableRole | 'raw'; readonly columns: GivenColumns; readonly loc: SourceLocation }
  | {
      readonly kind: 'event';
      readonly event: string; // the name as sent, e.g. "Logged In"
      readonly columns: GivenColumns; // tracks columns: user_id, timestamp, context_group_id, ...
      readonly properties: GivenColumns; // snake-cased and flattened, as Segment writes them
      readonly repeat: number;
      readonly loc: SourceLocation;
    };

export type TableRole = 'identifies' | 'groups' | 'pages' | 'screens';

/** An expected value: a scalar, a list (unique_list), or columns of a multi-column SQL trait. */
export type ExpectedValue = GivenValue | { readonly [column: string]: ExpectedValue };

export interface ExpectedEntityValue {
  readonly entity: string;
  readonly value: ExpectedValue;
  readonly loc: SourceLocation;
}

export type Expectation =
  /** `expect: { audience: [ids] }`: exact membership. */
  | { readonly kind: 'members'; readonly definition: string; readonly ids: readonly string[]; readonly loc: SourceLocation }
  /** `expect: { trait: { id: value } }`: the value of each listed entity. */
  | { readonly kind: 'values'; readonly definition: string; readonly values: readonly ExpectedEntityValue[]; readonly loc: SourceLocation }
  /** `expect_entered` / `expect_exited: { audience: [ids] }`: exactly these changes since the previous evaluation. */
  | { readonly kind: 'entered' | 'exited'; readonly definition: string; readonly ids: readonly string[]; readonly loc: SourceLocation }
  /** `expect_changed: { trait: { id: new value } }`: exactly these entities changed, to these values. */
  | { readonly kind: 'changed'; readonly definition: string; readonly values: readonly ExpectedEntityValue[]; readonly loc: SourceLocation }
  /**
   * `expect_changed: { account_audience: [ids] }`: exactly these accounts stayed in the audience
   * while users joined or left them (what `quorum run` counts as changed for an account audience).
   */
  | { readonly kind: 'changed'; readonly definition: string; readonly ids: readonly string[]; readonly loc: SourceLocation }
  /**
   * `expect_calls: { destination: { definition: { entered: [ids], exited: [...], changed: [...] } } }`:
   * exactly the entities whose calls the step's run sends there, by transition (one left out: none).
   */
  | { readonly kind: 'calls'; readonly definition: string; readonly destination: string; readonly ids: Readonly<Record<CallTransition, readonly string[]>>; readonly loc: SourceLocation }
  /** `expect_guardrail: { audience: blocked | passes }`: the step's run's max_exit_fraction verdict. */
  | { readonly kind: 'guardrail'; readonly definition: string; readonly blocked: boolean; readonly loc: SourceLocation };

export type CallTransition = 'entered' | 'exited' | 'changed';
export const CALL_TRANSITIONS: readonly CallTransition[] = ['entered', 'exited', 'changed'];

/**
 * A step adds `given` rows (to everything given before) and, when it has `at`, evaluates the
 * definitions at that instant and checks its expectations. A case without `steps:` is one step.
 */
export interface TestStep {
  /** 1-based position under `steps:`; 0 for a case's own given / as_of / expect. */
  readonly number: number;
  readonly given: readonly GivenCall[];
  readonly at: string | null; // canonical ISO instant
  readonly expectations: readonly Expectation[];
  readonly loc: SourceLocation;
}

export interface TestCase {
  readonly name: string;
  readonly file: string; // project-relative, e.g. "tests/at_risk_accounts.test.yml"
  readonly loc: SourceLocation; // of the `test:` key
  readonly steps: readonly TestStep[];
  /** `skip: reason`: reported as skipped, not run. */
  readonly skip: string | null;
}

/** Every definition a case's expectations name. */
export function definitionsOf(testCase: TestCase): string[] {
  const names = new Set<string>();
  for (const step of testCase.steps) for (const e of step.expectations) names.add(e.definition);
  return [...names];
}
