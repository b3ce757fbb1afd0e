// The yaml examples of docs/funnels.md, run as the tested-docs convention says: a block whose first
// line is `# file: <path>` replaces that file in a copy of the demo project and must validate
// (offline) without an error; one whose first line is `# invalid: <code>` must fail with that code.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoProjectTemplateDir } from '../../fixtures/demo/write-project.js';
import { validateProject } from '../../src/definitions/load-project.js';
import { OFFLINE_CATALOG } from '../../src/warehouse/catalog.js';

const DOC = path.resolve(import.meta.dirname, '../../docs/funnels.md');

interface Example {
  readonly file: string;
  readonly invalid: string | null;
  readonly text: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const [, text] of readFileSync(DOC, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const lines = text.split('\n');
    const invalid = /^# invalid: (\w+)$/.exec(lines[0])?.[1] ?? null;
    const file = /^# file: (.+)$/.exec(lines[invalid === null ? 0 : 1])?.[1];
    if (file) out.push({ file, invalid, text });
  }
  return out;
}

describe('docs/funnels.md examples', () => {
  it('has valid and invalid examples', () => {
    expect(examples().filter((e) => e.invalid === null).length).toBeGreaterThanOrEqual(3);
    expect(examples().filter((e) => e.invalid !== null).length).toBeGreaterThanOrEqual(5);
  });

  for (const [i, example] of examples().entries()) {
    it(`${i + 1}: ${example.file}${example.invalid ? ` fails with ${example.invalid}` : ' validates'}`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'quorum-funnel-docs-'));
      try {
        cpSync(demoProjectTemplateDir(), dir, { recursive: true });
        writeFileSync(path.join(dir, example.file), example.text);
        const { diagnostics } = await validateProject(dir, OFFLINE_CATALOG, { env: {} });
        const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
        if (example.invalid === null) expect(errors).toEqual([]);
        else expect(errors).toContain(example.invalid);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
