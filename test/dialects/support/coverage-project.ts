// One project that uses every leaf, operator, compute kind and quantifier of the language, over
// the generated Segment-layout data of test/support/arbitraries.ts: what each dialect must print,
// parse and answer exactly like DuckDB and the reference evaluator.
import fc from 'fast-check';
import type {
  AudienceDefinition,
  ComparisonOp,
  ComputedTraitDefinition,
  ComputeKind,
  Condition,
  Definition,
  EventRef,
  FunnelStep,
  Level,
  Predicate,
  Scalar,
  TimeWindow,
} from '../../../src/definitions/model.js';
import type { SourceDataset } from '../../../src/reference/dataset.js';
import { AS_OF, arbDataset, LOC, makeProject, SQL_TEMPLATES } from '../../support/arbitraries.js';
import { betweenWindow, predicate } from '../../../src/definitions/literal-instants.js';

const LOGGED_IN: EventRef = { kind: 'track', name: 'Logged In' };
const REPORT: EventRef = { kind: 'track', name: 'Report Created' };
const FEATURE: EventRef = { kind: 'track', name: 'Feature Used' };
const within = (text: string, seconds: number): TimeWindow => ({ kind: 'within', seconds, text });
const DAY = 86_400;

function computed(
  name: string,
  level: Level,
  compute: ComputeKind,
  event: EventRef,
  property: string | null,
  extra: Partial<ComputedTraitDefinition> = {},
): ComputedTraitDefinition {
  return {
    kind: 'computed_trait', name, level, compute, event, property, description: null, sync: [], loc: LOC,
    window: null, filters: [], minFrequency: 2, scope: 'users', ...extra,
  };
}

const p = (op: ComparisonOp, value: Scalar | readonly Scalar[], ignoreCase = false): Predicate => predicate(op, value, ignoreCase);
const trait = (name: string, predicate: Predicate): Condition => ({ kind: 'trait', trait: name, predicate, loc: LOC });
const all = (...children: Condition[]): Condition => ({ kind: 'all', children, loc: LOC });
const any = (...children: Condition[]): Condition => ({ kind: 'any', children, loc: LOC });
const not = (child: Condition): Condition => ({ kind: 'not', child, loc: LOC });
const inAudience = (audience: string, negated = false): Condition => ({ kind: 'in_audience', audience, negated, loc: LOC });
const performed = (event: EventRef, count: { op: 'at_least' | 'at_most' | 'exactly'; n: number }, window: TimeWindow | null = null, filters: Predicate[] = []): Condition => ({
  kind: 'performed', event, window, count, loc: LOC,
  filters: filters.map((predicate, i) => ({ property: i === 0 ? 'method' : 'duration', predicate, loc: LOC })),
});
const quantifier = (q: 'any_user' | 'all_users' | 'no_user' | 'at_least_users', condition: Condition, atLeast: { count: number } | { percent: number } | null = null): Condition => ({
  kind: 'quantifier', quantifier: q, atLeast, condition, loc: LOC,
});

const step = (event: EventRef, window: TimeWindow | null, negated = false, filters: Predicate[] = []): FunnelStep => ({
  event, window, negated, loc: LOC, filters: filters.map((predicate) => ({ property: 'method', predicate, loc: LOC })),
});
const funnel = (...steps: FunnelStep[]): Condition => ({ kind: 'funnel', steps, loc: LOC });

function audience(name: string, level: Level, where: Condition): AudienceDefinition {
  return { kind: 'audience', name, level, where, description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null };
}

export const COMPUTED_TRAITS: readonly ComputedTraitDefinition[] = [
  computed('ct_count', 'user', 'count', LOGGED_IN, null, { window: within('30d', 30 * DAY), filters: [{ property: 'method', predicate: p('equals', 'sso', true), loc: LOC }] }),
  computed('ct_sum', 'user', 'sum', REPORT, 'score'),
  computed('ct_avg', 'account', 'avg', REPORT, 'score'),
  // A double's NaN and infinities are null to the aggregate and to the filter (src/sql/finite-values.ts).
  computed('ct_max_score', 'user', 'max', REPORT, 'score', { filters: [{ property: 'score', predicate: p('gt', 0.2), loc: LOC }] }),
  computed('ct_min', 'user', 'min', REPORT, 'title'),
  computed('ct_max', 'account', 'max', LOGGED_IN, 'duration', { scope: 'group_context' }),
  computed('ct_most_frequent', 'user', 'most_frequent', FEATURE, 'feature', { minFrequency: 1 }),
  computed('ct_first', 'user', 'first', LOGGED_IN, 'method'),
  computed('ct_last', 'account', 'last', REPORT, 'title'),
  computed('ct_unique_list', 'user', 'unique_list', FEATURE, 'feature'),
  computed('ct_unique_count', 'account', 'unique_count', LOGGED_IN, 'method', { window: betweenWindow('2024-05-01', '2024-05-25') }),
  computed('ct_pages', 'user', 'count', { kind: 'page', name: 'Home' }, null, { window: within('7d', 7 * DAY) }),
  computed('ct_screens', 'user', 'count', { kind: 'screen', name: null }, null),
  // instants as values: every warehouse must send the reference's ISO-8601 text, to the millisecond in UTC
  computed('ct_last_login_at', 'account', 'last', LOGGED_IN, 'timestamp'),
  computed('ct_first_report_received', 'user', 'first', REPORT, 'received_at'),
];

