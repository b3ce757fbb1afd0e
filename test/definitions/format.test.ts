import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic, formatDiagnostics } from '../../src/diagnostics/format.js';

const sources = new Map([['audiences/at_risk.yml', 'audience: at_risk\nlevel: account\nwhere:\n  - { trait: logins_past_30d, lt: 10 }\n']]);
const at = (line: number, col: number, end?: { line: number; col: number }) => ({
  file: 'audiences/at_risk.yml',
  line,
  col,
  ...(end ? { end } : {}),
});
const params = {
  rule: 'custom_trait',
  by: 'account-level audience "at_risk"',
  trait: 'logins_past_30d',
  level: 'account',
  table: 'groups',
  suggestion: 'logins_past_30_days',
} as const;

describe('formatDiagnostic', () => {
  it('prints place, code, message, a code frame underlining the span and the hint', () => {
    const d = diagnostic('missing_column', params, at(4, 14, { line: 4, col: 29 }));
    expect(formatDiagnostic(d, { sources })).toBe(
      [
        `audiences/at_risk.yml:4:14 error[missing_column]: ${d.message}`,
        '  4 |   - { trait: logins_past_30d, lt: 10 }',
        '    |              ^^^^^^^^^^^^^^^',
        'hint: did you mean "logins_past_30_days"?',
      ].join('\n'),
    );
  });

  it('works without a file or a hint', () => {
    const unreachable = diagnostic('warehouse_unreachable', { rule: 'missing_file', warehouse: 'DuckDB', path: 'w.duckdb' }, null);
    expect(formatDiagnostic(unreachable)).toBe(`error[warehouse_unreachable]: ${unreachable.message}\nhint: ${unreachable.hint}`);
    const d = diagnostic('usage', { problem: 'm', fix: null }, { file: 'missing.yml', line: 2, col: 1 }, 'warning');
    expect(formatDiagnostic(d, '/nonexistent')).toBe('missing.yml:2:1 warning[usage]: m');
  });

  it('summarises a list', () => {
    const cycle = (audience: string) => diagnostic('cycle', { audience, steps: [] }, null);
    const list = [cycle('a'), cycle('b'), diagnostic('usage', { problem: 'c', fix: null }, null, 'warning')];
    expect(formatDiagnostics(list).endsWith('2 errors, 1 warning')).toBe(true);
  });
});

describe('formatDiagnostics', () => {
  // An audit on 5 December: 50,000 errors in one 1 MB definition hung `validate`, which read and
  // split the whole file again for each code frame.
  it('reads each file once for the whole batch', () => {
    let reads = 0;
    const counting = new (class extends Map<string, string> {
      override get(file: string): string | undefined {
        reads++;
        return super.get(file);
      }
    })(sources);
    const many = Array.from({ length: 5_000 }, (_, i) => diagnostic('missing_column', params, at((i % 4) + 1, 1)));
    const text = formatDiagnostics(many, { sources: counting });
    expect(text.match(/ {2}4 \| {3}- \{ trait: logins_past_30d, lt: 10 \}/g)).toHaveLength(1_250);
    expect(reads).toBe(1);
  });
});

