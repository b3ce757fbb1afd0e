import { describe, expect, it } from 'vitest';
import { error, warning } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic, formatDiagnostics } from '../../src/diagnostics/format.js';

const sources = new Map([['audiences/at_risk.yml', 'audience: at_risk\nlevel: account\nwhere:\n  - { trait: logins_past_30d, lt: 10 }\n']]);

describe('formatDiagnostic', () => {
  it('prints place, code, message, a code frame with a caret and the hint', () => {
    const d = error('missing_column', { file: 'audiences/at_risk.yml', line: 4, col: 14 }, 'unknown trait "logins_past_30d".', 'did you mean "logins_past_30_days"?');
    expect(formatDiagnostic(d, { sources })).toBe(
      [
        'audiences/at_risk.yml:4:14 error[missing_column]: unknown trait "logins_past_30d".',
        '  4 |   - { trait: logins_past_30d, lt: 10 }',
        '    |              ^^^^^^^^^^^^^^^',
        'hint: did you mean "logins_past_30_days"?',
      ].join('\n'),
    );
  });

  it('works without a file or a hint', () => {
    expect(formatDiagnostic(error('warehouse_unreachable', null, 'cannot open warehouse.duckdb.'))).toBe('error[warehouse_unreachable]: cannot open warehouse.duckdb.');
    const d = warning('unknown_reference', { file: 'missing.yml', line: 2, col: 1 }, 'm', null);
    expect(formatDiagnostic(d, '/nonexistent')).toBe('missing.yml:2:1 warning[unknown_reference]: m');
  });

  it('summarises a list', () => {
    const list = [error('cycle', null, 'a'), error('cycle', null, 'b'), warning('unknown_reference', null, 'c')];
    expect(formatDiagnostics(list).endsWith('2 errors, 1 warning')).toBe(true);
  });
});
