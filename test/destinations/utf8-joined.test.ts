// utf8Joined (src/destinations/destination.ts) writes a batch's calls as UTF-8 straight into one
// buffer, where delivery joined them into one string and encoded that: the bytes must be exactly
// the encoding of the joined string, for any text (multi-byte characters, surrogate pairs, lone
// surrogates, empty texts), as every destination's body and every file line stand on it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchBody, utf8Joined } from '../../src/destinations/destination.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

// code units, so that lone surrogates and split pairs come up as often as whole characters
const anyText = fc
  .array(fc.oneof(fc.constantFrom('a', '"', '\n', 'é', '€', '😀', '\ud800', '\udc00', '\u0000'), fc.string({ unit: 'binary' })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

/** No lone surrogate: the text survives a round trip through UTF-8. */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

describe(`utf8Joined (seed ${PROPERTY_SEED})`, () => {
  it('gives each piece encoded on its own, one after the other; for well-formed texts, the bytes of the joined string', () => {
    fc.assert(
      fc.property(anyText, fc.array(anyText, { maxLength: 20 }), anyText, anyText, (prefix, texts, separator, suffix) => {
        const joined = utf8Joined(prefix, texts, separator, suffix);
        const pieces = [prefix, ...texts.flatMap((t, i) => (i === 0 ? [t] : [separator, t])), suffix];
        expect(joined.equals(Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8'))))).toBe(true);
        // A lone surrogate at the end of one piece and one at the start of the next would pair up in
        // the joined string; JSON texts never end or begin with one (JSON.stringify escapes them).
        if (pieces.every(wellFormed)) expect(joined.equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true);
      }),
      { seed: PROPERTY_SEED, numRuns: 400 },
    );
  });

  it("makes a batch body that parses back to the calls and the body's other fields", () => {
    const calls = [
      JSON.stringify({ type: 'identify', userId: 'ü😀', traits: { a: '\u2028' } }),
      JSON.stringify({ type: 'track', event: 'x' }),
    ];
    const body = batchBody(calls, { sentAt: '2024-06-01T00:00:00.000Z' });
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      batch: calls.map((c) => JSON.parse(c) as unknown),
      sentAt: '2024-06-01T00:00:00.000Z',
    });
    expect(body.toString('utf8')).toBe(`{"batch":[${calls.join(',')}],"sentAt":"2024-06-01T00:00:00.000Z"}`);
    expect(batchBody([], {}).toString('utf8')).toBe('{"batch":[]}');
  });
});
