// `quorum test --select`: a pattern (a name or a glob with * and ?) picks a case by its name,
// its file (`tests/at_risk.test.yml`, or `at_risk` for short), or a definition it expects. A case
// picked by a definition checks only the selected definitions' expectations, as dbt runs only
// the tests of the selected models.
import { definitionsOf, type TestCase } from './test-case.js';

export function globMatcher(pattern: string): (text: string) => boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 'i');
  return (text) => re.test(text);
}

function fileNames(file: string): string[] {
  const base = file.split('/').pop() ?? file;
  return [file, base, base.replace(/\.test\.ya?ml$/, '')];
}

export function selectCases(cases: readonly TestCase[], patterns: readonly string[] | undefined): TestCase[] {
  if (!patterns || patterns.length === 0) return [...cases];
  const matchers = patterns.map(globMatcher);
  const matches = (text: string): boolean => matchers.some((m) => m(text));
  const out: TestCase[] = [];
  for (const testCase of cases) {
    if (matches(testCase.name) || fileNames(testCase.file).some(matches)) {
      out.push(testCase);
      continue;
    }
    const picked = definitionsOf(testCase).filter(matches);
    if (picked.length === 0) continue;
    out.push({
      ...testCase,
      steps: testCase.steps.map((step) => ({ ...step, expectations: step.expectations.filter((e) => picked.includes(e.definition)) })),
    });
  }
  return out;
}
