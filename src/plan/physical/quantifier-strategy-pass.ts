// PASS: how account audiences count their users. In general each audience counts, per account,
// every user and the users that satisfy each quantifier, and its WHERE reads those counts with the
// account's features. A member list of one quantifier alone can do less; quantifiers that read no
// audience share one aggregate.
import type { Plan, PlanAudience, PlanCondition } from '../plan.js';
import { CTE } from './cte-names.js';
import { conditionInputs } from './initial-plan.js';
import { audienceNamed, distinctInputs, featureNamed, withCtes, type PassContext, type PhysicalPass } from './pass-context.js';
import { cteInput, type Performers, type PhysicalCte } from './physical-plan.js';

type Quantifier = Extract<PlanCondition, { kind: 'quantifier' }>;
type QuantifiersCte = Extract<PhysicalCte, { kind: 'quantifiers' }>;

export const quantifierStrategyPass: PhysicalPass = (physical, ctx) => {
  const { plan } = ctx;
  const alone = new Map<string, 'matching_only' | 'quantifier_only'>();
  if (ctx.body.kind === 'members' && !plan.sqlTraits.some((t) => t.associatesUsers)) {
    for (const a of plan.audiences) {
      if (matchingUsersOnly(a)) alone.set(a.name, 'matching_only');
      else if (quantifierAlone(a)) alone.set(a.name, 'quantifier_only');
    }
  }
  const candidates = plan.audiences.filter((a) => a.quantifiers.length > 0 && !a.quantifiers.some((q) => readsAudience(q.condition)));
  // One audience alone keeps its own CTE (and its plan's column names): nothing to share.
  const sharing = candidates.filter((a) => alone.get(a.name) !== 'matching_only');
  const shared = sharing.length > 1 ? sharing.map((a) => a.name) : [];
  const own = new Map(physical.ctes.flatMap((c) => (c.kind === 'quantifiers' ? [[c.audiences[0], c] as const] : [])));
  const ctes: PhysicalCte[] = [];
  for (const c of physical.ctes) {
    if (c.kind === 'quantifiers') {
      const a = audienceNamed(plan, c.audiences[0]);
      if (shared.includes(a.name) || performers(ctx, a, alone, shared) !== null) continue;
      ctes.push(alone.get(a.name) === 'matching_only' ? matchingRowsOnly(c, a) : c);
      continue;
    }
    if (c.kind === 'audience') {
      ctes.push(audienceStrategy(ctx, c, alone, shared));
      continue;
    }
    ctes.push(c);
    if (c.kind === 'features' && c.level === 'account' && shared.length > 0) ctes.push(sharedQuantifiers(plan, shared, own));
  }
  return withCtes(physical, ctes);
};

function sharedQuantifiers(plan: Plan, shared: readonly string[], own: ReadonlyMap<string, QuantifiersCte>): QuantifiersCte {
  const parts = shared.map((name) => own.get(name)!);
  const first = parts[0];
  return {
    ...first,
    name: CTE.sharedQuantifiers,
    audiences: shared,
    columns: shared.flatMap((name, i) =>
      audienceNamed(plan, name).quantifiers.map((q) => ({ audience: name, quantifier: q.column, column: `a${i + 1}_${q.column}` })),
    ),
    inputs: distinctInputs(parts.flatMap((p) => p.inputs)),
    reason: `the quantifiers of ${shared.join(', ')} read no audience: one join of the memberships and one GROUP BY counts them all`,
  };
}

function matchingRowsOnly(c: QuantifiersCte, a: PlanAudience): QuantifiersCte {
  return {
    ...c,
    strategy: 'matching_rows_only',
    reason: `a member list of ${a.name}, one "at least N users" quantifier (N >= 1): only the membership rows that satisfy it are aggregated (WHERE, not FILTER; no count of every user)`,
  };
}