export const AUDIENCES: readonly AudienceDefinition[] = [
  audience('a_equals', 'user', trait('role', p('equals', 'Admin'))),
  audience('a_equals_ci', 'user', trait('role', p('equals', 'admin', true))),
  audience('a_not_equals', 'user', trait('role', p('not_equals', 'Admin'))),
  audience('a_in', 'user', trait('role', p('in', ['Admin', "O'Brien"]))),
  audience('a_not_in_ci', 'user', trait('role', p('not_in', ['admin', 'member'], true))),
  audience('a_lt_string', 'user', trait('email', p('lt', 'a'))),
  audience('a_gte_string', 'user', trait('email', p('gte', 'é'))),
  audience('a_lte_number', 'user', trait('seats', p('lte', 2))),
  audience('a_gt_timestamp', 'user', trait('signed_up_at', p('gt', '2024-05-01T00:00:00Z'))),
  audience('a_between', 'user', trait('seats', p('between', [1, 10]))),
  audience('a_between_string', 'user', trait('email', p('between', ['Z', 'é']))),
  audience('a_contains', 'user', trait('email', p('contains', "'"))),
  audience('a_contains_pattern', 'user', trait('email', p('contains', '%'))),
  audience('a_starts_with', 'user', trait('email', p('starts_with', 'back\\'))),
  audience('a_ends_with_ci', 'user', trait('email', p('ends_with', 'ÏVE', true))),
  audience('a_exists', 'user', trait('email', p('exists', true))),
  audience('a_not_exists', 'user', trait('is_admin', p('exists', false))),
  audience('a_boolean', 'user', trait('is_admin', p('equals', true))),
  audience('a_includes', 'user', trait('ct_unique_list', p('includes', 'export'))),
  audience('a_computed', 'user', any(trait('ct_count', p('gte', 1)), trait('ct_sum', p('gt', 0.5)), trait('ct_min', p('lt', 'a')))),
  audience('a_ranked', 'user', any(trait('ct_most_frequent', p('equals', 'export')), trait('ct_first', p('in', ['sso', 'SSO'])))),
  audience('a_performed', 'user', performed(LOGGED_IN, { op: 'at_least', n: 2 }, within('30d', 30 * DAY))),
  audience('a_performed_filtered', 'user', performed(LOGGED_IN, { op: 'at_least', n: 1 }, null, [p('starts_with', 's', true), p('gte', 2)])),
  audience('a_at_most', 'user', performed(REPORT, { op: 'at_most', n: 1 }, within('7d', 7 * DAY))),
  audience('a_exactly', 'user', performed(FEATURE, { op: 'exactly', n: 0 }, betweenWindow('2024-05-01', '2024-05-25T12:00:00Z'))),
  audience('a_not_tree', 'user', not(all(trait('role', p('exists', true)), any(trait('seats', p('gt', 2)), inAudience('a_equals'))))),
  audience('a_not_in_audience', 'user', inAudience('a_performed', true)),
  audience('acc_traits', 'account', all(trait('plan', p('in', ['pro', 'Pro'])), trait('employees', p('gte', 2.5)))),
  audience('acc_strings', 'account', any(trait('industry', p('lt', 'É')), trait('industry', p('contains', '_')), trait('ct_last', p('exists', true)))),
  audience('acc_computed', 'account', any(trait('ct_avg', p('gt', 0.3)), trait('ct_max', p('gte', 3)), trait('ct_unique_count', p('gte', 2)))),
  audience('acc_any_user', 'account', quantifier('any_user', trait('role', p('equals', 'Admin')))),
  audience('acc_all_users', 'account', quantifier('all_users', performed(LOGGED_IN, { op: 'at_least', n: 1 }))),
  audience('acc_no_user', 'account', quantifier('no_user', inAudience('a_performed'))),
  audience('acc_at_least_count', 'account', quantifier('at_least_users', trait('seats', p('gte', 1)), { count: 2 })),
  audience('acc_at_least_percent', 'account', quantifier('at_least_users', trait('is_admin', p('equals', false)), { percent: 33.3 })),
  audience('acc_nested', 'account', all(inAudience('acc_traits', true), not(quantifier('any_user', trait('ct_count', p('gte', 1)))))),
  audience('a_passthrough', 'user', inAudience('acc_any_user')),
  audience('a_funnel', 'user', funnel(step(LOGGED_IN, within('30d', 30 * DAY)), step(REPORT, within('1d', DAY)))),
  audience('a_funnel_abandoned', 'user', funnel(step(REPORT, within('7d', 7 * DAY)), step(LOGGED_IN, within('1h', 3600), true, [p('in', ['sso', 'password'])]))),
  audience('a_funnel_chain', 'user', not(funnel(step(LOGGED_IN, null, false, [p('exists', true)]), step(FEATURE, within('2d', 2 * DAY)), step(REPORT, within('12h', 12 * 3600))))),
  audience('acc_funnel', 'account', quantifier('any_user', funnel(step(FEATURE, null), step(FEATURE, within('1d', DAY), true)))),
];

export const SQL_TRAITS = SQL_TEMPLATES.slice(0, 3).map((t) => t.definition);

export const COVERAGE_DEFINITIONS: readonly Definition[] = [...COMPUTED_TRAITS, ...SQL_TRAITS, ...AUDIENCES];

export function coverageProject(definitions: readonly Definition[] = COVERAGE_DEFINITIONS) {
  return makeProject(definitions);
}

export const COVERAGE_AS_OF = AS_OF;

/** The same generated data every time: hostile strings, ties, window boundaries, nulls. */
export function coverageDataset(seed = 7): SourceDataset {
  const samples = fc.sample(arbDataset({ identifies: 40, groups: 40, events: 160, pages: 30, screens: 10 }), { seed, numRuns: 30 });
  const size = (d: SourceDataset) => Object.values(d.tables).reduce((n, t) => n + t.rows.length, 0);
  return samples.reduce((best, d) => (size(d) > size(best) ? d : best));
}
