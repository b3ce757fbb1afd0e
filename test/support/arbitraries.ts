// fast-check arbitraries for differential tests: random source data in the Segment layout
// (docs/semantics.md) and random, valid definition sets over it. Value domains are small so that
// equality, ties and identical timestamps happen often; strings include hostile characters.
import fc from 'fast-check';
import type {
  AudienceDefinition,
  ComparisonOp,
  ComputeKind,
  ComputedTraitDefinition,
  Condition,
  CountOp,
  Definition,
  EventRef,
  Level,
  Predicate,
  Project,
  PropertyFilter,
  Scalar,
  SourceLocation,
  SqlTraitDefinition,
  TimeWindow,
} from '../../src/definitions/model.js';
import { parseSqlTemplate } from '../../src/definitions/parse-sql.js';
import { presetLayout } from '../../src/definitions/source-layout.js';
import type { SourceDataset, SourceRow, SourceTable, SourceValue } from '../../src/reference/dataset.js';
import type { LogicalType } from '../../src/warehouse/catalog.js';
import { betweenWindow, predicate } from '../../src/definitions/literal-instants.js';

// ---------------------------------------------------------------------------------------------
// Fixed parts

export const AS_OF = '2024-06-01T12:00:00.000Z';
const AS_OF_MS = Date.parse(AS_OF);
export const DAY = 86_400;

export const LOC: SourceLocation = { file: 'generated.yml', line: 1, col: 1 };

