// `expect_calls:` and `expect_guardrail:` of a step (docs/testing.md): what the step's run sends
// to each destination, and whether max_exit_fraction blocks an audience. Every name is checked
// at load, with a did-you-mean: destinations, definitions, that the definition syncs there.
import { didYouMean } from '../definitions/did-you-mean.js';
import type { Project } from '../definitions/model.js';
import { readEnum, scalarOf } from '../definitions/parse-values.js';
import { describe, type MapEntry, type YamlFile } from '../definitions/yaml-source.js';
import { CALL_TRANSITIONS, type CallTransition, type Expectation } from './test-case.js';

function definitionOf(y: YamlFile, project: Project, e: MapEntry, what: string) {
  const definition = project.definitions.find((d) => d.name === e.key);
  if (definition) return definition;
  const suggestion = didYouMean(e.key, project.definitions.map((d) => d.name));
  return y.error('unknown_reference', { kind: 'test_definition', name: e.key, by: what, suggestion, fix: 'name an audience or trait under audiences/ or traits/' }, e.keyLoc);
}

/** A list of entity ids (`[]` or nothing: none). */
export function readIdList(y: YamlFile, e: MapEntry, what: string, entity = 'entity', hint = 'entity ids, e.g. [acme, globex]; [] for none'): string[] | null {
  if (y.isNull(e.value)) return [];
  const items = y.seq(e.value, e.valueLoc, what, hint);
  if (!items) return null;
  const out: string[] = [];
  for (const item of items) {
    const value = scalarOf(item);
    if (typeof value === 'string' || typeof value === 'number') out.push(String(value));
    else y.error('wrong_type', { form: 'rule', what, problem: `holds ${describe(item)}, but it lists ${entity} ids`, fix: null }, y.loc(item, e.valueLoc));
  }
  return out;
}

export function readCallExpectations(y: YamlFile, entry: MapEntry, project: Project): Expectation[] {
  const out: Expectation[] = [];
  const destinations = y.map(entry.value, entry.valueLoc, '"expect_calls"', 'destinations of quorum.yml, each with { definition: { entered: [ids], exited: [...], changed: [...] } }');
  for (const dest of destinations?.values() ?? []) {
    if (!(dest.key in project.config.destinations)) {
      const suggestion = didYouMean(dest.key, Object.keys(project.config.destinations));
      y.error('unknown_reference', { kind: 'test_destination', name: dest.key, defined: Object.keys(project.config.destinations), suggestion }, dest.keyLoc);
      continue;
    }
    const what = `"expect_calls" "${dest.key}"`;
    for (const e of y.map(dest.value, dest.valueLoc, what, 'definitions, each with { entered: [ids], exited: [...], changed: [...] }')?.values() ?? []) {
      const definition = definitionOf(y, project, e, what);
      if (!definition) continue;
      if (!definition.sync.some((t) => t.to === dest.key)) {
        const fix = `add - to: ${dest.key} under sync: in ${definition.loc.file}, or expect its calls at the destination it syncs to`;
        y.error('invalid_value', { form: 'rule', what, problem: `names "${e.key}", which does not sync to "${dest.key}", so it sends nothing there`, fix }, e.keyLoc);
        continue;
      }
      const transitions = y.isNull(e.value) ? new Map<string, MapEntry>() : y.map(e.value, e.valueLoc, `${what} "${e.key}"`, '{ entered: [ids], exited: [ids], changed: [ids] }');
      if (!transitions) continue;
      y.checkKeys(transitions, CALL_TRANSITIONS, `${what} "${e.key}"`);
      const expected = {} as Record<CallTransition, readonly string[]>;
      let ok = true;
      for (const t of CALL_TRANSITIONS) {
        const list = transitions.get(t);
        const read = list ? readIdList(y, list, `${what} "${e.key}" ${t}`) : [];
        if (read === null) ok = false;
        expected[t] = read ?? [];
      }
      if (ok) out.push({ kind: 'calls', definition: e.key, destination: dest.key, ids: expected, loc: e.keyLoc });
    }
  }
  return out;
}

export function readGuardrailExpectations(y: YamlFile, entry: MapEntry, project: Project): Expectation[] {
  const out: Expectation[] = [];
  const what = '"expect_guardrail"';
  for (const e of y.map(entry.value, entry.valueLoc, what, 'audiences, each blocked or passes, e.g. { at_risk_accounts: blocked }')?.values() ?? []) {
    const definition = definitionOf(y, project, e, what);
    if (!definition) continue;
    if (definition.kind !== 'audience') {
      y.error('wrong_type', { form: 'rule', what, problem: `names "${e.key}", which is a trait; max_exit_fraction guards audiences only`, fix: 'name an audience' }, e.keyLoc);
      continue;
    }
    const verdict = readEnum(y, e, `${what} "${e.key}"`, ['blocked', 'passes'] as const);
    if (verdict !== null) out.push({ kind: 'guardrail', definition: e.key, blocked: verdict === 'blocked', loc: e.keyLoc });
  }
  return out;
}
