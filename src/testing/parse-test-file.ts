// `tests/*.test.yml` → TestCase[]. Every problem becomes a Diagnostic at the user's own line
// and column (unknown definitions, columns the source layout does not have, bad timestamps,
// wrong shapes), all of them at once, as `quorum validate` does for definitions. The rows under
// given: are read by parse-given.ts, expect_calls: and expect_guardrail: by parse-call-expectations.ts.
import type { Project, SourceLocation } from '../definitions/model.js';
import { didYouMean } from '../definitions/did-you-mean.js';
import { parseTimestamp, scalarOf } from '../definitions/parse-values.js';
import { describe, isMap, isSeq, truncate, type MapEntry, type YamlFile, type YamlNode } from '../definitions/yaml-source.js';
import { readCallExpectations, readGuardrailExpectations, readIdList } from './parse-call-expectations.js';
import { GIVEN_ROLES, GivenParser, TIMESTAMP_HINT, type TestFileContext } from './parse-given.js';
import type { ProjectShape } from './project-shape.js';
import type { ExpectedEntityValue, ExpectedValue, Expectation, GivenCall, TestCase, TestStep } from './test-case.js';

export { GIVEN_ROLES, type TestFileContext } from './parse-given.js';

export const CASE_KEYS = ['test', 'description', 'skip', 'as_of', 'given', 'expect', 'steps'];
export const STEP_KEYS = ['given', 'at', 'expect', 'expect_entered', 'expect_exited', 'expect_changed', 'expect_calls', 'expect_guardrail'];

export function testFileContext(project: Project, shape: ProjectShape): TestFileContext {
  const raw = new Set<string>([...Object.values(shape.layout.tables), ...shape.reads.keys()]);
  for (const d of project.definitions) {
    if (d.kind !== 'sql_trait') continue;
    for (const part of d.template) if (part.kind === 'source') raw.add(part.table);
  }
  for (const role of GIVEN_ROLES) raw.delete(role);
  return { shape, rawTables: raw, project };
}

export function parseTestFile(y: YamlFile, context: TestFileContext): TestCase[] {
  const root = y.root;
  if (root === null || y.isNull(root)) return [];
  const parser = new TestFileParser(y, context);
  const items = isSeq(root) ? y.seq(root, y.loc(root), y.file, 'a list of cases') ?? [] : [root];
  const cases: TestCase[] = [];
  for (const item of items) {
    const parsed = parser.testCase(item);
    if (parsed) cases.push(parsed);
  }
  return cases;
}

class TestFileParser {
  private readonly rows: GivenParser;

  constructor(
    private readonly y: YamlFile,
    private readonly context: TestFileContext,
  ) {
    this.rows = new GivenParser(y, context);
  }

  testCase(node: YamlNode | null): TestCase | null {
    const y = this.y;
    const loc = y.loc(node);
    const entries = y.map(node, loc, 'a test case', 'test:, as_of:, given:, expect:');
    if (!entries) return null;
    y.checkKeys(entries, CASE_KEYS, 'a test case', {
      at: 'a case gives its evaluation time as "as_of"; "at" belongs to a step under steps:',
      expect_entered: 'entered / exited / changed compare two evaluations, so they belong to a step under steps:',
      expect_exited: 'entered / exited / changed compare two evaluations, so they belong to a step under steps:',
      expect_changed: 'entered / exited / changed compare two evaluations, so they belong to a step under steps:',
      expect_calls: "the calls are those of a step's run, so they belong to a step under steps:",
      expect_guardrail: "the guardrail judges a step's run, so it belongs to a step under steps:",
    });
    const nameEntry = entries.get('test');
    let name: string | null = null;
    if (!nameEntry) y.error('missing_key', { form: 'missing', what: 'a test case', key: 'test', fix: 'start each case with test: <what it shows>, e.g. test: a quiet account is at risk' }, loc);
    else name = this.text(nameEntry, '"test"');
    const skipEntry = entries.get('skip');
    const skip = skipEntry ? this.skipReason(skipEntry) : null;
    const given = entries.get('given') ? this.rows.given(entries.get('given')!) : [];
    const stepsEntry = entries.get('steps');
    const caseLoc = nameEntry?.keyLoc ?? loc;
    let steps: TestStep[] | null;
    if (stepsEntry) {
      for (const key of ['as_of', 'expect']) {
        const e = entries.get(key);
        const fix = key === 'as_of' ? 'write the time of each evaluation as at: in a step' : 'move expect: into the step whose at: it belongs to';
        if (e) y.error('unknown_key', { form: 'rule', what: 'a case with steps:', problem: `gives "${key}" in its steps, not beside them`, fix }, e.keyLoc);
      }
      steps = this.steps(stepsEntry, given, caseLoc);
    } else {
      const asOfEntry = entries.get('as_of');
      const expectEntry = entries.get('expect');
      const what = `test case "${name ?? '?'}"`;
      if (!asOfEntry) y.error('missing_key', { form: 'missing', what, key: 'as_of', purpose: 'the evaluation time', fix: 'add e.g. as_of: 2024-06-01T00:00:00Z' }, caseLoc);
      const fix = 'add expect: with the exact members of an audience or values of a trait, e.g. expect: { at_risk_accounts: [acme] }';
      if (!expectEntry) y.error('missing_key', { form: 'missing', what, key: 'expect', fix }, caseLoc);
      const at = asOfEntry ? this.instant(asOfEntry, '"as_of"') : null;
      const expectations = expectEntry ? this.expectations(expectEntry, 'members') : [];
      steps = [{ number: 0, given, at, expectations, loc: caseLoc }];
    }
    if (name === null || steps === null) return null;
    return { name, file: y.file, loc: caseLoc, steps, skip };
  }

