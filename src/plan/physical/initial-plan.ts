// The general form of the statement, before any pass: every CTE as it is written when nothing can
// be shared or skipped. Identity stitching and funnels are planned here as they are (one form each).
import type { Level } from '../../definitions/model.js';
import { sourceTable } from '../../definitions/parse-sql.js';
import type { Feature, Plan, PlanAudience, PlanCondition, PlanFunnel } from '../plan.js';
import { CTE } from './cte-names.js';
import { distinctInputs, plural, sourceInputs, type PassContext } from './pass-context.js';
import { cteInput, tableInput, type PhysicalCte, type PhysicalInput, type PhysicalPlan } from './physical-plan.js';

const LEVELS = ['user', 'account'] as const;

export function initialPlan(ctx: PassContext): PhysicalPlan {
  const { plan } = ctx;
  const ctes: PhysicalCte[] = [
    ...plan.sqlTraits.map((t): PhysicalCte => ({
      kind: 'sql_trait',
      name: t.name,
      inputs: distinctInputs(t.template.flatMap((p) => (p.kind === 'source' ? [tableInput(sourceTable(plan.layout, p.table))] : []))),
      strategy: 'user_query',
      reason: `the SELECT of SQL trait ${t.trait}, its sources and as_of filled in`,
    })),
    ...identityCtes(plan),
    ...universeCtes(plan),
    ...LEVELS.filter((level) => plan.customTraits[level].length > 0).map((level) => customTraitsCte(plan, level)),
    ...plan.scans.map((s): PhysicalCte => ({
      kind: 'event_scan',
      name: s.name,
      scan: s.name,
      inputs: [...(s.level === 'account' ? [cteInput(CTE.memberships)] : []), ...sourceInputs(plan, s.table)],
      strategy: 'join_events',
      preAggregation: null,
      groups: null,
      reason: `one scan of ${s.table} serves ${plural(s.measures.length, `${s.level}-level measure`)}${s.level === 'account' ? ', its events joined to the memberships' : ''}`,
    })),
    ...plan.ranked.map((r): PhysicalCte => ({
      kind: 'ranked',
      name: r.name,
      ranked: r.name,
      inputs: [...(r.level === 'account' ? [cteInput(CTE.memberships)] : []), ...sourceInputs(plan, r.match.table)],
      strategy: r.compute === 'most_frequent' ? 'count_then_rank' : 'first_per_group',
      groups: null,
      reason:
        r.compute === 'most_frequent'
          ? `${r.trait}: the events of ${r.match.table} counted per (${r.level}, value), the most frequent ranked first`
          : `${r.trait}: the ${r.compute} event of ${r.match.table} per ${r.level}, by time then id`,
    })),
    ...plan.funnels.flatMap((f) => funnelCtes(plan, f)),
    ...LEVELS.map((level) => featuresCte(plan, level)),
    ...plan.audiences.flatMap((a) => audienceCtes(plan, a)),
  ];
  return {
    kind: 'physical_plan',
    asOf: plan.asOf,
    body: ctx.body,
    ctes,
    outputs: plan.outputs.map((o) => ({
      name: o.name,
      kind: o.kind,
      level: o.level,
      cte: o.kind === 'audience' ? CTE.audience(o.name) : CTE.features(o.level),
    })),
    memberships: CTE.memberships,
  };
}

function identityCtes(plan: Plan): PhysicalCte[] {
  if (plan.identity === null) return [];
  return [
    {
      kind: 'identity_edges',
      name: CTE.identityEdges,
      inputs: plan.identity.edgeTables.map(tableInput),
      strategy: 'pairs_per_table',
      reason: `identity stitching: each (anonymous_id, user_id) pair seen together, at its ${plan.identity.conflict} time`,
    },
    {
      kind: 'identity_owners',
      name: CTE.identityOwners,
      inputs: [cteInput(CTE.identityEdges)],
      strategy: 'first_edge_per_anonymous_id',
      reason: `identity stitching (conflict: ${plan.identity.conflict}): each anonymous_id belongs to the user of its ${plan.identity.conflict} edge`,
    },
  ];
}

