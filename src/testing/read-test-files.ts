// The project's test files read and parsed, with every problem found on the way: `quorum test`
// runs the cases, and `quorum validate` reports the problems, since SPEC §8 bounds every YAML file
// quorum reads (tests too) and names those errors at validate.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Project } from '../definitions/model.js';
import { MAX_TEST_FILE_BYTES, TEST_FILE_LIMITS, readYamlText } from '../definitions/yaml-bounds.js';
import { YamlFile } from '../definitions/yaml-source.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseTestFile, testFileContext } from './parse-test-file.js';
import { projectShape, type ProjectShape } from './project-shape.js';
import type { TestCase } from './test-case.js';

export const TESTS_FOLDER = 'tests';

/** Project-relative paths of every `*.test.yml` under tests/, sorted. */
export async function testFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (/\.test\.ya?ml$/.test(entry.name)) out.push(rel);
    }
  };
  await walk(TESTS_FOLDER);
  return out.sort();
}

/** Every test file's cases, and the diagnostics of reading them (duplicate case names as warnings). */
export async function readTestFiles(root: string, project: Project, shape: ProjectShape = projectShape(project)): Promise<{ files: string[]; cases: TestCase[]; diagnostics: Diagnostic[] }> {
  const context = testFileContext(project, shape);
  const files = await testFiles(root);
  const diagnostics: Diagnostic[] = [];
  const cases: TestCase[] = [];
  for (const file of files) {
    const { text, diagnostic: problem } = await readYamlText(root, file, MAX_TEST_FILE_BYTES, 'test file');
    if (problem) diagnostics.push(problem);
    if (text === null) continue;
    const y = new YamlFile(file, text, TEST_FILE_LIMITS);
    if (y.ok) cases.push(...parseTestFile(y, context));
    diagnostics.push(...y.diagnostics);
  }
  diagnostics.push(...duplicateNames(cases));
  return { files, cases, diagnostics };
}

function duplicateNames(cases: readonly TestCase[]): Diagnostic[] {
  const seen = new Map<string, TestCase>();
  const out: Diagnostic[] = [];
  for (const c of cases) {
    const key = `${c.file}\u0000${c.name}`;
    const first = seen.get(key);
    if (first) out.push(diagnostic('duplicate_name', { kind: 'test_case', name: c.name, file: c.file, firstLine: first.loc.line }, c.loc, 'warning'));
    else seen.set(key, c);
  }
  return out;
}