  private steps(entry: MapEntry, initial: readonly GivenCall[], caseLoc: SourceLocation): TestStep[] | null {
    const y = this.y;
    const items = y.seq(entry.value, entry.valueLoc, '"steps"', 'a list of { given: ... } and { at: ..., expect: ... } steps');
    if (!items) return null;
    const steps: TestStep[] = initial.length > 0 ? [{ number: 0, given: initial, at: null, expectations: [], loc: caseLoc }] : [];
    let evaluates = false;
    let checks = false;
    for (const [index, item] of items.entries()) {
      const loc = y.loc(item, entry.valueLoc);
      const e = y.map(item, loc, 'a step', 'given:, at:, expect:, expect_entered:, expect_exited:, expect_changed:');
      if (!e) continue;
      y.checkKeys(e, STEP_KEYS, 'a step', { as_of: 'a step gives its evaluation time as "at"' });
      const given = e.get('given') ? this.rows.given(e.get('given')!) : [];
      const atEntry = e.get('at');
      const at = atEntry ? this.instant(atEntry, '"at"') : null;
      const expectations: Expectation[] = [];
      if (e.get('expect')) expectations.push(...this.expectations(e.get('expect')!, 'members'));
      if (e.get('expect_entered')) expectations.push(...this.expectations(e.get('expect_entered')!, 'entered'));
      if (e.get('expect_exited')) expectations.push(...this.expectations(e.get('expect_exited')!, 'exited'));
      if (e.get('expect_changed')) expectations.push(...this.expectations(e.get('expect_changed')!, 'changed'));
      if (e.get('expect_calls')) expectations.push(...readCallExpectations(y, e.get('expect_calls')!, this.context.project));
      if (e.get('expect_guardrail')) expectations.push(...readGuardrailExpectations(y, e.get('expect_guardrail')!, this.context.project));
      const expects = STEP_KEYS.some((k) => k.startsWith('expect') && e.has(k));
      const fix = 'add e.g. at: 2024-06-02T00:00:00Z to this step';
      if (expects && !atEntry) y.error('missing_key', { form: 'missing', what: 'a step with expectations', key: 'at', purpose: 'the evaluation time', fix }, loc);
      const problem = 'needs "given:" (more data), "at:" (an evaluation), or both';
      if (!atEntry && !e.has('given') && !expects) y.error('missing_key', { form: 'rule', what: 'a step', problem, fix: null }, loc);
      if (atEntry) evaluates = true;
      if (expects) checks = true;
      steps.push({ number: index + 1, given, at, expectations, loc });
    }
    const fix = 'add a step such as { at: 2024-06-01T00:00:00Z, expect: { ... } }';
    if (!evaluates) y.error('missing_key', { form: 'rule', what: 'no step of this case', problem: 'has "at:", so nothing is evaluated', fix }, entry.keyLoc);
    else if (!checks) {
      const problem = 'expects anything (expect:, expect_entered:, expect_exited:, expect_changed:, expect_calls: or expect_guardrail:), so the case checks nothing';
      y.error('missing_key', { form: 'rule', what: 'no step of this case', problem, fix: 'add what you expect to the step whose at: it belongs to, e.g. expect: { active_users: [u1] }' }, entry.keyLoc);
    }
    return steps;
  }

  // -------------------------------------------------------------------------------------------
  // expect