function universeCtes(plan: Plan): PhysicalCte[] {
  const { tables } = plan.layout;
  const associations = plan.sqlTraits.filter((t) => t.associatesUsers).map((t) => cteInput(t.name));
  return [
    {
      kind: 'user_universe',
      name: CTE.userUniverse,
      inputs: [
        ...plan.userUniverseTables.map(tableInput),
        ...(plan.identity === null ? [] : [cteInput(CTE.identityOwners)]),
        ...associations,
      ],
      strategy: 'distinct_user_ids',
      reason: 'a user-level output lists or values every user seen at or before as_of',
    },
    {
      kind: 'account_universe',
      name: CTE.accountUniverse,
      inputs: [tableInput(tables.groups)],
      strategy: 'distinct_group_ids',
      reason: 'every account seen at or before as_of',
    },
    {
      kind: 'memberships',
      name: CTE.memberships,
      inputs: distinctInputs([...sourceInputs(plan, tables.groups), ...associations]),
      strategy: 'distinct_pairs',
      reason: 'user <-> account pairs at as_of, many-to-many',
    },
  ];
}

function customTraitsCte(plan: Plan, level: Level): PhysicalCte {
  const columns = plan.customTraits[level];
  const one = columns.length === 1;
  return {
    kind: 'custom_traits',
    name: CTE.customTraits(level),
    level,
    inputs: sourceInputs(plan, level === 'user' ? plan.layout.tables.identifies : plan.layout.tables.groups),
    strategy: one ? 'latest_row' : 'latest_non_null_per_column',
    reason: one
      ? `one ${level} trait: the latest row where it is not null, a ranking every warehouse plans well`
      : `${columns.length} ${level} traits: the latest non-null value of each in one aggregate per ${level}`,
  };
}

/** Every CTE of a funnel whose users some feature reads; the instances of each step but the last. */
function funnelCtes(plan: Plan, funnel: PlanFunnel): PhysicalCte[] {
  const read = new Set(plan.features.flatMap((f) => (f.source.kind === 'funnel' ? [f.source.cte] : [])));
  const ctes: PhysicalCte[] = [];
  const n = funnel.steps.length;
  const previous = (k: number): PhysicalInput[] => (k > 1 ? [cteInput(CTE.funnelInstances(funnel.name, k - 1))] : []);
  for (let k = 1; k <= n; k += 1) {
    const step = funnel.steps[k - 1];
    const source = sourceInputs(plan, step.match.table);
    const stepName = CTE.funnelStep(funnel.name, k);
    if (step.negated) {
      ctes.push({
        kind: 'funnel_step',
        name: stepName,
        funnel: funnel.name,
        step: k,
        inputs: [...previous(k), ...source],
        strategy: 'not_performed',
        reason: `users with an instance of step ${k - 1} and no step ${k} in its window, the window over by as_of`,
      });
      continue;
    }
    if (k === n) {
      ctes.push({
        kind: 'funnel_step',
        name: stepName,
        funnel: funnel.name,
        step: k,
        inputs: [...source, ...previous(k)],
        strategy: 'last_step_users',
        reason: `users with an instance of the last step${k > 1 ? ' that follows the previous one' : ''}`,
      });
      continue;
    }
    const instances = CTE.funnelInstances(funnel.name, k);
    ctes.push({
      kind: 'funnel_instances',
      name: instances,
      funnel: funnel.name,
      step: k,
      inputs: [...source, ...previous(k)],
      strategy: k === 1 ? 'first_step_rows' : 'follow_previous_step',
      reason:
        k === 1
          ? 'the instances of the first step, read once'
          : `the instances of step ${k} that follow an instance of step ${k - 1} within the window (EXISTS)`,
    });
    if (read.has(stepName)) {
      ctes.push({
        kind: 'funnel_step',
        name: stepName,
        funnel: funnel.name,
        step: k,
        inputs: [cteInput(instances)],
        strategy: 'distinct_instances',
        reason: `a condition reads who completed the first ${k} steps`,
      });
    }
  }
  return ctes;
}

/** The CTE a feature's value comes from. */
export function featureCte(f: Feature): string {
  const s = f.source;
  return s.kind === 'custom_trait' ? CTE.customTraits(f.level) : s.kind === 'measure' ? s.scan : s.cte;
}