export function iso(offsetSeconds: number): string {
  return new Date(AS_OF_MS + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Strings that break naive quoting, LIKE patterns, case folding and UTF-16 ordering. */
export const HOSTILE_STRINGS: readonly string[] = [
  'a@x.com', "O'Brien", "o'brien", 'back\\slash', '--', 'x; DROP TABLE users; --', '50%', 'a_b',
  'Z', 'a', 'é', 'É', '😀', '\uFFFF', 'ﬀ', '', 'Σ', 'σ', 'naïve', 'NAÏVE', 'line\nbreak',
];

const SUBSTRINGS: readonly string[] = ["'", '\\', '--', ';', '%', '_', 'a', 'A', 'é', 'É', '😀', 'Brien', 'ad', 'AD', 'ï', 'Ï', ''];

const USER_IDS = ['u1', 'u2', 'u3', 'u4', "o'brien", 'ü7', 'U1'] as const;
const ACCOUNT_IDS = ['acme', 'globex', "o'hare", 'ACME', 'g😀'] as const;

/** Timestamps that sit on window boundaries: as_of, as_of - 1d / 7d / 30d / 14d, ±1 s. */
export const SPECIAL_OFFSETS = [0, -1, 1, -3600, -5400, -5401, -43_200, -DAY, -DAY + 1, -7 * DAY, -7 * DAY + 1, -7 * DAY - 1,
  -14 * DAY, -30 * DAY, -30 * DAY + 1, -30 * DAY - 1, -60 * DAY];

/** Window-between and timestamp-literal instants (dates alone are midnight UTC). */
const INSTANT_LITERALS = ['2024-05-01', '2024-05-02T12:00:00Z', '2024-05-25', AS_OF, '2024-06-10', '2024-04-02T12:00:00Z',
  '2024-05-01T14:00:00+02:00', iso(-30 * DAY), iso(-DAY)];

const TIMESTAMP_VALUES = [iso(-DAY), iso(-30 * DAY), '2024-05-01T00:00:00Z', '2024-05-01T12:00:00Z', '2023-12-31T23:59:59Z', iso(3600)];

interface Column {
  readonly type: LogicalType;
  readonly domain: readonly SourceValue[];
}

// 0.1, 0.2, 0.3 and 1234.567 have no exact double: their sums depend on the order of the terms unless
// they are added up exactly (src/sql/exact-sum.ts), which the incremental histories compare to the bit.
// NaN and the infinities are read as null everywhere (src/sql/finite-values.ts); no literal is one.
const NON_FINITE = [NaN, Infinity, -Infinity];
const NUMBER_DOMAIN = [0, 0.25, 0.5, 1, 1.5, -2, 10, 0.1, 0.2, 0.3, 1234.567, ...NON_FINITE];

export const USER_TRAITS: Readonly<Record<string, Column>> = {
  role: { type: 'string', domain: ['Admin', 'admin', 'ADMIN', 'Member', 'Viewer', "O'Brien", '10'] },
  seats: { type: 'integer', domain: [0, 1, 2, 3, 10, 25] },
  is_admin: { type: 'boolean', domain: [true, false] },
  email: { type: 'string', domain: HOSTILE_STRINGS },
  signed_up_at: { type: 'timestamp', domain: TIMESTAMP_VALUES },
};

export const ACCOUNT_TRAITS: Readonly<Record<string, Column>> = {
  plan: { type: 'string', domain: ['trial', 'starter', 'pro', 'Pro', 'enterprise'] },
  industry: { type: 'string', domain: ['Software', 'Retail', "O'Reilly", 'Ünïcode', '50%_off', 'é', 'É'] },
  employees: { type: 'number', domain: [0, 1, 2.5, 10, 100, -3, ...NON_FINITE] },
};

export interface EventSpec {
  readonly name: string; // as sent
  readonly table: string; // snake case
  readonly properties: Readonly<Record<string, Column>>;
}

export const EVENTS: readonly EventSpec[] = [
  {
    name: 'Logged In',
    table: 'logged_in',
    properties: {
      method: { type: 'string', domain: ['sso', 'password', 'SSO', 'magic link', "it's", '%', '_'] },
      duration: { type: 'integer', domain: [0, 1, 2, 3, 5] },
      remember: { type: 'boolean', domain: [true, false] },
    },
  },
  {
    name: 'Report Created',
    table: 'report_created',
    properties: {
      title: { type: 'string', domain: HOSTILE_STRINGS },
      score: { type: 'number', domain: NUMBER_DOMAIN },
      shared: { type: 'boolean', domain: [true, false] },
    },
  },
  {
    name: 'Feature Used',
    table: 'feature_used',
    properties: {
      feature: { type: 'string', domain: ['export', 'import', 'Export', 'share', '😀', 'é'] },
      order: { type: 'integer', domain: [1, 2, 3] }, // a reserved word as a column name
      score: { type: 'number', domain: NUMBER_DOMAIN },
    },
  },
];

/** event_text variants that land in the same snake-cased table but are not the event. */
const EVENT_TEXT_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  'Logged In': ['logged in', 'LoggedIn'],
  'Report Created': ['Report_Created'],
  'Feature Used': ['feature used'],
};

const PAGE_PROPERTIES: Readonly<Record<string, Column>> = {
  name: { type: 'string', domain: ['Home', 'Pricing', 'Docs'] },
  path: { type: 'string', domain: ['/', '/pricing', '/docs?q=%25', "/o'brien"] },
  title: { type: 'string', domain: ['Home', 'Pricing — Acme', '😀 Docs'] },
};

const SCREEN_PROPERTIES: Readonly<Record<string, Column>> = {
  name: { type: 'string', domain: ['Dashboard', 'Settings'] },
};

// ---------------------------------------------------------------------------------------------
// (a) Source data

type EventTime = 'timestamp' | 'received_at';

interface Times {
  readonly timestamp: string | null;
  readonly received_at: string | null;
}

const arbOffset: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_OFFSETS) },
  { weight: 3, arbitrary: fc.integer({ min: -60, max: 2 }).map((d) => d * DAY) }, // whole days: frequent ties
  { weight: 3, arbitrary: fc.integer({ min: -30 * DAY, max: 0 }) },
  { weight: 2, arbitrary: fc.integer({ min: -3 * DAY, max: 0 }) },
  { weight: 1, arbitrary: fc.integer({ min: -60 * DAY, max: 0 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 * DAY }) }, // after as_of
);

const arbTimes: fc.Arbitrary<Times> = fc
  .record({ offset: arbOffset, delay: fc.constantFrom(0, 0, 0, 1, 3600, 2 * DAY), nulls: fc.integer({ min: 0, max: 39 }) })
  .map(({ offset, delay, nulls }) => ({
    timestamp: nulls === 0 ? null : iso(offset),
    received_at: nulls === 1 ? null : iso(offset + delay),
  }));

