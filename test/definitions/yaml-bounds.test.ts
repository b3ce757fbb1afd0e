// SPEC §8 "Hostile input is bounded", for the keys of a mapping and the tokens of a file: a
// mapping has at most MAX_DEFINITION_KEYS entries in quorum.yml and definitions (MAX_TEST_FILE_KEYS
// in a test file), a file at most MAX_DEFINITION_TOKENS tokens (MAX_TEST_FILE_TOKENS), and
// duplicate keys are found in time linear in the keys. The `yaml` package's own check
// compared each key with every earlier one: an audit on 5 December saw `validate` take 18 s on
// 20,000 keys and `quorum test` 70 s on a test file expecting 20,000 ids. Nothing here is timed:
// the work is counted as reads of scalar values, which is what comparing two keys does.
import { LineCounter, Scalar, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MAX_DEFINITION_KEYS, MAX_DEFINITION_TOKENS, MAX_TEST_FILE_KEYS, MAX_TEST_FILE_TOKENS, TEST_FILE_LIMITS, parseBounded } from '../../src/definitions/yaml-bounds.js';
import { YamlFile } from '../../src/definitions/yaml-source.js';

interface Counted<T> {
  readonly result: T;
  /** Scalars the composer made. */
  readonly made: number;
  /** Reads of a scalar's value: each comparison of two keys reads two. */
  readonly reads: number;
}

/** Runs `build` with the scalars' `value` as a counting accessor (the package assigns it in the constructor). */
function counted<T>(build: () => T): Counted<T> {
  const values = new WeakMap<object, unknown>();
  let made = 0;
  let reads = 0;
  Object.defineProperty(Scalar.prototype, 'value', {
    configurable: true,
    get(this: object) {
      reads++;
      return values.get(this);
    },
    set(this: object, value: unknown) {
      if (!values.has(this)) made++;
      values.set(this, value);
    },
  });
  try {
    return { result: build(), made, reads };
  } finally {
    delete (Scalar.prototype as { value?: unknown }).value;
  }
}

const keys = (n: number, indent = '  '): string => Array.from({ length: n }, (_, i) => `${indent}k${i}: 1\n`).join('');
/** The audit's definition: an unknown key `extra:` holding `n` keys, the first on line 6. */
const definition = (n: number): string => `audience: k\nlevel: user\nwhere:\n  - { trait: role, equals: Admin }\nextra:\n${keys(n)}`;
/** A test file expecting a trait's value for `n` accounts, the first on line 5. */
const testFile = (n: number): string => `test: many\nas_of: 2024-06-01\nexpect:\n  logins_past_30_days:\n${keys(n, '    ')}`;

const codes = (y: YamlFile): string[] => y.diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`);

describe('the keys of one mapping are bounded', () => {
  // The audit's 60,000 keys (709 KB) are refused for their tokens now; 15,000 are under that limit.
  it('a definition with 15,000 keys (169 KB) is refused at its 1,001st key, before the composer makes a node', () => {
    const text = definition(15_000);
    expect(text.length).toBeGreaterThan(160_000);
    const { result: y, made } = counted(() => new YamlFile('audiences/k.yml', text));
    expect(codes(y)).toEqual([`too_many_keys ${6 + MAX_DEFINITION_KEYS}:3`]);
    expect(y.diagnostics[0].message).toBe('audiences/k.yml has a mapping (from line 6) with more than 1,000 keys.');
    expect(y.diagnostics[0].hint).toContain("split a test's expected values");
    expect(made).toBe(0);
  });

  it('1,000 keys are allowed; comments, blank lines and a trailing comma are not keys', () => {
    const commented = `audience: k\nextra:\n${Array.from({ length: 1_000 }, (_, i) => `  # about k${i}\n\n  k${i}: 1\n`).join('')}  # the end\n`;
    expect(codes(new YamlFile('a.yml', commented))).toEqual([]);
    const flow = (n: number): string => `x: { ${Array.from({ length: n }, (_, i) => `k${i}: 1`).join(', ')}, }\n`;
    expect(codes(new YamlFile('a.yml', flow(1_000)))).toEqual([]);
    // At the 1,001st key, k1000.
    expect(codes(new YamlFile('a.yml', flow(1_001)))).toEqual(['too_many_keys 1:8896']);
    // The top-level mapping counts too: two keys before the 999 others.
    expect(codes(new YamlFile('a.yml', `a: 1\nb: 2\n${keys(999, '')}`))).toEqual(['too_many_keys 1001:1']);
    // An explicit key with nothing after it (`?`) is a key, as the composer reads it.
    expect(codes(new YamlFile('a.yml', `x:\n${'  ?\n'.repeat(1_001)}`))).toEqual(['too_many_keys 1002:3']);
  });

  it('lists are not mappings: 5,000 items, or 5,000 one-pair mappings of a flow list, are read', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => i);
    expect(codes(new YamlFile('a.yml', `x:\n${items.map((i) => `  - v${i}\n`).join('')}`))).toEqual([]);
    const pairs = new YamlFile('a.yml', `x: [${items.map((i) => `k${i}: 1`).join(', ')}]\n`);
    expect(codes(pairs)).toEqual([]);
    expect((pairs.document.toJS() as { x: unknown[] }).x).toHaveLength(5_000);
  });

  it('a test file may expect 20,000 ids (the limit there is 100,000 keys), which a definition may not', () => {
    const text = testFile(20_000);
    const y = new YamlFile('tests/many.test.yml', text, TEST_FILE_LIMITS);
    expect(codes(y)).toEqual([]);
    expect(Object.keys((y.document.toJS() as { expect: Record<string, object> }).expect.logins_past_30_days)).toHaveLength(20_000);
    expect(codes(new YamlFile('tests/many.test.yml', testFile(2_000)))).toEqual(['too_many_keys 1005:5']);
    expect(MAX_TEST_FILE_KEYS).toBe(100_000);
  });
});

