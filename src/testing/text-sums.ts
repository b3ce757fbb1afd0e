// A column has one type across every case of a run (case-data.ts), so a text value in one case
// makes the column text for all of them, and a sum or avg over it fails in DuckDB's binder with a
// message about VARCHAR. Found from the cases themselves, it is said as what it is: the case and
// the value that made the column text.
import { eventTable } from '../definitions/event-table.js';
import { typeName } from '../diagnostics/messages-catalog.js';
import type { Project } from '../definitions/model.js';
import { snakeCase } from '../definitions/snake-case.js';
import type { TableColumns } from './fixture-engine.js';
import { valueType } from './project-shape.js';
import type { GivenCall, TestCase } from './test-case.js';

/** Computed traits (sum, avg) whose property column the cases made non-numeric: name -> why. */
export function textSums(project: Project, tables: Readonly<Record<string, TableColumns>>, cases: readonly TestCase[]): Map<string, string> {
  const problems = new Map<string, string>();
  for (const d of project.definitions) {
    if (d.kind !== 'computed_trait' || (d.compute !== 'sum' && d.compute !== 'avg') || d.property === null) continue;
    const table = eventTable(d.event, project.config.source);
    const type = tables[table]?.[d.property];
    if (type === undefined || type === 'number' || type === 'integer') continue;
    const culprit = firstNonNumber(cases, table, d.property);
    const where = culprit === null ? 'the cases make' : `case "${culprit.testCase.name}" (${culprit.call.loc.file}:${culprit.call.loc.line}) gives it ${JSON.stringify(culprit.value)}, which makes`;
    const detail = `column "${d.property}" of ${table} ${typeName(type)} in every case (a column has one type across the cases of a run, as in a warehouse)`;
    problems.set(d.name, `computed trait "${d.name}" computes ${d.compute} of property "${d.property}", but ${where} ${detail}. Give "${d.property}" numbers in every case`);
  }
  return problems;
}

function firstNonNumber(cases: readonly TestCase[], table: string, column: string): { testCase: TestCase; call: GivenCall; value: unknown } | null {
  for (const testCase of cases) {
    for (const step of testCase.steps) {
      for (const call of step.given) {
        const cells = call.kind === 'event' ? (snakeCase(call.event) === table ? call.properties : null) : call.table === table ? call.columns : null;
        const value = cells?.[column];
        const type = valueType(value);
        if (type !== null && type !== 'integer' && type !== 'number') return { testCase, call, value };
      }
    }
  }
  return null;
}
