import { describe, expect, it } from 'vitest';
import type { ComparisonOp } from '../../src/definitions/model.js';
import { compareCodePoints, simpleLowerCase } from '../../src/reference/values.js';
import { audience, computed, dataset, filter, members, not, run, trait, usersWhere } from './build.js';

const T = '2024-05-01T00:00:00Z';

describe('two-valued null logic', () => {
  // u1 has role "Admin"; u2 has an identify call without role (null)
  const data = dataset({
    identifies: [
      { user_id: 'u1', timestamp: T, role: 'Admin', seats: 5 },
      { user_id: 'u2', timestamp: T, role: null, seats: null },
    ],
    types: { role: 'string', seats: 'integer' },
  });
  const cases: [ComparisonOp, unknown, string[]][] = [
    ['equals', 'Admin', ['u1']],
    ['not_equals', 'Admin', ['u2']],
    ['not_equals', 'Viewer', ['u1', 'u2']],
    ['in', ['Admin', 'Viewer'], ['u1']],
    ['not_in', ['Admin', 'Viewer'], ['u2']],
    ['not_in', ['Viewer'], ['u1', 'u2']],
    ['lt', 'B', ['u1']],
    ['lte', 'Admin', ['u1']],
    ['gt', 'A', ['u1']],
    ['gte', 'Admin', ['u1']],
    ['between', ['A', 'B'], ['u1']],
    ['contains', 'dm', ['u1']],
    ['starts_with', 'Ad', ['u1']],
    ['ends_with', 'in', ['u1']],
    ['exists', true, ['u1']],
    ['exists', false, ['u2']],
  ];
  for (const [op, value, expected] of cases) {
    it(`${op} ${JSON.stringify(value)} -> ${expected.join(',')}`, () => {
      expect(usersWhere(data, trait('role', op, value as never))).toEqual(expected);
    });
  }
  it('not is the exact complement, nulls included', () => {
    expect(usersWhere(data, not(trait('role', 'equals', 'Admin')))).toEqual(['u2']);
    expect(usersWhere(data, not(trait('seats', 'gt', 1)))).toEqual(['u2']);
    expect(usersWhere(data, not(trait('role', 'not_equals', 'Admin')))).toEqual(['u1']);
    expect(usersWhere(data, not(not(trait('seats', 'lt', 100))))).toEqual(['u1']);
  });
  it('numbers: every operator on a null number is false but the negations', () => {
    expect(usersWhere(data, trait('seats', 'lt', 100))).toEqual(['u1']);
    expect(usersWhere(data, trait('seats', 'between', [5, 5]))).toEqual(['u1']); // inclusive
    expect(usersWhere(data, trait('seats', 'between', [6, 4]))).toEqual([]); // reversed bounds: nothing, as SQL
    expect(usersWhere(data, trait('seats', 'not_in', [5]))).toEqual(['u2']);
  });
});