function optional<T>(arb: fc.Arbitrary<T>, freq: number): fc.Arbitrary<T | null> {
  return fc.option(arb, { nil: null, freq });
}

export function arbColumns(columns: Readonly<Record<string, Column>>, nullFreq: number): fc.Arbitrary<Record<string, SourceValue>> {
  const record: Record<string, fc.Arbitrary<SourceValue>> = {};
  for (const [name, column] of Object.entries(columns)) record[name] = optional(fc.constantFrom(...column.domain), nullFreq);
  return fc.record(record);
}

const arbUserId = optional(fc.constantFrom(...USER_IDS), 8);
const arbAccountId = fc.constantFrom(...ACCOUNT_IDS);

const arbIdentify = fc.record({ user_id: arbUserId, times: arbTimes, traits: arbColumns(USER_TRAITS, 3) });
const arbGroup = fc.record({
  user_id: optional(fc.constantFrom(...USER_IDS), 4), // accounts without users: group calls with null user_id
  group_id: optional(arbAccountId, 15),
  times: arbTimes,
  traits: arbColumns(ACCOUNT_TRAITS, 3),
});
const arbTrack = fc.oneof(
  ...EVENTS.map((spec, index) =>
    fc.record({
      event: fc.constant(index),
      user_id: arbUserId,
      context_group_id: optional(arbAccountId, 2),
      times: arbTimes,
      variant: fc.integer({ min: 0, max: 11 }), // 0: an event_text variant
      properties: arbColumns(spec.properties, 4),
    }),
  ),
);
const arbPage = fc.record({
  user_id: arbUserId,
  context_group_id: optional(arbAccountId, 2),
  times: arbTimes,
  properties: arbColumns(PAGE_PROPERTIES, 4),
});
const arbScreen = fc.record({
  user_id: arbUserId,
  context_group_id: optional(arbAccountId, 2),
  times: arbTimes,
  properties: arbColumns(SCREEN_PROPERTIES, 4),
});

function columnTypes(...parts: Readonly<Record<string, LogicalType | Column>>[]): Record<string, LogicalType> {
  const out: Record<string, LogicalType> = {};
  for (const part of parts) {
    for (const [name, value] of Object.entries(part)) out[name] = typeof value === 'string' ? value : value.type;
  }
  return out;
}

const CALL_COLUMNS = { id: 'string', user_id: 'string', anonymous_id: 'string' } as const;
const TIME_COLUMNS = { timestamp: 'timestamp', received_at: 'timestamp' } as const;
const TRACK_COLUMNS = columnTypes(CALL_COLUMNS, { event: 'string', event_text: 'string' }, TIME_COLUMNS, { context_group_id: 'string' });

export interface DatasetSize {
  readonly identifies?: number;
  readonly groups?: number;
  readonly events?: number;
  readonly pages?: number;
  readonly screens?: number;
}

