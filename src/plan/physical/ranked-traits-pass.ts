// PASS: ranked traits from shared groups. A user-level most_frequent trait counts the very
// (user, value) groups that an account-level scan of the same table pre-aggregates: it becomes
// one more partial count of that scan, and the events are grouped once for both.
import { mostFrequentTraitsOn } from './pre-aggregation-pass.js';
import { replaceCte, scanNamed, withCtes, type PhysicalPass } from './pass-context.js';
import { cteInput, type PhysicalCte } from './physical-plan.js';
import { userGroupsCte, withGroups, withReason } from './shared-scans-pass.js';

export const rankedTraitsPass: PhysicalPass = (physical, ctx) => {
  let ctes = [...physical.ctes];
  for (const account of physical.ctes) {
    if (account.kind !== 'event_scan' || account.preAggregation === null || account.preAggregation.property === null) continue;
    const scan = scanNamed(ctx.plan, account.scan);
    const ranked = mostFrequentTraitsOn(ctx.plan, scan.table, account.preAggregation.property);
    if (ranked.length === 0) continue;
    const existing = ctes.find(
      (c): c is Extract<PhysicalCte, { kind: 'user_groups' }> => c.kind === 'user_groups' && c.scan === account.scan,
    );
    const groups = withReason(ctx, {
      ...(existing ?? userGroupsCte(ctx, account, account.preAggregation)),
      rankedTraits: ranked.map((r) => r.name),
    });
    ctes =
      existing === undefined
        ? replaceCte(ctes, account.name, groups, withGroups(account, groups.name))
        : replaceCte(ctes, existing.name, groups);
    for (const r of ranked) {
      const cte = ctes.find((c) => c.kind === 'ranked' && c.ranked === r.name);
      if (cte === undefined) throw new Error(`internal error: the physical plan has no CTE for ranked trait "${r.name}"`);
      ctes = replaceCte(ctes, cte.name, {
        kind: 'ranked',
        name: cte.name,
        ranked: r.name,
        strategy: 'from_shared_groups',
        groups: groups.name,
        inputs: [cteInput(groups.name)],
        reason: `${r.trait}: its (user, ${r.property}) counts are partials of the per-user groups of ${account.name}, so ${scan.table} is grouped once for both`,
      });
    }
  }
  return withCtes(physical, ctes);
};