describe('strings', () => {
  const data = dataset({
    identifies: [
      { user_id: 'z', timestamp: T, email: 'Z' },
      { user_id: 'a', timestamp: T, email: 'a' },
      { user_id: 'e', timestamp: T, email: 'é' },
      { user_id: 'ffff', timestamp: T, email: '\uFFFF' },
      { user_id: 'smile', timestamp: T, email: '😀' },
    ],
  });

  it('order by code point: "Z" < "a" < "é" < "\\uFFFF" < "😀" (not UTF-16 order)', () => {
    expect(compareCodePoints('😀', '\uFFFF')).toBe(1);
    expect('😀' < '\uFFFF').toBe(true); // what JS would get wrong
    expect(usersWhere(data, trait('email', 'lt', '😀')).sort()).toEqual(['a', 'e', 'ffff', 'z']);
    expect(usersWhere(data, trait('email', 'gt', '\uFFFF'))).toEqual(['smile']);
    expect(usersWhere(data, trait('email', 'lt', 'a'))).toEqual(['z']);
    expect(usersWhere(data, trait('email', 'between', ['a', 'é'])).sort()).toEqual(['a', 'e']);
    expect(usersWhere(data, trait('email', 'gte', 'é')).sort()).toEqual(['e', 'ffff', 'smile']);
  });

  it('ignore_case lower-cases both sides for equality and substring operators only', () => {
    const d = dataset({
      identifies: [
        { user_id: 'u1', timestamp: T, role: 'ADMIN' },
        { user_id: 'u2', timestamp: T, role: 'admin' },
        { user_id: 'u3', timestamp: T, role: 'Émile' },
        { user_id: 'u4', timestamp: T, role: 'ΟΔΟΣ' },
      ],
    });
    expect(usersWhere(d, trait('role', 'equals', 'Admin', true))).toEqual(['u1', 'u2']);
    expect(usersWhere(d, trait('role', 'equals', 'Admin'))).toEqual([]);
    expect(usersWhere(d, trait('role', 'not_equals', 'admin', true))).toEqual(['u3', 'u4']);
    expect(usersWhere(d, trait('role', 'in', ['émile', 'x'], true))).toEqual(['u3']);
    expect(usersWhere(d, trait('role', 'not_in', ['ÉMILE'], true))).toEqual(['u1', 'u2', 'u4']);
    expect(usersWhere(d, trait('role', 'contains', 'MI', true))).toEqual(['u1', 'u2', 'u3']);
    expect(usersWhere(d, trait('role', 'starts_with', 'é', true))).toEqual(['u3']);
    expect(usersWhere(d, trait('role', 'ends_with', 'σ', true))).toEqual(['u4']); // simple lowercase: Σ -> σ, never final ς
    expect(usersWhere(d, trait('role', 'ends_with', 'ς', true))).toEqual([]);
    // lt does not fold: "ADMIN" < "B" but "admin" > "B"
    expect(usersWhere(d, trait('role', 'lt', 'B', true))).toEqual(['u1']);
  });

  it('simple lowercase maps code points one to one', () => {
    expect(simpleLowerCase('İSTANBUL')).toBe('istanbul');
    expect(simpleLowerCase('ΟΔΟΣ')).toBe('οδοσ');
    expect(simpleLowerCase('ÉMILE😀')).toBe('émile😀');
  });

  it('contains / starts_with / ends_with are plain substrings: % and _ are ordinary characters', () => {
    const d = dataset({
      identifies: [
        { user_id: 'pct', timestamp: T, email: '50%' },
        { user_id: 'und', timestamp: T, email: 'a_b' },
        { user_id: 'plain', timestamp: T, email: 'aXb' },
        { user_id: 'empty', timestamp: T, email: '' },
      ],
    });
    expect(usersWhere(d, trait('email', 'contains', '_'))).toEqual(['und']);
    expect(usersWhere(d, trait('email', 'contains', '%'))).toEqual(['pct']);
    expect(usersWhere(d, trait('email', 'starts_with', 'a_'))).toEqual(['und']);
    expect(usersWhere(d, trait('email', 'ends_with', '%'))).toEqual(['pct']);
    expect(usersWhere(d, trait('email', 'contains', '')).sort()).toEqual(['empty', 'pct', 'plain', 'und']);
    expect(usersWhere(d, trait('email', 'equals', ''))).toEqual(['empty']);
  });

  it('hostile strings compare as themselves', () => {
    const hostile = ["O'Brien", 'back\\slash', 'x; DROP TABLE users; --', "'; --", '😀 naïve'];
    const d = dataset({ identifies: hostile.map((email, i) => ({ user_id: `u${i}`, timestamp: T, email })) });
    hostile.forEach((email, i) => {
      expect(usersWhere(d, trait('email', 'equals', email))).toEqual([`u${i}`]);
    });
    expect(usersWhere(d, trait('email', 'contains', "'")).sort()).toEqual(['u0', 'u3']);
    expect(usersWhere(d, trait('email', 'contains', '\\'))).toEqual(['u1']);
    expect(usersWhere(d, trait('email', 'ends_with', '--'))).toEqual(['u2', 'u3']);
    expect(usersWhere(d, trait('email', 'in', ["O'Brien", '😀 naïve']))).toEqual(['u0', 'u4']);
  });
});