/** A random dataset in the Segment layout (schema-less: table name -> columns and rows). */
export function arbDataset(size: DatasetSize = {}): fc.Arbitrary<SourceDataset> {
  return fc
    .record({
      identifies: fc.array(arbIdentify, { minLength: Math.min(3, size.identifies ?? 3), maxLength: size.identifies ?? 15, size: 'medium' }),
      groups: fc.array(arbGroup, { minLength: Math.min(4, size.groups ?? 4), maxLength: size.groups ?? 14, size: 'medium' }),
      tracks: fc.array(arbTrack, { minLength: Math.min(10, size.events ?? 10), maxLength: size.events ?? 60, size: 'medium' }),
      pages: fc.array(arbPage, { minLength: Math.min(2, size.pages ?? 2), maxLength: size.pages ?? 12, size: 'medium' }),
      screens: fc.array(arbScreen, { maxLength: size.screens ?? 5 }),
    })
    .map(({ identifies, groups, tracks, pages, screens }) => {
      const anonymous = (prefix: string, i: number) => `anon-${prefix}${i % 5}`;
      const tables: Record<string, SourceTable> = {};

      tables.identifies = {
        columns: columnTypes(CALL_COLUMNS, TIME_COLUMNS, USER_TRAITS),
        rows: identifies.map((r, i) => ({ id: `i${i}`, user_id: r.user_id, anonymous_id: anonymous('i', i), ...r.times, ...r.traits })),
      };
      tables.groups = {
        columns: columnTypes(CALL_COLUMNS, { group_id: 'string' }, TIME_COLUMNS, ACCOUNT_TRAITS),
        rows: groups.map((r, i) => ({
          id: `g${i}`, user_id: r.user_id, anonymous_id: anonymous('g', i), group_id: r.group_id, ...r.times, ...r.traits,
        })),
      };

      const trackRows: SourceRow[] = [];
      const eventRows = EVENTS.map((): SourceRow[] => []);
      tracks.forEach((r, i) => {
        const spec = EVENTS[r.event];
        const variants = EVENT_TEXT_VARIANTS[spec.name] ?? [];
        const eventText = r.variant === 0 && variants.length > 0 ? variants[i % variants.length] : spec.name;
        // ids: string order differs from numeric order (e10 < e9), exercising tie-breaks
        const base: SourceRow = {
          id: `e${i}`, user_id: r.user_id, anonymous_id: anonymous('e', i), event: spec.table, event_text: eventText,
          ...r.times, context_group_id: r.context_group_id,
        };
        trackRows.push(base);
        eventRows[r.event].push({ ...base, ...r.properties });
      });
      tables.tracks = { columns: TRACK_COLUMNS, rows: trackRows };
      EVENTS.forEach((spec, index) => {
        tables[spec.table] = { columns: columnTypes(TRACK_COLUMNS, spec.properties), rows: eventRows[index] };
      });

      tables.pages = {
        columns: columnTypes(CALL_COLUMNS, PAGE_PROPERTIES, TIME_COLUMNS, { context_group_id: 'string' }),
        rows: pages.map((r, i) => ({
          id: `p${i}`, user_id: r.user_id, anonymous_id: anonymous('p', i), ...r.properties, ...r.times, context_group_id: r.context_group_id,
        })),
      };
      tables.screens = {
        columns: columnTypes(CALL_COLUMNS, SCREEN_PROPERTIES, TIME_COLUMNS, { context_group_id: 'string' }),
        rows: screens.map((r, i) => ({
          id: `s${i}`, user_id: r.user_id, anonymous_id: anonymous('s', i), ...r.properties, ...r.times, context_group_id: r.context_group_id,
        })),
      };
      return { tables };
    });
}

// ---------------------------------------------------------------------------------------------
// (b) Definitions

/** Something a trait leaf can name, with the type and the domain its literals come from. */
export interface TraitChoice {
  readonly name: string;
  readonly type: LogicalType; // 'list' for unique_list
  readonly element?: LogicalType;
  readonly domain: readonly SourceValue[];
}

export interface EventChoice {
  readonly ref: EventRef;
  readonly properties: Readonly<Record<string, Column>>;
}

export const EVENT_CHOICES: readonly EventChoice[] = [
  ...EVENTS.map((spec): EventChoice => ({ ref: { kind: 'track', name: spec.name }, properties: spec.properties })),
  { ref: { kind: 'page', name: null }, properties: PAGE_PROPERTIES },
  { ref: { kind: 'page', name: 'Pricing' }, properties: PAGE_PROPERTIES },
  { ref: { kind: 'screen', name: null }, properties: SCREEN_PROPERTIES },
];

const WITHIN: readonly TimeWindow[] = [
  { kind: 'within', seconds: 30 * DAY, text: '30d' },
  { kind: 'within', seconds: 7 * DAY, text: '7d' },
  { kind: 'within', seconds: DAY, text: '1d' },
  { kind: 'within', seconds: 12 * 3600, text: '12h' },
  { kind: 'within', seconds: 90 * 60, text: '90m' },
  { kind: 'within', seconds: 14 * DAY, text: '2w' },
  { kind: 'within', seconds: 3600, text: '3600s' },
];

