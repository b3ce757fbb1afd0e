// PASS: per-user pre-aggregation of account-level scans. An expert aggregates an account's events
// per user first (per context account too, for group_context) and joins only those partials to
// the memberships: the join then sees one row per group instead of one per event.
import type { Measure, Plan } from '../plan.js';
import { CTE } from './cte-names.js';
import { scanNamed, sourceInputs, withCtes, type PhysicalPass } from './pass-context.js';
import { cteInput, type PhysicalCte, type PreAggregationKey } from './physical-plan.js';

export const preAggregationPass: PhysicalPass = (physical, ctx) =>
  withCtes(
    physical,
    physical.ctes.map((c): PhysicalCte => {
      if (c.kind !== 'event_scan') return c;
      const scan = scanNamed(ctx.plan, c.scan);
      const key = preAggregationKey(ctx.plan, scan);
      if (key === undefined) return c;
      const groups = [key.context ? 'context account' : null, key.property === null ? null : key.property].filter((g) => g !== null);
      return {
        ...c,
        strategy: 'pre_aggregated_per_user',
        preAggregation: key,
        inputs: [cteInput(CTE.memberships), ...sourceInputs(ctx.plan, scan.table)],
        reason: `the events of ${scan.table} are aggregated per (user${groups.map((g) => `, ${g}`).join('')}) first; only those partials meet the memberships`,
      };
    }),
  );

export const isDistinct = (m: Measure): boolean => m.aggregate === 'count_distinct' || m.aggregate === 'sorted_distinct_list';

/**
 * How an account-level scan is pre-aggregated per user, or undefined when it is not. Per-user
 * groups (and per context account, for group_context) are never more than the events and usually
 * far fewer. Groups per (user, value) for a distinct measure can be nearly as many as the events
 * (a dashboard id, say): then the groups cost a second hash of every event for nothing, and the
 * events are better joined to the memberships directly. They are only formed when a user-level
 * most_frequent of the same property needs those very counts anyway. Two distinct properties
 * would multiply the groups.
 */
export function preAggregationKey(plan: Plan, scan: Plan['scans'][number]): PreAggregationKey | undefined {
  if (scan.level !== 'account') return undefined;
  const context = scan.measures.some((m) => m.groupContext);
  const distinct = new Set(scan.measures.filter(isDistinct).map((m) => m.property as string));
  if (distinct.size === 0) return { property: null, context };
  if (distinct.size > 1 || context) return undefined;
  const property = [...distinct][0];
  return mostFrequentTraitsOn(plan, scan.table, property).length > 0 ? { property, context } : undefined;
}

/** User-level most_frequent traits over a table's property: they count (user, value) groups. */
export function mostFrequentTraitsOn(plan: Plan, table: string, property: string): Plan['ranked'][number][] {
  return plan.ranked.filter(
    (r) => r.compute === 'most_frequent' && r.level === 'user' && !r.groupContext && r.match.table === table && r.property === property,
  );
}
