// The tested-docs convention: every ```yaml block of docs/*.md whose first line is
// `# file: <path>` is written over a copy of the demo project (the one `quorum init` writes) and
// must pass offline validation (`quorum validate --offline`) without an error; a block that
// starts with `# invalid: <code>` must fail with that code, in that file. Each block is its own
// case, titled with its page, line and path, so a failing example names itself.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoProjectTemplateDir } from '../../fixtures/demo/write-project.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { validateProject } from '../../src/definitions/load-project.js';
import { OFFLINE_CATALOG } from '../../src/warehouse/catalog.js';
import { docExamples, docFiles, type DocExample } from './markdown.js';
import { dialectNamed } from '../../dialects/registry.js';

/**
 * The reference pages of the language: each must carry tested examples, so that a page whose
 * blocks all lost their `# file:` line (and with it every check) fails here instead of passing.
 */
const REFERENCE_PAGES: readonly { doc: string; required: boolean; min: number }[] = [
  { doc: 'docs/language.md', required: true, min: 40 },
  { doc: 'docs/funnels.md', required: true, min: 1 },
  { doc: 'docs/identity.md', required: true, min: 1 },
];

/** The files offline validation reads; an example elsewhere would be checked by nothing. */
const VALIDATED_PATH = /^(quorum\.yml|(audiences|traits)\/[A-Za-z0-9_.-]+\.ya?ml)$/;

/**
 * Examples stand for a configured deployment: every ${VAR} reads as set, as under `quorum test`;
 * a connection URL as a well-formed one (quorum.yml's reader refuses a URL without a scheme).
 */
const ENV = new Proxy({} as Record<string, string | undefined>, {
  get: (_target, key) => (typeof key !== 'string' ? undefined : key === 'DATABASE_URL' ? 'postgres://quorum:set@db.example.com:5432/analytics' : `set-${key}`),
});

const docs = docFiles();
const parsed = docs.map((doc) => ({ doc, ...docExamples(doc) }));
const examples = parsed.flatMap((p) => p.examples);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'quorum-doc-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function validateExample(example: DocExample, index: number): Promise<Diagnostic[]> {
  const root = path.join(scratch, String(index));
  cpSync(demoProjectTemplateDir(), root, { recursive: true });
  const target = path.join(root, example.file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, example.text);
  const { diagnostics } = await validateProject(root, OFFLINE_CATALOG, { env: ENV, dialects: dialectNamed });
  return diagnostics.filter((d) => d.severity === 'error');
}

function title(example: DocExample): string {
  return `${example.doc}:${example.line} ${example.file}${example.invalid ? ` fails with ${example.invalid}` : ''}`;
}

describe('docs examples (# file: blocks) validate against the demo project', () => {
  it('every reference page of the language has tested examples', () => {
    for (const page of REFERENCE_PAGES) {
      const found = parsed.find((p) => p.doc === page.doc);
      if (!found) {
        expect(page.required, `${page.doc} is missing`).toBe(false);
        continue;
      }
      expect(found.examples.length, `${page.doc} has ${found.examples.length} tested example(s), at least ${page.min} expected`).toBeGreaterThanOrEqual(page.min);
    }
    expect(examples.length).toBeGreaterThan(0);
  });

  it('no block breaks the convention', () => {
    const problems = [
      ...parsed.flatMap((p) => p.malformed.map((m) => `${m.doc}:${m.line} ${m.problem}`)),
      ...examples.filter((e) => !VALIDATED_PATH.test(e.file)).map((e) => `${e.doc}:${e.line} "# file: ${e.file}" is not a file validate reads (quorum.yml, audiences/*.yml, traits/*.yml)`),
    ];
    expect(problems).toEqual([]);
  });

  examples.forEach((example, index) => {
    it(title(example), async () => {
      const errors = await validateExample(example, index);
      const shown = formatDiagnostics(errors, path.join(scratch, String(index)));
      if (example.invalid === null) {
        expect(errors, `the example at ${example.doc}:${example.line} does not validate:\n${shown}`).toEqual([]);
        return;
      }
      const inFile = errors.filter((d) => d.loc === null || d.loc.file === example.file);
      expect(inFile.map((d) => d.code), `the example at ${example.doc}:${example.line} should fail with ${example.invalid}; it gave:\n${shown}`).toContain(example.invalid);
    });
  });
});