export const arbWindow: fc.Arbitrary<TimeWindow | null> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom(...WITHIN) },
  { weight: 1, arbitrary: fc
    .uniqueArray(fc.constantFrom(...INSTANT_LITERALS), { minLength: 2, maxLength: 2, selector: (t) => Date.parse(t) })
    .map(([a, b]): TimeWindow => {
      const [start, end] = Date.parse(a) < Date.parse(b) ? [a, b] : [b, a];
      return betweenWindow(start, end);
    }) },
);

const OPS_BY_TYPE: Readonly<Record<LogicalType, readonly ComparisonOp[]>> = {
  string: ['equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between', 'contains', 'starts_with', 'ends_with', 'exists'],
  number: ['equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between', 'exists'],
  integer: ['equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between', 'exists'],
  boolean: ['equals', 'not_equals', 'in', 'not_in', 'exists'],
  timestamp: ['equals', 'not_equals', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'between', 'exists'],
  list: ['includes', 'exists'],
  unknown: ['exists'],
};

const CASE_FOLDING: readonly ComparisonOp[] = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'starts_with', 'ends_with'];

/** A literal for a column of `type`, sometimes written as another YAML type that casts to it. */
function arbLiteral(type: LogicalType, domain: readonly SourceValue[]): fc.Arbitrary<Scalar> {
  const values = domain.filter((v) => v !== null && !(typeof v === 'number' && !Number.isFinite(v)));
  const plain = fc.constantFrom(...values);
  switch (type) {
    case 'number':
    case 'integer':
      return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: plain.map((v) => String(v)) });
    case 'string': {
      const numeric = values.filter((v) => typeof v === 'string' && /^\d+$/.test(v)).map(Number);
      return numeric.length > 0 ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.constantFrom(...numeric) }) : plain;
    }
    case 'boolean':
      return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: plain.map((v) => String(v)) });
    case 'timestamp':
      return fc.oneof(plain, fc.constantFrom(...INSTANT_LITERALS));
    default:
      return plain;
  }
}

function arbPredicate(type: LogicalType, domain: readonly SourceValue[], element?: LogicalType): fc.Arbitrary<Predicate> {
  return fc.constantFrom(...OPS_BY_TYPE[type]).chain((op): fc.Arbitrary<Predicate> => {
    const ignoreCase = type === 'string' && CASE_FOLDING.includes(op) ? fc.boolean() : fc.constant(false);
    const literal = arbLiteral(type, domain);
    let value: fc.Arbitrary<Predicate['value']>;
    switch (op) {
      case 'exists':
        value = fc.boolean();
        break;
      case 'in':
      case 'not_in':
        value = fc.uniqueArray(literal, { minLength: 1, maxLength: 3 });
        break;
      case 'between':
        value = fc.tuple(literal, literal);
        break;
      case 'contains':
      case 'starts_with':
      case 'ends_with':
        value = fc.oneof(fc.constantFrom(...SUBSTRINGS), literal);
        break;
      case 'includes':
        value = arbLiteral(element ?? 'string', domain);
        break;
      default:
        value = literal;
    }
    return fc.record({ op: fc.constant(op), value, ignoreCase }).map((p) => predicate(p.op, p.value, p.ignoreCase));
  });
}

export function arbFilters(properties: Readonly<Record<string, Column>>): fc.Arbitrary<PropertyFilter[]> {
  const names = Object.keys(properties);
  const arbFilter = fc.constantFrom(...names).chain((property) =>
    arbPredicate(properties[property].type, properties[property].domain).map(
      (predicate): PropertyFilter => ({ property, predicate, loc: LOC }),
    ),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant<PropertyFilter[]>([]) },
    { weight: 2, arbitrary: fc.array(arbFilter, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(arbFilter, { minLength: 2, maxLength: 2 }) },
  );
}

const NUMERIC_TYPES: readonly LogicalType[] = ['number', 'integer'];

function computeKindsFor(properties: Readonly<Record<string, Column>>): ComputeKind[] {
  const types = Object.values(properties).map((c) => c.type);
  const kinds: ComputeKind[] = ['count', 'most_frequent', 'first', 'last', 'unique_list', 'unique_count', 'min', 'max'];
  if (types.some((t) => NUMERIC_TYPES.includes(t))) kinds.push('sum', 'avg');
  return kinds;
}

