// The code frame underlines exactly the span of the diagnostic, from the YAML node's start to its
// end (a value, a key, a template expression inside a SQL trait), never a guessed token.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic } from '../../src/diagnostics/format.js';
import { INVALID_ROOT, runCase } from './fixture-helpers.js';

/** The code frame's two lines for the first diagnostic of `code` in a fixtures/invalid case. */
async function frame(name: string, code: string): Promise<{ source: string; carets: string }> {
  const dir = path.join(INVALID_ROOT, name);
  const d = (await runCase(dir)).find((x) => x.code === code);
  expect(d, `${name}: ${code}`).toBeDefined();
  const lines = formatDiagnostic(d!, { root: dir }).split('\n');
  return { source: lines[1].replace(/^\s*\d+ \| /, ''), carets: lines[2].replace(/^\s*\| /, '') };
}

/** The underlined text: the characters of the source line under the carets. */
function underlined({ source, carets }: { source: string; carets: string }): string {
  const start = carets.indexOf('^');
  return source.slice(start, carets.length);
}

describe('the caret underlines the span', () => {
  it('a value with a space, whole', async () => {
    expect(underlined(await frame('bad-duration-unit', 'invalid_value'))).toBe('30 days');
  });

  it('an unknown key, and not its value', async () => {
    expect(underlined(await frame('identity-unknown-key', 'unknown_key'))).toBe('conflcit');
  });

  it('a template expression inside a SQL trait, braces included', async () => {
    const f = await frame('sql-bad-template', 'sql_template');
    expect(underlined(f)).toBe("{{ ref('groups') }}");
  });

  it('a key inside a flow mapping', async () => {
    expect(underlined(await frame('level-quantifier-at-user', 'level_mismatch'))).toBe('any_user');
  });

  it('a span that goes on below: to the end of its first line', () => {
    const sources = new Map([['a.yml', 'where:\n  all:\n    - { trait: x, equals: 1 }   \n']]);
    const d = diagnostic('usage', { problem: 'p', fix: null }, { file: 'a.yml', line: 2, col: 3, end: { line: 4, col: 1 } });
    expect(formatDiagnostic(d, { sources }).split('\n')[2]).toBe('    |   ^^^^');
  });

  it('a point: one caret', () => {
    const sources = new Map([['a.yml', 'audience: a\n']]);
    const d = diagnostic('usage', { problem: 'p', fix: null }, { file: 'a.yml', line: 1, col: 1 });
    expect(formatDiagnostic(d, { sources }).split('\n')[2]).toBe('    | ^');
  });
});