function audienceStrategy(
  ctx: PassContext,
  c: Extract<PhysicalCte, { kind: 'audience' }>,
  alone: ReadonlyMap<string, string>,
  shared: readonly string[],
): PhysicalCte {
  const a = audienceNamed(ctx.plan, c.audience);
  const found = performers(ctx, a, alone, shared);
  if (found !== null) {
    const any = a.quantifiers[0].quantifier === 'any_user';
    return {
      ...c,
      strategy: any ? 'performed_semi_join' : 'performed_anti_joins',
      quantifiers: null,
      performers: found,
      inputs: [cteInput(CTE.memberships), cteInput(found.scan)],
      reason: any
        ? `a member list of ${a.name}, "any user performed": the accounts with a membership whose user is in ${found.scan} (a semi-join), no per-user count`
        : `a member list of ${a.name}, "all users performed": the accounts none of whose users is missing from ${found.scan} (two anti-joins), no per-user count`,
    };
  }
  const quantifiers =
    c.quantifiers === null
      ? null
      : shared.includes(a.name)
        ? {
            cte: CTE.sharedQuantifiers,
            columns: a.quantifiers.map((q) => ({ quantifier: q.column, column: `a${shared.indexOf(a.name) + 1}_${q.column}` })),
          }
        : c.quantifiers;
  const renamed = (name: string) => (c.quantifiers !== null && name === c.quantifiers.cte && quantifiers !== null ? quantifiers.cte : name);
  if (alone.has(a.name)) {
    return {
      ...c,
      strategy: 'quantifier_only',
      quantifiers,
      inputs: distinctInputs(c.inputs.filter((i) => i.name !== CTE.features(a.level)).map((i) => cteInput(renamed(i.name)))),
      reason: `a member list of ${a.name}, one quantifier alone that no account without users satisfies: it reads the quantifier counts alone, not the account universe`,
    };
  }
  return { ...c, quantifiers, inputs: distinctInputs(c.inputs.map((i) => (i.kind === 'cte' ? cteInput(renamed(i.name)) : i))) };
}

/**
 * An account audience whose whole condition is one `any_user` / `at_least_users: { count: N }`
 * (N >= 1): its members are the accounts with N membership rows that satisfy C. Only those rows
 * are aggregated (WHERE, not FILTER; no count of every user), and the audience reads the
 * aggregate alone: an account with a membership is in the account universe when no SQL trait
 * adds memberships. Breakdown and explain read every account and the users count, so this is for
 * member lists only.
 */
function matchingUsersOnly(a: PlanAudience): boolean {
  const c = soleQuantifier(a);
  if (c === null) return false;
  if (c.quantifier === 'any_user') return true;
  return c.quantifier === 'at_least_users' && c.atLeast !== null && 'count' in c.atLeast && c.atLeast.count >= 1;
}

/**
 * An account audience whose whole condition is one `all_users` or `at_least_users: { percent }`:
 * both need every user counted, but neither holds for an account without users, so the audience
 * reads the quantifier aggregate alone, without the account universe (member lists only, as above).
 */
function quantifierAlone(a: PlanAudience): boolean {
  const c = soleQuantifier(a);
  if (c === null) return false;
  return c.quantifier === 'all_users' || (c.quantifier === 'at_least_users' && c.atLeast !== null && 'percent' in c.atLeast);
}

function soleQuantifier(a: PlanAudience): Quantifier | null {
  if (a.level !== 'account' || a.quantifiers.length !== 1) return null;
  let c = a.condition;
  while ((c.kind === 'all' || c.kind === 'any') && c.children.length === 1) c = c.children[0];
  return c === a.quantifiers[0] ? c : null;
}

/** Quantifier conditions that read no audience can be counted before any audience exists. */
const readsAudience = (c: PlanCondition): boolean => conditionInputs(c).length > 0;

/**
 * A member list of one `any_user` / `all_users` whose condition is one `performed ... at_least /
 * exactly N` leaf (N >= 1): the users that satisfy it are read from the leaf's scan alone, and the
 * accounts are set operations on the memberships. Null when the audience is not that.
 */
function performers(ctx: PassContext, a: PlanAudience, alone: ReadonlyMap<string, string>, shared: readonly string[]): Performers | null {
  if (!alone.has(a.name) || shared.includes(a.name)) return null;
  const q = a.quantifiers[0];
  if (q.quantifier !== 'any_user' && q.quantifier !== 'all_users') return null;
  let c = q.condition;
  while ((c.kind === 'all' || c.kind === 'any') && c.children.length === 1) c = c.children[0];
  if (c.kind !== 'count' || c.op === 'at_most' || c.n < 1) return null;
  const source = featureNamed(ctx.plan, c.feature).source;
  if (source.kind !== 'measure') return null;
  return { scan: source.scan, measure: source.measure, op: c.op, n: c.n };
}