function propertiesFor(kind: ComputeKind, properties: Readonly<Record<string, Column>>): string[] {
  const names = Object.keys(properties);
  if (kind === 'sum' || kind === 'avg') return names.filter((n) => NUMERIC_TYPES.includes(properties[n].type));
  if (kind === 'min' || kind === 'max') return names.filter((n) => properties[n].type !== 'boolean'); // no min(bool) everywhere
  return names;
}

interface ComputedSpec {
  readonly definition: ComputedTraitDefinition;
  readonly choice: TraitChoice;
}

const COUNT_DOMAIN = [0, 1, 2, 3, 5];
const SUM_DOMAIN = [0, 0.5, 1, 2, 2.5, 3, 10];

function arbComputedTrait(index: number): fc.Arbitrary<ComputedSpec> {
  return fc
    .record({ event: fc.constantFrom(...EVENT_CHOICES), level: fc.constantFrom<Level>('user', 'account') })
    .chain(({ event, level }) =>
      fc.constantFrom(...computeKindsFor(event.properties)).chain((compute) =>
        fc
          .record({
            property: compute === 'count' ? fc.constant(null) : fc.constantFrom(...propertiesFor(compute, event.properties)),
            window: arbWindow,
            filters: arbFilters(event.properties),
            minFrequency: compute === 'most_frequent' ? fc.integer({ min: 1, max: 3 }) : fc.constant(2),
            scope: level === 'account' ? fc.constantFrom<'users' | 'group_context'>('users', 'group_context') : fc.constant<'users'>('users'),
          })
          .map(({ property, window, filters, minFrequency, scope }): ComputedSpec => {
            const name = `ct_${index}_${compute}`;
            const definition: ComputedTraitDefinition = {
              kind: 'computed_trait', name, level, description: null, sync: [], loc: LOC,
              compute, event: event.ref, window, filters, property, minFrequency, scope,
            };
            const column = property === null ? null : event.properties[property];
            let choice: TraitChoice;
            if (compute === 'count' || compute === 'unique_count') choice = { name, type: 'integer', domain: COUNT_DOMAIN };
            else if (compute === 'sum' || compute === 'avg') choice = { name, type: 'number', domain: SUM_DOMAIN };
            else if (compute === 'unique_list') choice = { name, type: 'list', element: column!.type, domain: column!.domain };
            else choice = { name, type: column!.type, domain: column!.domain };
            return { definition, choice };
          }),
      ),
    );
}

interface SqlTemplate {
  readonly definition: SqlTraitDefinition;
  readonly choices: readonly TraitChoice[];
}

function sqlTrait(name: string, level: Level, columns: string[], sql: string): SqlTraitDefinition {
  return { kind: 'sql_trait', name, level, description: null, sync: [], loc: LOC, sql, template: parseSqlTemplate(sql).parts, columns };
}

/** SQL traits whose queries are deterministic (no conflicting keys); their rows come from DuckDB. */
export const SQL_TEMPLATES: readonly SqlTemplate[] = [
  {
    definition: sqlTrait('sql_tracks_count', 'user', ['sql_tracks_count'],
      "select user_id, count(*) as sql_tracks_count from {{ source('tracks') }}\nwhere user_id is not null and timestamp <= {{ as_of }}\ngroup by user_id"),
    choices: [{ name: 'sql_tracks_count', type: 'integer', domain: COUNT_DOMAIN }],
  },
  {
    definition: sqlTrait('sql_identity', 'user', ['top_email', 'identify_count'],
      "select user_id, max(email) as top_email, count(*) as identify_count from {{ source('identifies') }}\nwhere user_id is not null and timestamp <= {{ as_of }}\ngroup by user_id"),
    choices: [
      { name: 'sql_identity.top_email', type: 'string', domain: HOSTILE_STRINGS },
      { name: 'sql_identity.identify_count', type: 'integer', domain: COUNT_DOMAIN },
    ],
  },
  {
    // also associates users with the accounts they acted in (many-to-many membership)
    definition: sqlTrait('sql_context_members', 'account', ['sql_context_members'],
      "select distinct context_group_id as group_id, user_id, 'context' as sql_context_members from {{ source('tracks') }}\nwhere context_group_id is not null and user_id is not null and timestamp <= {{ as_of }}"),
    choices: [{ name: 'sql_context_members', type: 'string', domain: ['context', 'Context'] }],
  },
  {
    definition: sqlTrait('sql_group_size', 'account', ['sql_group_size'],
      "select group_id, count(distinct user_id) as sql_group_size from {{ source('groups') }}\nwhere group_id is not null and timestamp <= {{ as_of }}\ngroup by group_id"),
    choices: [{ name: 'sql_group_size', type: 'integer', domain: COUNT_DOMAIN }],
  },
];

