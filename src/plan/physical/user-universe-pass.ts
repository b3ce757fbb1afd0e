// PASS: which users the user-level CTEs range over. Only a user-level output needs every user.
// When users are read only through user-level audiences or accounts' quantifiers, the users of
// the memberships are enough, and the scan of every event table for user ids is skipped; with no
// user-level audience either, quantifiers compute each membership row's user features in place
// (no DISTINCT list of users, no second join).
import { CTE } from './cte-names.js';
import { featuresInputs } from './initial-plan.js';
import { distinctInputs, withCtes, type PhysicalPass } from './pass-context.js';
import type { PhysicalCte } from './physical-plan.js';

export const userUniversePass: PhysicalPass = (physical, ctx) => {
  const { plan } = ctx;
  const features = physical.ctes.find(
    (c): c is Extract<PhysicalCte, { kind: 'features' }> => c.kind === 'features' && c.name === CTE.features('user'),
  );
  if (features === undefined) throw new Error('internal error: the physical plan has no user features CTE');
  const universe = features.strategy === 'user_universe' && plan.outputs.some((o) => o.level === 'user');
  if (universe) return physical;
  const keepFeatures = features.strategy !== 'user_universe' || plan.audiences.some((a) => a.level === 'user');
  const ctes = physical.ctes.flatMap((c): PhysicalCte[] => {
    if (c.kind === 'user_universe') return [];
    if (c === features) {
      if (!keepFeatures) return [];
      if (c.strategy !== 'user_universe') return [c];
      return [
        {
          ...c,
          strategy: 'membership_users',
          inputs: featuresInputs(plan, 'user', 'membership_users', [], c.columns),
          reason: 'no user-level output lists every user: user-level audiences are read only for the users of the memberships',
        },
      ];
    }
    if (c.kind === 'quantifiers' && !keepFeatures) {
      // Each membership row's user features: the memberships, then the CTEs of the values.
      const values = featuresInputs(plan, 'user', 'membership_users', [], c.featureColumns);
      return [
        { ...c, rows: 'per_membership', inputs: distinctInputs([...c.inputs.filter((i) => i.name !== CTE.features('user')), ...values]) },
      ];
    }
    return [c];
  });
  return withCtes(physical, ctes);
};
