// Every fixtures/invalid case produces exactly its expected diagnostics, as one readable
// paragraph each and never a stack trace; together the cases cover every error class of
// SPEC §8 that stage 1 can find.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics/format.js';
import { INVALID_ROOT, invalidCases, placeOf, readExpected, runCase } from './fixture-helpers.js';

const cases = invalidCases();

describe('fixtures/invalid', () => {
  it('has at least 45 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(INVALID_ROOT, name);
    const expected = readExpected(dir);
    const diagnostics = await runCase(dir);
    const actual = diagnostics.map((d) => `${d.code} ${placeOf(d)} ${d.message} hint: ${d.hint ?? ''}`);
    expect(diagnostics.length, actual.join('\n')).toBe(expected.length);
    expected.forEach((e, i) => {
      const d = diagnostics[i];
      expect(`${d.code} ${placeOf(d)}`, actual.join('\n')).toBe(`${e.code} ${e.place}`);
      expect(`${d.message} ${d.hint ?? ''}`).toContain(e.substring);
      const text = formatDiagnostic(d, dir);
      expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(text).not.toContain('Error:');
      if (d.loc) {
        expect(text.startsWith(`${placeOf(d)} ${d.severity}[${d.code}]: `)).toBe(true);
        expect(text).toMatch(/\n\s+\d+ \| .*\n\s+\| *\^/);
      }
    });
  });

  it('covers every error class of SPEC §8', async () => {
    const codes = new Set(cases.flatMap((name) => readExpected(path.join(INVALID_ROOT, name)).map((e) => e.code)));
    for (const code of [
      'yaml_syntax', 'unknown_key', 'wrong_type', 'missing_key', 'invalid_value', 'duplicate_name',
      'unknown_reference', 'ambiguous_reference', 'level_mismatch', 'cycle', 'sql_not_select',
      'sql_template', 'sql_unparsable', 'sql_forbidden', 'sql_reserved_column', 'uncastable_literal', 'missing_table', 'missing_column', 'missing_env',
    ]) {
      expect(codes, code).toContain(code);
    }
  });
});
