// A deterministic, varied workload over the scale warehouse: computed traits of every kind at
// both levels (windows, property filters, group_context), audiences with every quantifier,
// custom traits, in_audience passthroughs and negations. Together with the five reference
// definitions it makes the "one run of 50 definitions" of the bench.
import type { Condition, Definition, EventRef, TimeWindow } from '../src/definitions/model.js';
import { predicate } from '../src/definitions/literal-instants.js';

const LOC = { file: 'bench/varied-definitions.ts', line: 1, col: 1 };
const base = { description: null, sync: [], loc: LOC } as const;

const within = (days: number): TimeWindow => ({ kind: 'within', seconds: days * 86_400, text: `${days}d` });
const track = (name: string): EventRef => ({ kind: 'track', name });
const EVENTS = ['Logged In', 'Feature Used', 'Dashboard Viewed', 'Report Created', 'Invite Sent'];
const WINDOWS = [7, 14, 30, 60, 90];

function trait(name: string, op: 'equals' | 'in' | 'gte' | 'lt' | 'gt' | 'exists', value: unknown): Condition {
  return { kind: 'trait', trait: name, predicate: predicate(op, value as never, false), loc: LOC };
}

function performed(event: string, days: number, op: 'at_least' | 'at_most' | 'exactly' = 'at_least', n = 1): Condition {
  return { kind: 'performed', event: track(event), window: within(days), filters: [], count: { op, n }, loc: LOC };
}

/** `count` definitions after the five reference ones (bench/project); names are `v<i>_...`. */
export function variedDefinitions(count = 45): Definition[] {
  const out: Definition[] = [];
  const accountCounts: string[] = ['logins_past_30_days'];
  const accountAudiences: string[] = ['admins_reporting_accounts', 'fully_active_accounts'];
  for (let i = 0; out.length < count; i += 1) {
    const event = EVENTS[i % EVENTS.length];
    const days = WINDOWS[i % WINDOWS.length];
    const computed = { ...base, filters: [], property: null, minFrequency: 2, scope: 'users' as const, window: within(days), event: track(event) };
    switch (i % 12) {
      case 0: {
        const name = `v${i}_account_${event.toLowerCase().replace(/ /g, '_')}_${days}d`;
        out.push({ ...computed, kind: 'computed_trait', name, level: 'account', compute: 'count' });
        accountCounts.push(name);
        break;
      }
      case 1:
        out.push({
          ...computed,
          kind: 'computed_trait',
          name: `v${i}_user_sso_logins_${days}d`,
          level: 'user',
          compute: 'count',
          event: track('Logged In'),
          filters: [{ property: 'method', predicate: predicate('equals', 'sso', false), loc: LOC }],
        });
        break;
      case 2:
        out.push({ ...computed, kind: 'computed_trait', name: `v${i}_account_usage_seconds_${days}d`, level: 'account', compute: 'sum', event: track('Feature Used'), property: 'duration_seconds' });
        break;
      case 3:
        out.push({ ...computed, kind: 'computed_trait', name: `v${i}_account_avg_load_${days}d`, level: 'account', compute: 'avg', event: track('Dashboard Viewed'), property: 'load_time_ms' });
        break;
      case 4:
        out.push({ ...computed, kind: 'computed_trait', name: `v${i}_user_last_feature`, level: 'user', compute: 'last', event: track('Feature Used'), property: 'feature', window: null });
        break;
      case 5:
        out.push({ ...computed, kind: 'computed_trait', name: `v${i}_account_dashboards_${days}d`, level: 'account', compute: 'unique_count', event: track('Dashboard Viewed'), property: 'dashboard_id' });
        break;
      case 6: {
        const name = `v${i}_accounts_any_${['admin', 'member', 'viewer'][i % 3]}_${days}d`;
        out.push({
          ...base,
          kind: 'audience',
          name,
          level: 'account',
          schedule: null,
          maxExitFraction: null,
          where: {
            kind: 'quantifier',
            quantifier: 'any_user',
            atLeast: null,
            loc: LOC,
            condition: { kind: 'all', loc: LOC, children: [trait('role', 'equals', ['Admin', 'Member', 'Viewer'][i % 3]), performed(event, days, 'at_least', 1 + (i % 3))] },
          },
        });
        accountAudiences.push(name);
        break;
      }
      case 7: {
        const quantifier = (['all_users', 'no_user'] as const)[Math.floor(i / 12) % 2];
        const name = `v${i}_accounts_${quantifier}_${days}d`;
        out.push({ ...base, kind: 'audience', name, level: 'account', schedule: null, maxExitFraction: null, where: { kind: 'quantifier', quantifier, atLeast: null, loc: LOC, condition: performed(event, days) } });
        accountAudiences.push(name);
        break;
      }
      case 8: {
        const name = `v${i}_paying_engaged_accounts`;
        out.push({
          ...base,
          kind: 'audience',
          name,
          level: 'account',
          schedule: null,
          maxExitFraction: null,
          where: {
            kind: 'all',
            loc: LOC,
            children: [
              trait('plan', 'in', ['starter', 'pro', 'enterprise']),
              trait(accountCounts[i % accountCounts.length], 'gte', 5 + (i % 7)),
              { kind: 'quantifier', quantifier: 'at_least_users', atLeast: { percent: 25 }, loc: LOC, condition: performed('Logged In', days) },
              { kind: 'in_audience', audience: accountAudiences[i % accountAudiences.length], negated: true, loc: LOC },
            ],
          },
        });
        accountAudiences.push(name);
        break;
      }
      case 9:
        out.push({
          ...base,
          kind: 'audience',
          name: `v${i}_engaged_users_${days}d`,
          level: 'user',
          schedule: null,
          maxExitFraction: null,
          where: { kind: 'all', loc: LOC, children: [performed(event, days, 'at_least', 2 + (i % 4)), trait('country', 'in', ['US', 'GB', 'DE', 'FR'])] },
        });
        break;
      case 10:
        out.push({
          ...base,
          kind: 'audience',
          name: `v${i}_quiet_users_in_accounts`,
          level: 'user',
          schedule: null,
          maxExitFraction: null,
          where: {
            kind: 'all',
            loc: LOC,
            children: [{ kind: 'in_audience', audience: accountAudiences[i % accountAudiences.length], negated: false, loc: LOC }, performed('Logged In', days, 'exactly', 0)],
          },
        });
        break;
      case 11:
        out.push(
          i % 24 === 11
            ? { ...computed, kind: 'computed_trait', name: `v${i}_account_report_types`, level: 'account', compute: 'unique_list', event: track('Report Created'), property: 'report_type' }
            : { ...computed, kind: 'computed_trait', name: `v${i}_account_context_logins_${days}d`, level: 'account', compute: 'count', event: track('Logged In'), scope: 'group_context' },
        );
        break;
      default:
        throw new Error('unreachable');
    }
  }
  return out;
}