  private expectations(entry: MapEntry, kind: 'members' | 'entered' | 'exited' | 'changed'): Expectation[] {
    const y = this.y;
    const what = kind === 'members' ? '"expect"' : `"expect_${kind}"`;
    const entries = y.map(entry.value, entry.valueLoc, what, 'definition names, each with its expected members or values');
    if (!entries) return [];
    // `{}` names no definition, so nothing is evaluated or compared: a green case that tests
    // nothing, where a missing expect: is already an error.
    if (entries.size === 0) {
      const example = kind === 'members' ? 'expect: { at_risk_accounts: [acme] }' : kind === 'changed' ? 'expect_changed: { logins_7d: { u1: 3 } }' : `expect_${kind}: { active_users: [] } for none`;
      const fix = `name at least one audience or trait with what you expect of it, e.g. ${example}; to keep a case that is not ready, write skip: <reason>`;
      y.error('invalid_value', { form: 'empty', what, consequence: 'it checks nothing', fix }, entry.valueLoc);
      return [];
    }
    const out: Expectation[] = [];
    const definitions = this.context.shape.definitions;
    for (const e of entries.values()) {
      const shape = definitions.get(e.key);
      if (!shape) {
        const suggestion = didYouMean(e.key, definitions.keys());
        const fix = 'expect: takes the names of audiences and traits under audiences/ and traits/';
        y.error('unknown_reference', { kind: 'test_definition', name: e.key, by: what, suggestion, fix }, e.keyLoc);
        continue;
      }
      const entity = shape.level === 'account' ? 'account (group_id)' : 'user (user_id)';
      if ((kind === 'entered' || kind === 'exited') && shape.kind !== 'audience') {
        const problem = `names "${e.key}", which is a trait; only audiences are entered and exited`;
        y.error('wrong_type', { form: 'rule', what, problem, fix: 'for a trait use expect_changed: { trait: { id: new value } }' }, e.keyLoc);
        continue;
      }
      if (kind === 'changed' && shape.kind === 'audience' && shape.level === 'user') {
        const problem = `names "${e.key}", which is a user-level audience; expect_changed is for traits, and for account-level audiences (users joining or leaving an account that stays in)`;
        y.error('wrong_type', { form: 'rule', what, problem, fix: 'for a user-level audience use expect_entered: and expect_exited:' }, e.keyLoc);
        continue;
      }
      if (shape.kind === 'audience') {
        const ids = readIdList(y, e, `${what} "${e.key}"`, entity, `the ${entity} ids of its exact members, e.g. [acme, globex]; [] for none`);
        if (ids) out.push(kind === 'changed' ? { kind, definition: e.key, ids, loc: e.keyLoc } : { kind, definition: e.key, ids, loc: e.keyLoc });
      } else {
        const values = this.entityValues(e, `${what} "${e.key}"`, entity);
        if (values) out.push(kind === 'changed' ? { kind, definition: e.key, values, loc: e.keyLoc } : { kind: 'values', definition: e.key, values, loc: e.keyLoc });
      }
    }
    return out;
  }

  private entityValues(e: MapEntry, what: string, entity: string): ExpectedEntityValue[] | null {
    const y = this.y;
    if (isSeq(e.value)) {
      return y.error('wrong_type', { form: 'rule', what, problem: `is a trait, so it expects a mapping of ${entity} to value, not a list`, fix: 'write e.g. { acme: 3, globex: 0 }' }, e.valueLoc);
    }
    const entries = y.map(e.value, e.valueLoc, what, `${entity} to expected value, e.g. { acme: 3 }`);
    if (!entries) return null;
    const values: ExpectedEntityValue[] = [];
    for (const v of entries.values()) {
      const value = this.expectedValue(v.value, v.valueLoc, `${what} for "${v.key}"`);
      if (value !== undefined) values.push({ entity: v.key, value, loc: v.keyLoc });
    }
    return values;
  }

  private expectedValue(node: YamlNode | null, loc: SourceLocation, what: string): ExpectedValue | undefined {
    const y = this.y;
    if (isMap(node)) {
      const entries = y.map(node, loc, what, 'column: value');
      if (!entries) return undefined;
      const out: Record<string, ExpectedValue> = {};
      for (const c of entries.values()) {
        const value = this.expectedValue(c.value, c.valueLoc, `${what}, column "${c.key}"`);
        if (value === undefined) return undefined;
        out[c.key] = value;
      }
      return out;
    }
    return this.rows.cell(node, loc, what);
  }

  // -------------------------------------------------------------------------------------------
  // scalars

  private text(entry: MapEntry, what: string): string | null {
    const value = scalarOf(entry.value);
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') return String(value);
    return this.y.error('wrong_type', { form: 'expected', what, expected: 'a text', found: describe(entry.value) }, entry.valueLoc);
  }

  private skipReason(entry: MapEntry): string | null {
    const value = scalarOf(entry.value);
    if (value === false || value === null) return null;
    if (value === true) return 'skipped';
    if (typeof value === 'string' && value.trim() !== '') return value;
    return this.y.error('wrong_type', { form: 'expected', what: '"skip"', expected: 'true or a reason', found: describe(entry.value) }, entry.valueLoc);
  }

  private instant(entry: MapEntry, what: string): string | null {
    const value = scalarOf(entry.value);
    const instant = typeof value === 'string' ? parseTimestamp(value) : null;
    if (instant !== null) return instant;
    const shown = typeof value === 'string' ? `"${truncate(value)}"` : describe(entry.value);
    return this.y.error('invalid_value', { form: 'rule', what, problem: `is ${shown}, which is not an ISO-8601 date or timestamp`, fix: TIMESTAMP_HINT }, entry.valueLoc);
  }
}
