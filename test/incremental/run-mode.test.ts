// When a run is full (SPEC §6.1): chooseRunMode's every reason, in its order of precedence, and the
// dependency hash that keys it (what changes it, and what must not).
import { describe, expect, it } from 'vitest';
import type { Definition, Project } from '../../src/definitions/model.js';
import { dependencyClosure, dependencyHash } from '../../src/incremental/dependency-hash.js';
import { chooseRunMode, type RunModeInput } from '../../src/incremental/run-mode.js';
import { LOC, makeProject } from '../support/arbitraries.js';

const DAY = 86_400;
const base: RunModeInput = {
  asOf: '2024-06-02T00:00:00.000Z',
  dependencyHash: 'h1',
  previous: { asOf: '2024-06-01T00:00:00.000Z', dependencyHash: 'h1', fullAsOf: '2024-05-30T00:00:00.000Z' },
  requestedFull: false,
  incrementalEnabled: true,
  fullEverySeconds: null,
};

const reason = (patch: Partial<RunModeInput>) => chooseRunMode({ ...base, ...patch });

describe('chooseRunMode', () => {
  it('is incremental when nothing asks for a full run, also at the same as_of', () => {
    expect(reason({})).toMatchObject({ mode: 'incremental', reason: 'incremental' });
    expect(reason({ asOf: base.previous!.asOf })).toMatchObject({ mode: 'incremental' });
  });

  it('is full on each condition of SPEC §6.1, named', () => {
    expect(reason({ requestedFull: true })).toMatchObject({ mode: 'full', reason: 'requested' });
    expect(reason({ incrementalEnabled: false })).toMatchObject({ mode: 'full', reason: 'disabled' });
    expect(reason({ previous: null })).toMatchObject({ mode: 'full', reason: 'first_run' });
    expect(reason({ dependencyHash: 'h2' })).toMatchObject({ mode: 'full', reason: 'dependencies_changed' });
    expect(reason({ previous: { ...base.previous!, dependencyHash: null } })).toMatchObject({ mode: 'full', reason: 'dependencies_unknown' });
    expect(reason({ asOf: '2024-05-31T23:59:59.999Z' })).toMatchObject({ mode: 'full', reason: 'as_of_earlier' });
    expect(reason({ newDestinations: ['crm'] })).toMatchObject({ mode: 'full', reason: 'new_destination' });
    expect(reason({ newDestinations: [] })).toMatchObject({ mode: 'incremental' });
  });

  it('runs full when as_of is more than full_every after the last full run, not at exactly full_every', () => {
    const fullAsOf = Date.parse(base.previous!.fullAsOf!);
    const at = (seconds: number) => new Date(fullAsOf + seconds * 1000).toISOString();
    expect(reason({ fullEverySeconds: 3 * DAY, asOf: at(3 * DAY) })).toMatchObject({ mode: 'incremental' });
    expect(reason({ fullEverySeconds: 3 * DAY, asOf: at(3 * DAY + 1) })).toMatchObject({ mode: 'full', reason: 'full_every' });
    expect(reason({ fullEverySeconds: 3 * DAY, previous: { ...base.previous!, fullAsOf: null } })).toMatchObject({ mode: 'full', reason: 'full_every' });
    expect(reason({ fullEverySeconds: null, asOf: at(300 * DAY) })).toMatchObject({ mode: 'incremental' });
  });

  it('gives --full precedence, then the project switch, then the state', () => {
    expect(reason({ requestedFull: true, incrementalEnabled: false, previous: null }).reason).toBe('requested');
    expect(reason({ incrementalEnabled: false, previous: null }).reason).toBe('disabled');
    expect(reason({ previous: null, dependencyHash: 'h2' }).reason).toBe('first_run');
    // a first run sends every member to every destination anyway
    expect(reason({ previous: null, newDestinations: ['crm'] }).reason).toBe('first_run');
    expect(reason({ dependencyHash: 'h2', asOf: '2024-01-01T00:00:00.000Z' }).reason).toBe('dependencies_changed');
  });
});

const trait = (name: string, window = '30d'): Definition => ({
  kind: 'computed_trait', name, level: 'user', description: null, sync: [], loc: LOC,
  compute: 'count', event: { kind: 'track', name: 'Logged In' }, window: { kind: 'within', seconds: Number.parseInt(window) * DAY, text: window },
  filters: [], property: null, minFrequency: 2, scope: 'users',
});
const audience = (name: string, where: Extract<Definition, { kind: 'audience' }>['where']): Definition => ({
  kind: 'audience', name, level: 'user', description: null, sync: [], loc: LOC, schedule: null, maxExitFraction: null, where,
});
const uses = (t: string) => ({ kind: 'trait' as const, trait: t, predicate: { op: 'gte' as const, value: 1, ignoreCase: false, instants: {} }, loc: LOC });

function project(definitions: Definition[], patch: Partial<Project['config']> = {}): Project {
  const p = makeProject(definitions);
  return { ...p, config: { ...p.config, ...patch } };
}

describe('dependencyHash', () => {
  const defs = [trait('logins'), trait('other'), audience('active', uses('logins')), audience('vip', { kind: 'in_audience', audience: 'active', negated: false, loc: LOC })];
  const hash = (p: Project, name: string) => dependencyHash(p, name, 3);

  it('follows trait and audience references transitively', () => {
    expect(dependencyClosure(project(defs), 'vip').map((d) => d.name)).toEqual(['active', 'logins', 'vip']);
  });

  it('changes with the definition, anything it uses, the layout keys, identity and the state format', () => {
    const p = project(defs);
    const changedTrait = project([trait('logins', '7d'), ...defs.slice(1)]);
    expect(hash(changedTrait, 'vip')).not.toBe(hash(p, 'vip'));
    expect(hash(changedTrait, 'other')).toBe(hash(p, 'other'));
    expect(hash(project(defs, { source: { ...p.config.source, eventTime: 'received_at' } }), 'vip')).not.toBe(hash(p, 'vip'));
    expect(hash(project(defs, { source: { ...p.config.source, arrivalTime: 'loaded_at' } }), 'vip')).not.toBe(hash(p, 'vip'));
    expect(hash(project(defs, { source: { ...p.config.source, schema: 'prod' } }), 'vip')).not.toBe(hash(p, 'vip'));
    expect(hash(project(defs, { identity: { stitch: 'anonymous_id', conflict: 'first' } }), 'vip')).not.toBe(hash(p, 'vip'));
    expect(dependencyHash(p, 'vip', 4)).not.toBe(hash(p, 'vip'));
  });

  it('does not change with what cannot change an answer', () => {
    const p = project(defs);
    const moved = project(defs.map((d) => ({ ...d, loc: { file: 'elsewhere.yml', line: 9, col: 3 }, description: 'now described' })));
    expect(hash(moved, 'vip')).toBe(hash(p, 'vip'));
    expect(hash(project(defs, { identity: { stitch: 'off', conflict: 'first' } }), 'vip')).toBe(hash(p, 'vip'));
    expect(hash(project(defs, { incremental: { enabled: true, arrivalLagSeconds: 60, fullEverySeconds: null, verifyEverySeconds: null } }), 'vip')).toBe(hash(p, 'vip'));
  });
});