type FeaturesRows = Extract<PhysicalCte, { kind: 'features' }>['strategy'];

/** What a features CTE reads: the CTEs of its rows, then the CTE of each of its columns. */
export function featuresInputs(
  plan: Plan,
  level: Level,
  strategy: FeaturesRows,
  rows: readonly string[],
  columns: readonly string[],
): PhysicalInput[] {
  const entities: Record<FeaturesRows, readonly string[]> = {
    account_universe: [CTE.accountUniverse],
    user_universe: [CTE.userUniverse],
    membership_users: [CTE.memberships],
    event_users: rows,
    users_outside_universe: [CTE.userUniverse, ...rows],
  };
  const values = plan.features.filter((f) => f.level === level && columns.includes(f.column)).map((f) => featureCte(f));
  return distinctInputs([...entities[strategy], ...values].map(cteInput));
}

function featuresCte(plan: Plan, level: Level): PhysicalCte {
  const columns = plan.features.filter((f) => f.level === level).map((f) => f.column);
  const strategy = level === 'account' ? 'account_universe' : 'user_universe';
  return {
    kind: 'features',
    name: CTE.features(level),
    level,
    inputs: featuresInputs(plan, level, strategy, [], columns),
    strategy,
    rows: [],
    columns,
    reason: `every value the ${level}-level conditions and outputs read, one row per ${level} of the universe`,
  };
}

/** Audiences that a condition reads (`member:`), and the memberships when it reads an account's; none for any other leaf. */
export function conditionInputs(c: PlanCondition): PhysicalInput[] {
  switch (c.kind) {
    case 'all':
    case 'any':
      return c.children.flatMap(conditionInputs);
    case 'not':
      return conditionInputs(c.child);
    case 'member':
      return [cteInput(CTE.audience(c.audience))];
    case 'member_of_account_audience':
      return [cteInput(CTE.memberships), cteInput(CTE.audience(c.audience))];
    case 'quantifier':
      return conditionInputs(c.condition);
    default:
      return [];
  }
}

function audienceCtes(plan: Plan, a: PlanAudience): PhysicalCte[] {
  const reads = conditionInputs(a.condition);
  if (a.quantifiers.length === 0) {
    return [audienceCte(a, null, [cteInput(CTE.features(a.level)), ...reads], 'a WHERE over the features row of each')];
  }
  const name = CTE.quantifiers(a.name);
  const userColumns = plan.features.filter((f) => f.level === 'user').map((f) => f.column);
  const columns = a.quantifiers.map((q) => ({ audience: a.name, quantifier: q.column, column: q.column }));
  return [
    {
      kind: 'quantifiers',
      name,
      audiences: [a.name],
      inputs: distinctInputs([
        cteInput(CTE.memberships),
        cteInput(CTE.features('user')),
        ...a.quantifiers.flatMap((q) => conditionInputs(q.condition)),
      ]),
      strategy: 'count_every_user',
      rows: 'user_features',
      featureColumns: userColumns,
      columns,
      reason: `${a.name}: ${plural(a.quantifiers.length, 'quantifier')} counted over each account's users in one GROUP BY`,
    },
    audienceCte(
      a,
      { cte: name, columns },
      [cteInput(CTE.features(a.level)), cteInput(name), ...reads],
      'a WHERE over the features row of each account and its quantifier counts',
    ),
  ];
}

function audienceCte(
  a: PlanAudience,
  quantifiers: Extract<PhysicalCte, { kind: 'audience' }>['quantifiers'],
  inputs: PhysicalInput[],
  reason: string,
): PhysicalCte {
  return {
    kind: 'audience',
    name: CTE.audience(a.name),
    audience: a.name,
    inputs: distinctInputs(inputs),
    strategy: 'features_where',
    quantifiers:
      quantifiers === null
        ? null
        : { cte: quantifiers.cte, columns: quantifiers.columns.map(({ quantifier, column }) => ({ quantifier, column })) },
    performers: null,
    outside: null,
    reason: `${a.name} (${a.file}): ${reason}`,
  };
}