describe('literal casting and types', () => {
  const data = dataset({
    identifies: [
      { user_id: 'u1', timestamp: T, seats: 10, role: '10', is_admin: true, signed_up_at: '2024-05-01T12:00:00Z' },
      { user_id: 'u2', timestamp: T, seats: 9, role: '9', is_admin: false, signed_up_at: '2024-05-02T00:00:00Z' },
    ],
    types: { seats: 'integer', signed_up_at: 'timestamp' },
  });

  it('numbers compare as numbers, also when written as strings', () => {
    expect(usersWhere(data, trait('seats', 'gt', '9.5'))).toEqual(['u1']);
    expect(usersWhere(data, trait('seats', 'equals', '10'))).toEqual(['u1']);
    expect(usersWhere(data, trait('seats', 'lt', 9.5))).toEqual(['u2']);
    expect(usersWhere(data, trait('seats', 'in', ['9', 11]))).toEqual(['u2']);
  });

  it('strings compare as strings, also when the literal is a number ("10" < "9")', () => {
    expect(usersWhere(data, trait('role', 'equals', 10))).toEqual(['u1']);
    expect(usersWhere(data, trait('role', 'lt', 9))).toEqual(['u1']);
  });

  it('booleans', () => {
    expect(usersWhere(data, trait('is_admin', 'equals', true))).toEqual(['u1']);
    expect(usersWhere(data, trait('is_admin', 'equals', 'false'))).toEqual(['u2']);
    expect(usersWhere(data, trait('is_admin', 'not_equals', true))).toEqual(['u2']);
  });

  it('timestamps compare as instants, whatever the ISO spelling', () => {
    expect(usersWhere(data, trait('signed_up_at', 'lt', '2024-05-02'))).toEqual(['u1']);
    expect(usersWhere(data, trait('signed_up_at', 'equals', '2024-05-02T02:00:00+02:00'))).toEqual(['u2']);
    expect(usersWhere(data, trait('signed_up_at', 'equals', '2024-05-01T12:00:00.000Z'))).toEqual(['u1']);
    expect(usersWhere(data, trait('signed_up_at', 'between', ['2024-05-01T12:00:00Z', '2024-05-02']))).toEqual(['u1', 'u2']);
    expect(usersWhere(data, trait('signed_up_at', 'gte', '2024-05-01T12:00:01Z'))).toEqual(['u2']);
  });
});

describe('includes on list traits', () => {
  it('is true when the list holds the value; null or empty lists give false', () => {
    const data = dataset({
      identifies: [{ user_id: 'none', timestamp: T }],
      events: [
        { user_id: 'u1', event: 'Feature Used', timestamp: T, feature: 'export' },
        { user_id: 'u1', event: 'Feature Used', timestamp: T, feature: 'Import' },
        { user_id: 'u2', event: 'Feature Used', timestamp: T, feature: null },
      ],
    });
    const features = computed('features', 'user', 'unique_list', 'Feature Used', { property: 'feature' });
    expect(usersWhere(data, trait('features', 'includes', 'export'), [features])).toEqual(['u1']);
    expect(usersWhere(data, trait('features', 'includes', 'import'), [features])).toEqual([]);
    expect(usersWhere(data, not(trait('features', 'includes', 'export')), [features])).toEqual(['none', 'u2']);
    expect(usersWhere(data, trait('features', 'exists', true), [features])).toEqual(['none', 'u1', 'u2']); // [] is not null
  });
});

describe('property filters', () => {
  it('use the same operators, null logic and casting, AND-ed', () => {
    const data = dataset({
      events: [
        { user_id: 'u1', event: 'Logged In', timestamp: T, method: 'sso', duration: 3 },
        { user_id: 'u1', event: 'Logged In', timestamp: T, method: 'SSO', duration: 1 },
        { user_id: 'u1', event: 'Logged In', timestamp: T, method: null, duration: 3 },
        { user_id: 'u2', event: 'Logged In', timestamp: T, method: 'password', duration: null },
      ],
      types: { duration: 'integer' },
    });
    const n = (...where: ReturnType<typeof filter>[]) => computed('n', 'user', 'count', 'Logged In', { where });
    const counts = (...where: ReturnType<typeof filter>[]) => {
      const results = run([n(...where)], data);
      const result = results.get('n')!;
      return result.kind === 'trait' ? Object.fromEntries(result.values) : null;
    };
    expect(counts(filter('method', 'equals', 'sso'))).toEqual({ u1: 1, u2: 0 });
    expect(counts(filter('method', 'equals', 'sso', true))).toEqual({ u1: 2, u2: 0 });
    expect(counts(filter('method', 'not_equals', 'sso'))).toEqual({ u1: 2, u2: 1 });
    expect(counts(filter('method', 'exists', false))).toEqual({ u1: 1, u2: 0 });
    expect(counts(filter('duration', 'gte', '3'))).toEqual({ u1: 2, u2: 0 });
    expect(counts(filter('duration', 'gte', 3), filter('method', 'exists', true))).toEqual({ u1: 1, u2: 0 });
    expect(counts(filter('duration', 'not_in', [3]))).toEqual({ u1: 1, u2: 1 });
  });
});

describe('audience results', () => {
  it('an audience over an empty universe is empty', () => {
    const results = run([audience('a', 'account', trait('plan', 'exists', false))], dataset({}));
    expect(members(results, 'a')).toEqual([]);
  });
});