export interface DefinitionContext {
  readonly traits: Readonly<Record<Level, readonly TraitChoice[]>>;
  /** Audiences defined so far, with their levels. */
  readonly audiences: readonly { readonly name: string; readonly level: Level }[];
  /** More user-level leaves (funnels: test/support/funnel-arbitraries.ts). */
  readonly userLeaves?: readonly fc.Arbitrary<Condition>[];
}

export function customChoices(columns: Readonly<Record<string, Column>>): TraitChoice[] {
  return Object.entries(columns).map(([name, c]) => ({ name, type: c.type, domain: c.domain }));
}

const arbCount: fc.Arbitrary<{ op: CountOp; n: number }> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant<CountOp>('at_least'), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<CountOp>('at_most'), n: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<CountOp>('exactly'), n: fc.integer({ min: 0, max: 2 }) }) },
);

const arbPerformed: fc.Arbitrary<Condition> = fc.constantFrom(...EVENT_CHOICES).chain((event) =>
  fc.record({ window: arbWindow, filters: arbFilters(event.properties), count: arbCount }).map(
    ({ window, filters, count }): Condition => ({ kind: 'performed', event: event.ref, window, filters, count, loc: LOC }),
  ),
);

export function arbTraitLeaf(choices: readonly TraitChoice[]): fc.Arbitrary<Condition> {
  return fc.constantFrom(...choices).chain((choice) =>
    arbPredicate(choice.type, choice.domain, choice.element).map(
      (predicate): Condition => ({ kind: 'trait', trait: choice.name, predicate, loc: LOC }),
    ),
  );
}

const PERCENTS = [0, 25, 33.3, 50, 66.7, 100];

function arbCondition(level: Level, context: DefinitionContext, depth: number): fc.Arbitrary<Condition> {
  const leaves: fc.Arbitrary<Condition>[] = [arbTraitLeaf(context.traits[level])];
  const audiences = context.audiences.filter((a) => level === 'user' || a.level === 'account');
  if (audiences.length > 0) {
    leaves.push(
      fc.record({ audience: fc.constantFrom(...audiences.map((a) => a.name)), negated: fc.boolean() }).map(
        ({ audience, negated }): Condition => ({ kind: 'in_audience', audience, negated, loc: LOC }),
      ),
    );
  }
  if (level === 'user') {
    leaves.push(arbPerformed, arbPerformed, ...(context.userLeaves ?? []));
  } else {
    const inner = arbCondition('user', context, Math.min(1, Math.max(0, depth - 1)));
    const quantifier = fc
      .record({
        quantifier: fc.constantFrom('any_user', 'all_users', 'no_user', 'at_least_users') as fc.Arbitrary<
          'any_user' | 'all_users' | 'no_user' | 'at_least_users'
        >,
        count: fc.integer({ min: 0, max: 3 }),
        percent: fc.constantFrom(...PERCENTS),
        byPercent: fc.boolean(),
        condition: inner,
      })
      .map(({ quantifier, count, percent, byPercent, condition }): Condition => ({
        kind: 'quantifier',
        quantifier,
        atLeast: quantifier !== 'at_least_users' ? null : byPercent ? { percent } : { count },
        condition,
        loc: LOC,
      }));
    leaves.push(quantifier, quantifier);
  }
  const leaf = fc.oneof(...leaves);
  if (depth <= 0) return leaf;
  const child = arbCondition(level, context, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(child, { minLength: 1, maxLength: 3 }).map((children): Condition => ({ kind: 'all', children, loc: LOC })) },
    { weight: 1, arbitrary: fc.array(child, { minLength: 1, maxLength: 3 }).map((children): Condition => ({ kind: 'any', children, loc: LOC })) },
    { weight: 1, arbitrary: child.map((c): Condition => ({ kind: 'not', child: c, loc: LOC })) },
  );
}

