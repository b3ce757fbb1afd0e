// PASS: one read of a table for both levels. When an account-level scan is pre-aggregated per
// user and every measure of the user-level scan of the same table can be combined from those
// per-user groups, the groups become a CTE of their own and the user-level scan reads them.
import { CTE } from './cte-names.js';
import { isDistinct } from './pre-aggregation-pass.js';
import { plural, rankedNamed, replaceCte, scanNamed, sourceInputs, withCtes, type PassContext, type PhysicalPass } from './pass-context.js';
import { cteInput, type PhysicalCte, type PreAggregationKey } from './physical-plan.js';

type ScanCte = Extract<PhysicalCte, { kind: 'event_scan' }>;
type UserGroupsCte = Extract<PhysicalCte, { kind: 'user_groups' }>;

export const sharedScansPass: PhysicalPass = (physical, ctx) => {
  let ctes = [...physical.ctes];
  for (const account of physical.ctes) {
    if (account.kind !== 'event_scan' || account.preAggregation === null) continue;
    const user = userScanSharing(ctx, physical.ctes, account, account.preAggregation);
    if (user === undefined) continue;
    const scan = scanNamed(ctx.plan, account.scan);
    const groups = userGroupsCte(ctx, account, account.preAggregation);
    const shared = withReason(ctx, { ...groups, userScan: user.name });
    ctes = ctes.filter((c) => c !== user);
    ctes = replaceCte(ctes, account.name, shared, withGroups(account, groups.name), {
      kind: 'user_scan_from_groups',
      name: user.name,
      scan: user.scan,
      groups: groups.name,
      inputs: [cteInput(groups.name)],
      strategy: 'combine_partials',
      reason: `every user-level measure on ${scan.table} combined from the per-user groups of ${account.name}`,
    });
  }
  return withCtes(physical, ctes);
};

/** The user-level scan of the same table, when each of its measures combines from the account scan's per-user groups. */
function userScanSharing(ctx: PassContext, ctes: readonly PhysicalCte[], account: ScanCte, key: PreAggregationKey): ScanCte | undefined {
  const table = scanNamed(ctx.plan, account.scan).table;
  const userScan = ctx.plan.scans.find((s) => s.level === 'user' && s.table === table);
  if (userScan === undefined) return undefined;
  const combinable = userScan.measures.every((m) => !m.groupContext && (!isDistinct(m) || m.property === key.property));
  if (!combinable) return undefined;
  return ctes.find((c): c is ScanCte => c.kind === 'event_scan' && c.scan === userScan.name);
}

/** The per-user groups of an account scan as a CTE of their own, shared by nothing yet. */
export function userGroupsCte(ctx: PassContext, account: ScanCte, key: PreAggregationKey): UserGroupsCte {
  const scan = scanNamed(ctx.plan, account.scan);
  return {
    kind: 'user_groups',
    name: CTE.userGroups(account.name),
    scan: account.scan,
    inputs: sourceInputs(ctx.plan, scan.table),
    strategy: 'shared_per_user_groups',
    key,
    userScan: null,
    rankedTraits: [],
    reason: `one scan of ${scan.table} per user`,
  };
}

/** Why the groups are a CTE: what reads them besides the account-level measures. */
export function withReason(ctx: PassContext, groups: UserGroupsCte): UserGroupsCte {
  const account = scanNamed(ctx.plan, groups.scan);
  const user = groups.userScan === null ? 0 : scanNamed(ctx.plan, groups.userScan).measures.length;
  const levels = user > 0 ? 'at user and account level' : 'at account level';
  const ranked =
    groups.rankedTraits.length === 0
      ? ''
      : ` and the most_frequent counts of ${groups.rankedTraits.map((r) => rankedNamed(ctx.plan, r).trait).join(', ')}`;
  return {
    ...groups,
    reason: `one scan of ${account.table} serves ${plural(account.measures.length + user, 'measure')} ${levels}${ranked}`,
  };
}

export function withGroups(account: ScanCte, groups: string): ScanCte {
  return { ...account, groups, inputs: [cteInput(CTE.memberships), cteInput(groups)] };
}
