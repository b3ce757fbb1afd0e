// The physical plan's passes, read directly: which CTEs a statement has, in which order, the
// strategy of each and why; that the plan is plain JSON; that every CTE reads only tables and CTEs
// before it; and that lowering translates exactly the plan's CTEs. The differential suites prove
// the SQL of each strategy right; this pins which strategy a definition gets.
import { describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { demoProjectTemplateDir } from '../../fixtures/demo/write-project.js';
import type { AudienceDefinition, Project } from '../../src/definitions/model.js';
import { planFor } from '../../src/evaluation/evaluate.js';
import { openProject } from '../../src/evaluation/session.js';
import { buildPhysicalPlan } from '../../src/plan/physical/build-physical-plan.js';
import type { Body, PhysicalPlan } from '../../src/plan/physical/physical-plan.js';
import { lowerStatement } from '../../src/sql/lower.js';
import { COVERAGE_AS_OF, COVERAGE_DEFINITIONS, coverageProject } from '../dialects/support/coverage-project.js';
import { LOC } from '../support/arbitraries.js';
import { withIdentity } from '../support/identity-arbitraries.js';

const AS_OF = '2024-06-01T00:00:00Z';
const { project: demo } = await openProject(demoProjectTemplateDir(), dialectNamed);

function physical(project: Project, targets: readonly string[], body: Body = { kind: 'members' }, asOf = AS_OF): PhysicalPlan {
  return buildPhysicalPlan(planFor({ project, asOf, targets }), body);
}

const shape = (p: PhysicalPlan) => p.ctes.map((c) => `${c.name} ${c.kind}:${c.strategy}`);

describe('the passes on demo definitions', () => {
  it('at_risk_accounts: one read of logged_in for both levels, shared quantifiers, identity first', () => {
    const p = physical(demo as Project, ['at_risk_accounts']);
    expect(shape(p)).toEqual([
      'identity:edges identity_edges:pairs_per_table',
      'identity identity_owners:first_edge_per_anonymous_id',
      'universe:account account_universe:distinct_group_ids',
      'memberships memberships:distinct_pairs',
      'custom_traits:user custom_traits:latest_row',
      'custom_traits:account custom_traits:latest_row',
      'events:account:logged_in:per_user user_groups:shared_per_user_groups',
      'events:account:logged_in event_scan:pre_aggregated_per_user',
      'events:user:logged_in user_scan_from_groups:combine_partials',
      'events:user:report_created event_scan:join_events',
      'features:account features:account_universe',
      'quantifiers quantifiers:count_every_user',
      'audience:churned_accounts audience:features_where',
      'audience:at_risk_accounts audience:features_where',
    ]);
    const groups = p.ctes.find((c) => c.kind === 'user_groups')!;
    expect(groups.reason).toBe('one scan of logged_in serves 2 measures at user and account level');
    expect(groups.inputs).toEqual([
      { kind: 'table', name: 'logged_in' },
      { kind: 'cte', name: 'identity' },
    ]);
    const shared = p.ctes.find((c) => c.name === 'quantifiers')!;
    expect(shared.reason).toBe(
      'the quantifiers of churned_accounts, at_risk_accounts read no audience: one join of the memberships and one GROUP BY counts them all',
    );
    // no user-level output: no user universe, and quantifiers compute each membership's user features in place
    expect(shared).toMatchObject({ kind: 'quantifiers', rows: 'per_membership', audiences: ['churned_accounts', 'at_risk_accounts'] });
    expect(p.ctes.find((c) => c.name === 'audience:at_risk_accounts')!.inputs.map((i) => i.name)).toEqual([
      'features:account',
      'quantifiers',
      'audience:churned_accounts',
    ]);
  });

  it('high_workflow_adoption: a member list reads its lone quantifier alone; the breakdown keeps the general form', () => {
    const members = physical(demo as Project, ['high_workflow_adoption']);
    expect(members.ctes.find((c) => c.kind === 'audience')).toMatchObject({
      strategy: 'quantifier_only',
      quantifiers: { cte: 'quantifiers:high_workflow_adoption' },
    });
    const breakdown = physical(demo as Project, ['high_workflow_adoption'], { kind: 'breakdown', audience: 'high_workflow_adoption' });
    expect(breakdown.ctes.find((c) => c.kind === 'audience')).toMatchObject({ strategy: 'features_where' });
  });

  it('favourite_feature: a most_frequent trait of its own scan, over the user universe', () => {
    const p = physical(demo as Project, ['favourite_feature']);
    expect(p.ctes.find((c) => c.kind === 'ranked')).toMatchObject({ strategy: 'count_then_rank', groups: null });
    expect(p.ctes.find((c) => c.kind === 'features' && c.level === 'user')).toMatchObject({ strategy: 'user_universe' });
    expect(p.outputs).toEqual([{ name: 'favourite_feature', kind: 'trait', level: 'user', cte: 'features:user' }]);
  });

  it('power_users: a member list of audiences that need an event row lists the users of that scan, not the universe', () => {
    const p = physical(demo as Project, ['power_users']);
    expect(p.ctes.some((c) => c.kind === 'user_universe')).toBe(false);
    const features = p.ctes.find((c) => c.kind === 'features' && c.level === 'user');
    expect(features).toMatchObject({ strategy: 'event_users' });
    expect(features!.reason).toMatch(/^a member list: every user-level output needs a row of events:user:/);
  });

  it('power_users where the universe is read: the users its scans list and the universe lacks get a features row it reads too', () => {
    const outside = (p: PhysicalPlan) => {
      const features = p.ctes.find((c) => c.name === 'features:user:outside_universe');
      const audience = p.ctes.find((c) => c.kind === 'audience' && c.audience === 'power_users');
      return {
        rows: features?.kind === 'features' ? features.rows : undefined,
        reads: audience?.inputs.map((i) => i.name),
        outside: audience?.kind === 'audience' ? audience.outside : undefined,
      };
    };
    for (const p of [
      physical(demo as Project, ['power_users', 'favourite_feature']),
      physical(demo as Project, ['power_users'], { kind: 'breakdown', audience: 'power_users' }),
      physical(demo as Project, ['power_users'], { kind: 'explain', audience: 'power_users', id: 'u' }),
    ]) {
      // all: needs a row of one child's scan, the first
      expect(outside(p)).toMatchObject({ rows: ['events:user:logged_in'], outside: 'features:user:outside_universe' });
      expect(outside(p).reads).toContain('features:user:outside_universe');
      // trait outputs read the universe's rows alone
      expect(p.outputs.find((o) => o.kind === 'trait')?.cte ?? 'features:user').toBe('features:user');
    }
    // an audience that holds without events reads the universe alone
    const breakdown = physical(demo as Project, ['users_in_high_adoption_accounts'], {
      kind: 'breakdown',
      audience: 'users_in_high_adoption_accounts',
    });
    expect(breakdown.ctes.some((c) => c.name === 'features:user:outside_universe')).toBe(false);
  });
});

/** An account audience of one `any_user` over one `performed` leaf: the coverage project has only the all_users one. */
const ANY_PERFORMED: AudienceDefinition = {
  kind: 'audience',
  name: 'acc_any_performed',
  level: 'account',
  where: {
    kind: 'quantifier',
    quantifier: 'any_user',
    atLeast: null,
    condition: {
      kind: 'performed',
      event: { kind: 'track', name: 'Logged In' },
      window: null,
      filters: [],
      count: { op: 'at_least', n: 1 },
      loc: LOC,
    },
    loc: LOC,
  },
  description: null,
  sync: [],
  loc: LOC,
  schedule: null,
  maxExitFraction: null,
};
const COVERAGE = coverageProject([...COVERAGE_DEFINITIONS, ANY_PERFORMED]);
const IDENTITY = withIdentity(coverageProject(), { stitch: 'anonymous_id', conflict: 'last' });

/** Every statement the demo and coverage projects compile to: all definitions, each alone, each body. */
function everyPlan(): { label: string; project: Project; targets: string[]; body: Body; asOf: string }[] {
  const cases: { label: string; project: Project; targets: string[]; body: Body; asOf: string }[] = [];
  for (const [tag, project, asOf] of [
    ['demo', demo as Project, AS_OF],
    ['coverage', COVERAGE, COVERAGE_AS_OF],
    ['identity', IDENTITY, COVERAGE_AS_OF],
  ] as const) {
    const names = project.definitions.map((d) => d.name);
    for (const targets of [names, ...names.map((n) => [n])]) {
      const label = `${tag}: ${targets.length > 1 ? 'everything' : targets[0]}`;
      cases.push({ label, project, targets, body: { kind: 'members' }, asOf });
      for (const a of project.definitions.filter((d) => d.kind === 'audience' && targets.includes(d.name))) {
        cases.push({ label: `${label} (breakdown of ${a.name})`, project, targets, body: { kind: 'breakdown', audience: a.name }, asOf });
      }
    }
  }
  return cases;
}

describe('the quantifier strategy', () => {
  it('a member list of "any user performed" is a semi-join of the memberships with the scan; the breakdown counts every user', () => {
    const members = physical(COVERAGE, ['acc_any_performed'], { kind: 'members' }, COVERAGE_AS_OF);
    expect(members.ctes.some((c) => c.kind === 'quantifiers')).toBe(false);
    const audience = members.ctes.find((c) => c.kind === 'audience')!;
    expect(audience).toMatchObject({
      strategy: 'performed_semi_join',
      quantifiers: null,
      performers: { scan: 'events:user:logged_in', op: 'at_least', n: 1 },
    });
    expect(audience.inputs.map((i) => i.name)).toEqual(['memberships', 'events:user:logged_in']);
    const breakdown = physical(COVERAGE, ['acc_any_performed'], { kind: 'breakdown', audience: 'acc_any_performed' }, COVERAGE_AS_OF);
    expect(shape(breakdown).slice(-2)).toEqual([
      'quantifiers:acc_any_performed quantifiers:count_every_user',
      'audience:acc_any_performed audience:features_where',
    ]);
  });
});

describe('every plan of the demo and coverage projects', () => {
  const cases = everyPlan();
  const plans = cases.map((c) => ({ ...c, physical: physical(c.project, c.targets, c.body, c.asOf) }));

  it('round-trips through JSON unchanged', () => {
    for (const p of plans) expect(JSON.parse(JSON.stringify(p.physical)), p.label).toEqual(p.physical);
  });

  it('reads only source tables and CTEs that come before, and names each CTE once', () => {
    for (const { label, physical: p } of plans) {
      const seen = new Set<string>();
      for (const cte of p.ctes) {
        for (const input of cte.inputs)
          if (input.kind === 'cte') expect(seen.has(input.name), `${label}: ${cte.name} reads ${input.name}`).toBe(true);
        expect(seen.has(cte.name), `${label}: ${cte.name} twice`).toBe(false);
        seen.add(cte.name);
        expect(cte.reason.length, `${label}: ${cte.name} gives a reason`).toBeGreaterThan(10);
      }
      for (const o of p.outputs) expect(seen.has(o.cte), `${label}: output ${o.name}`).toBe(true);
    }
  });

  it('is what lowering translates: the statement has exactly the plan CTEs, in order', () => {
    for (const c of cases) {
      const lowered = lowerStatement(planFor({ project: c.project, asOf: c.asOf, targets: c.targets }), c.body);
      expect(
        lowered.statement.ctes.map((x) => x.name),
        c.label,
      ).toEqual(lowered.physical.ctes.map((x) => x.name));
    }
  });

  it('exercises every strategy of every CTE kind', () => {
    const used = new Set(plans.flatMap((p) => p.physical.ctes.map((c) => `${c.kind}:${c.strategy}`)));
    expect([...used].sort()).toEqual(
      [
        'sql_trait:user_query',
        'identity_edges:pairs_per_table',
        'identity_owners:first_edge_per_anonymous_id',
        'user_universe:distinct_user_ids',
        'account_universe:distinct_group_ids',
        'memberships:distinct_pairs',
        'custom_traits:latest_row',
        'custom_traits:latest_non_null_per_column',
        'event_scan:join_events',
        'event_scan:pre_aggregated_per_user',
        'user_groups:shared_per_user_groups',
        'user_scan_from_groups:combine_partials',
        'ranked:from_shared_groups',
        'ranked:count_then_rank',
        'ranked:first_per_group',
        'funnel_instances:first_step_rows',
        'funnel_instances:follow_previous_step',
        'funnel_step:distinct_instances',
        'funnel_step:last_step_users',
        'funnel_step:not_performed',
        'features:account_universe',
        'features:user_universe',
        'features:membership_users',
        'features:event_users',
        'features:users_outside_universe',
        'quantifiers:count_every_user',
        'quantifiers:matching_rows_only',
        'audience:features_where',
        'audience:quantifier_only',
        'audience:performed_semi_join',
        'audience:performed_anti_joins',
      ].sort(),
    );
  });
});
