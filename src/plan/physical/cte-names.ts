// The names of the statement's CTEs. The logical plan names its scans, ranked traits, SQL traits and
// funnels; these are the names of everything else, in one place, so that no stage spells them.
import type { Level } from '../../definitions/model.js';

export const CTE = {
  userUniverse: 'universe:user',
  accountUniverse: 'universe:account',
  memberships: 'memberships',
  identityEdges: 'identity:edges',
  identityOwners: 'identity',
  customTraits: (level: Level) => `custom_traits:${level}`,
  features: (level: Level) => `features:${level}`,
  /** The features of users that some event CTE lists and the user universe lacks (member-list-pass.ts). */
  usersOutsideUniverse: 'features:user:outside_universe',
  audience: (name: string) => `audience:${name}`,
  quantifiers: (name: string) => `quantifiers:${name}`,
  sharedQuantifiers: 'quantifiers',
  /** An account-level scan's per-user groups, when other CTEs read them too. */
  userGroups: (scan: string) => `${scan}:per_user`,
  funnelInstances: (funnel: string, step: number) => `${funnel}:events_${step}`,
  funnelStep: (funnel: string, step: number) => `${funnel}:step_${step}`,
} as const;
