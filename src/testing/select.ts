// `quorum test --select`: a pattern (a name or a glob with * and ?) picks a case by its name or
// its file (`tests/at_risk.test.yml`, `at_risk` for short, or `path:tests/...`, a folder too), or
// picks the cases that expect the definitions it selects as `quorum run --select` selects them
// (names, globs, path:, kind:, level:, +name, name+, @name, a,b). A case picked by a definition
// checks only the selected definitions' expectations, as dbt runs only the tests of the selected
// models.
import { DiagnosticsError } from '../diagnostics/diagnostic.js';
import { pathSelects, type PatternMatch } from '../sync/select.js';
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

const PATH = 'path:';

/** Whether a pattern picks a whole case: by its name, its file's name, or path: of its file. */
function picksWhole(pattern: string, testCase: TestCase): boolean {
  const matches = globMatcher(pattern);
  if (matches(testCase.name) || fileNames(testCase.file).some(matches)) return true;
  return pattern.startsWith(PATH) && pathSelects(pattern.slice(PATH.length), testCase.file);
}

/**
 * `definitions` picks, for a pattern, the definitions `quorum run --select` would (sync/select.ts
 * definitionSelector). A pattern it cannot read (an unsupported method) is a usage error, unless
 * it picks a case whole: a case's name may hold a colon.
 */
export function selectCases(cases: readonly TestCase[], patterns: readonly string[] | undefined, definitions: (pattern: string) => PatternMatch): TestCase[] {
  if (!patterns || patterns.length === 0) return [...cases];
  const matchers = patterns.map(globMatcher);
  const selected = new Set<string>();
  for (const pattern of patterns) {
    const match = definitions(pattern);
    if ('names' in match) for (const name of match.names) selected.add(name);
    else if (!cases.some((c) => picksWhole(pattern, c))) throw new DiagnosticsError([match.problem]);
  }
  // a glob of a definition's name matches as case names do, without regard to case
  const expects = (name: string): boolean => selected.has(name) || matchers.some((m) => m(name));
  const out: TestCase[] = [];
  for (const testCase of cases) {
    if (patterns.some((p) => picksWhole(p, testCase))) {
      out.push(testCase);
      continue;
    }
    const picked = definitionsOf(testCase).filter(expects);
    if (picked.length === 0) continue;
    out.push({
      ...testCase,
      steps: testCase.steps.map((step) => ({ ...step, expectations: step.expectations.filter((e) => picked.includes(e.definition)) })),
    });
  }
  return out;
}