function arbAudiences(levels: readonly Level[], traits: DefinitionContext['traits'], depth: number, userLeaves?: DefinitionContext['userLeaves']): fc.Arbitrary<AudienceDefinition[]> {
  const arbs = levels.map((level, index) => {
    const context: DefinitionContext = {
      traits,
      userLeaves,
      audiences: levels.slice(0, index).map((l, i) => ({ name: `aud_${i}`, level: l })),
    };
    return arbCondition(level, context, depth).map(
      (where): AudienceDefinition => ({
        kind: 'audience', name: `aud_${index}`, level, description: null, sync: [], loc: LOC,
        schedule: null, where, maxExitFraction: null,
      }),
    );
  });
  return fc.tuple(...arbs);
}

export interface DefinitionOptions {
  readonly maxComputedTraits?: number; // default 6
  readonly maxAudiences?: number; // default 5
  readonly maxDepth?: number; // condition tree depth, default 3
  readonly sqlTraits?: boolean; // default true: include SQL traits (their rows must come from running them)
  readonly userLeaves?: DefinitionContext['userLeaves']; // more user-level leaves, e.g. funnels
}

/** A random, valid definition set: computed traits, SQL traits, then audiences over them. */
export function arbDefinitions(options: DefinitionOptions = {}): fc.Arbitrary<Definition[]> {
  const computed = fc.array(fc.nat(), { maxLength: options.maxComputedTraits ?? 6 }).chain((seeds) =>
    fc.tuple(...seeds.map((_, i) => arbComputedTrait(i))),
  );
  const sql = options.sqlTraits === false ? fc.constant([]) : fc.subarray([...SQL_TEMPLATES], { maxLength: 2 });
  const levels = fc.array(fc.constantFrom<Level>('user', 'account'), { minLength: 1, maxLength: options.maxAudiences ?? 5 });
  return fc.tuple(computed, sql, levels).chain(([computedSpecs, sqlTemplates, audienceLevels]) => {
    const traits: Record<Level, TraitChoice[]> = {
      user: customChoices(USER_TRAITS),
      account: customChoices(ACCOUNT_TRAITS),
    };
    for (const spec of computedSpecs) traits[spec.definition.level].push(spec.choice);
    for (const template of sqlTemplates) traits[template.definition.level].push(...template.choices);
    return arbAudiences(audienceLevels, traits, options.maxDepth ?? 3, options.userLeaves).map((audiences): Definition[] => [
      ...computedSpecs.map((s) => s.definition),
      ...sqlTemplates.map((t) => t.definition),
      ...audiences,
    ]);
  });
}

/** The project around a definition set, in the Segment layout of schema `app`. */
export function makeProject(definitions: readonly Definition[], eventTime: EventTime = 'timestamp'): Project {
  return {
    root: '/generated',
    config: {
      warehouse: { type: 'duckdb', path: ':memory:' },
      source: presetLayout('segment', 'app', eventTime),
      stateSchema: 'quorum',
      destinations: {},
      maxExitFraction: 0.5,
      personas: { namespace: 'quorum', spaceId: 'quorum' },
      loc: LOC,
    },
    definitions,
  };
}

export interface Scenario {
  readonly project: Project;
  readonly dataset: SourceDataset;
  readonly asOf: string;
}

export interface ScenarioOptions extends DefinitionOptions {
  readonly size?: DatasetSize;
  /** Event-time columns to draw from; default both `timestamp` and `received_at`. */
  readonly eventTimes?: readonly EventTime[];
}

export function arbScenario(options: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      eventTime: fc.constantFrom(...(options.eventTimes ?? ['timestamp', 'received_at'])),
      definitions: arbDefinitions(options),
      dataset: arbDataset(options.size),
    })
    .map(({ eventTime, definitions, dataset }) => ({ project: makeProject(definitions, eventTime), dataset, asOf: AS_OF }));
}