describe('the tokens of a file are bounded', () => {
  /**
   * A definition whose `in:` list has `n` one-letter items: 20 tokens up to `[`
   * (`audience`, `:`, space, `k`, line break, `where`, ...), then an item and a comma each, and
   * `]}` and the line break. Line 2 is `where: { trait: plan, in: [` (27 characters) and the list.
   */
  const inList = (n: number): string => `audience: k\nwhere: { trait: plan, in: [${Array(n).fill('a').join(',')}]}\n`;
  const listTokens = (n: number): number => 20 + 2 * n - 1 + 3;

  it('a definition of 100,000 tokens is read; one more, and the file is refused at it before the parser makes anything', () => {
    const fits = 49_989;
    expect(listTokens(fits)).toBe(MAX_DEFINITION_TOKENS);
    const read = new YamlFile('audiences/k.yml', inList(fits));
    expect(codes(read)).toEqual([]);
    expect((read.document.toJS() as { where: { in: string[] } }).where.in).toHaveLength(fits);
    // With one more item, the 100,001st token is the closing brace.
    const text = inList(fits + 1);
    const { result: y, made } = counted(() => new YamlFile('audiences/k.yml', text));
    expect(codes(y)).toEqual([`too_many_tokens 2:${text.split('\n')[1].indexOf('}') + 1}`]);
    expect(y.diagnostics[0].message).toBe('audiences/k.yml has more than 100,000 YAML tokens (values, keys, indicators such as "-" and ":", comments and line breaks).');
    expect(y.diagnostics[0].hint).toContain("a test file's cases over several files");
    expect(made).toBe(0);
  });

  it('a 1 MB definition that is one flow list is refused, and so are blank lines and comments, which the parser keeps too', () => {
    const flow = new YamlFile('audiences/k.yml', inList(500_000));
    expect(flow.text.length).toBeGreaterThan(1_000_000);
    // The 100,001st token is the item after 49,990 items and their commas.
    expect(codes(flow)).toEqual([`too_many_tokens 2:${27 + 2 * 49_990 + 1}`]);
    // 1 MB of blank lines took 620 MB: after the 5 tokens of line 1, the 99,996th line break (on line 99,997).
    expect(codes(new YamlFile('audiences/k.yml', `audience: k\n${'\n'.repeat(1_000_000)}`))).toEqual(['too_many_tokens 99997:1']);
    // `- # c` and its line break are 4 tokens: the 100,001st is the space of line 25,001.
    expect(codes(new YamlFile('audiences/k.yml', `x:\n${'- # c\n'.repeat(50_000)}`))).toEqual(['too_many_tokens 25001:2']);
  });

  it('counts the text the parser reads: a quoted or block scalar is one token, a document marker, anchor and tag one each', () => {
    // `---` and its line break, 3 × (`-`, space, anchor, space, tag, space, quoted, line break), `-`, space, `|`, line break, the block's text.
    const text = `---\n${'- &a !!str "x y"\n'.repeat(3)}- |\n  long\n  text\n`;
    const tokens = 2 + 3 * 8 + 5;
    expect(codes(new YamlFile('a.yml', text, { keys: 10, tokens }))).toEqual([]);
    expect(codes(new YamlFile('a.yml', text, { keys: 10, tokens: tokens - 1 }))).toEqual(['too_many_tokens 6:1']);
  });

  it('a test file may hold 200,000 tokens: 3,000 events of 10 fields, which a definition may not', () => {
    const event = (i: number): string => `    - { user_id: u${i}, event: Logged In, timestamp: 2024-05-01, context_group_id: a${i}, properties: { method: sso, step: 3, ok: true } }\n`;
    const text = `test: rows\nas_of: 2024-06-01\ngiven:\n  events:\n${Array.from({ length: 3_000 }, (_, i) => event(i)).join('')}expect:\n  fine: []\n`;
    const y = new YamlFile('tests/rows.test.yml', text, TEST_FILE_LIMITS);
    expect(codes(y)).toEqual([]);
    expect((y.document.toJS() as { given: { events: unknown[] } }).given.events).toHaveLength(3_000);
    expect(codes(new YamlFile('tests/rows.test.yml', text))[0]).toMatch(/^too_many_tokens /);
    expect([MAX_DEFINITION_TOKENS, MAX_TEST_FILE_TOKENS]).toEqual([100_000, 200_000]);
    // `x:` and its line break, then 5 tokens a line (indent, `-`, space, `a`, line break): the 200,001st is the space of line 40,001.
    expect(codes(new YamlFile('tests/list.test.yml', `x:\n${'  - a\n'.repeat(40_000)}`, TEST_FILE_LIMITS))).toEqual(['too_many_tokens 40001:4']);
  });
});

