// Every diagnostic is worded by its code's one formatter from typed parameters; a call site
// cannot pass a sentence, nor parameters of another code (the @ts-expect-error lines fail
// `tsc -p tsconfig.test.json` the day the compiler accepts them).
import { describe, expect, it } from 'vitest';
import { diagnostic, formatMessage } from '../../src/diagnostics/diagnostic.js';

describe('the message map', () => {
  it('words a code from its parameters, message and hint', () => {
    const d = diagnostic(
      'unknown_reference',
      { kind: 'destination', name: 'crmm', by: 'audience "a"', defined: ['crm'], suggestion: 'crm' },
      null,
    );
    expect(d.message).toBe('audience "a" syncs to the destination "crmm", which quorum.yml does not define (it defines "crm").');
    expect(d.hint).toBe('did you mean "crm"?');
    expect(d.params).toEqual({ kind: 'destination', name: 'crmm', by: 'audience "a"', defined: ['crm'], suggestion: 'crm' });
  });

  it('keeps the cycle chain in one place', () => {
    const loc = { file: 'audiences/a.yml', line: 3, col: 5 };
    const { message } = formatMessage('cycle', {
      audience: 'a',
      steps: [
        { from: 'a', to: 'b', loc },
        { from: 'b', to: 'a', loc },
      ],
    });
    expect(message).toBe('audience "a" depends on itself: a -> b -> a (a uses b at audiences/a.yml:3:5; b uses a at audiences/a.yml:3:5).');
  });

  it('says a size limit in bytes too, and how to make each kind of file smaller', () => {
    const over = (kind: 'project file' | 'definition file' | 'test file') => formatMessage('file_too_large', { file: 'f.yml', bytes: 1_048_578, maxBytes: 1_048_576, kind });
    expect(over('definition file').message).toBe('f.yml is 1.0 MB (1048578 bytes); a definition file may be at most 1 MB (1048576 bytes).');
    expect(over('definition file').hint).toMatch(/^split it into smaller files/);
    expect(over('test file').hint).toMatch(/^split its cases over several test files/);
    // quorum.yml is one file: it cannot be split
    expect(over('project file').hint).toMatch(/^quorum.yml holds only the settings/);
    expect(over('project file').hint).not.toContain('split');
  });

  it('rejects a wrong parameter set at compile time', () => {
    // Never called: what is proven is that tsc refuses each line (else @ts-expect-error fails).
    const refused = [
      // @ts-expect-error the parameters of another code
      () => diagnostic('cycle', { kind: 'destination', name: 'x' }, null),
      // @ts-expect-error a missing parameter
      () => diagnostic('missing_env', { what: 'quorum.yml', key: 'url' }, null),
      // @ts-expect-error an unknown variant
      () => diagnostic('level_mismatch', { rule: 'nonsense', by: 'x' }, null),
      // @ts-expect-error a sentence instead of parameters
      () => diagnostic('usage', 'bad input', null),
      // @ts-expect-error a code that does not exist
      () => diagnostic('bad_thing', { problem: 'x', fix: null }, null),
    ];
    expect(refused).toHaveLength(5);
  });
});