describe('duplicate keys', () => {
  it('are found with work linear in the keys: twice the keys, at most a little over twice the reads', () => {
    const reads = (n: number): number => counted(() => parseBounded(testFile(n), new LineCounter(), 't.test.yml', MAX_TEST_FILE_KEYS)).reads;
    const [small, large] = [reads(2_000), reads(4_000)];
    // Comparing each key with every earlier one reads 4,000,000 values for 2,000 keys, four times that for 4,000.
    expect(small).toBeLessThan(3 * 2_000);
    expect(large).toBeLessThan(2.1 * small);
  });

  it('among 20,000 keys of a test file, the one written twice is named at its second line', () => {
    const y = new YamlFile('tests/many.test.yml', `${testFile(20_000)}    k7: 2\n`, TEST_FILE_LIMITS);
    expect(y.diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)).toEqual(['yaml_syntax 20005:5 tests/many.test.yml is not valid YAML: Map keys must be unique.']);
  });

  // What the package's own check (uniqueKeys: true) reports, in the same order among the other
  // errors; where it points at the end of the line before (after a key without a value), quorum
  // points at the repeated key itself.
  const CASES: readonly (readonly [string, number | null])[] = [
    ['a: 1\na: 2\n', null],
    ['a: 1\n"a": 2\n', null],
    ["'a': 1\n\"a\": 2\n", null],
    ['x:\n  b: 1\n  c: 2\n  b: 3\n', null],
    ['{ a: 1, b: 2, a: 3 }\n', null],
    ['- { a: 1, a: 2 }\n', null],
    ['a: 1\n&x a: 2\n', null],
    ['a: 1\n!!str a: 2\n', null],
    ['? a\n: 1\n? a\n: 2\n', null],
    [': 1\n: 2\n', null],
    ['1: a\n1.0: b\n0x1: c\n"1": d\n', null],
    ['true: 1\nTrue: 2\n', null],
    ['~: 1\nnull: 2\n', null],
    ['0: a\n-0: b\n', null],
    ['a: {b: 1, b: 2, c: {d: 1, d: 1}}\na: 5\n', null],
    ['{a: 1, a: 2}: x\n{a: 1, a: 2}: y\n', null],
    ['a:\n  b: 1\n  b: 2 x: 3\n', null],
    ['a: 1\na: [1, 2\n', null],
    // Not equal for the package either: NaN, two collections, an alias and its anchor, a flow list's pairs.
    ['.nan: 1\n.nan: 2\n', null],
    ['[1]: a\n[1]: b\n', null],
    ['a: &k 1\n*k : 2\n', null],
    ['[a: 1, a: 2]\n', null],
    // After `where:` with no value the package points at the newline ending line 1.
    ['where:\nwhere:\n  x: 1\n', 7],
    ['a:\n  then:\n  then:\n    x: 1\n', 13],
  ];

  it.each(CASES)('%j: as the package reports it', (text, ownOffset) => {
    const own = parseBounded(text, new LineCounter(), 'a.yml', MAX_DEFINITION_KEYS);
    const library = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    const shown = (errors: readonly { code: string; pos: [number, number]; message: string }[], dup: number | null) =>
      errors.map((e) => [e.code, e.code === 'DUPLICATE_KEY' && dup !== null ? dup : e.pos[0], e.message]);
    expect(shown(own.document!.errors, null)).toEqual(shown(library.errors, ownOffset));
    if (ownOffset !== null) expect(text.slice(ownOffset)).toMatch(/^(where|then):/);
  });
});
