// The reference evaluator's identity stitching, case by case from SPEC §2.1: the oracle the
// compiled SQL is proven against must itself say what the spec says.
import { describe, expect, it } from 'vitest';
import type { Definition, IdentityConfig } from '../../src/definitions/model.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import type { SourceDataset } from '../../src/reference/dataset.js';
import { makeProject } from '../support/arbitraries.js';
import { withIdentity } from '../support/identity-arbitraries.js';
import { audience, computed, dataset, members, performed, quantifier, trait, values } from './build.js';

const FIRST: IdentityConfig = { stitch: 'anonymous_id', conflict: 'first' };
const LAST: IdentityConfig = { stitch: 'anonymous_id', conflict: 'last' };
const OFF: IdentityConfig = { stitch: 'off', conflict: 'first' };

function run(definitions: Definition[], data: SourceDataset, identity: IdentityConfig, asOf = '2024-06-01T00:00:00Z') {
  return evaluateReference(withIdentity(makeProject(definitions), identity), data, asOf);
}

const logins = computed('logins', 'user', 'count', 'Logged In');
const login = (id: string, user: string | null, anonymous: string | null, timestamp: string) => ({ id, user_id: user, anonymous_id: anonymous, event: 'Logged In', timestamp });

describe('identity stitching in the reference evaluator (SPEC §2.1)', () => {
  it('an anonymous row counts for the user of its earliest edge (first) or latest (last); rows with a user_id never move', () => {
    const data = dataset({
      identifies: [
        { user_id: 'amy', anonymous_id: 'd1', timestamp: '2024-05-01' },
        { user_id: 'bo', anonymous_id: 'd1', timestamp: '2024-05-10' },
      ],
      events: [login('e1', null, 'd1', '2024-04-01'), login('e2', 'bo', 'd1', '2024-05-20'), login('e3', null, 'nobody', '2024-05-20')],
    });
    expect(values(run([logins], data, FIRST), 'logins')).toEqual({ amy: 1, bo: 1 });
    expect(values(run([logins], data, LAST), 'logins')).toEqual({ amy: 0, bo: 2 });
    expect(values(run([logins], data, OFF), 'logins')).toEqual({ amy: 0, bo: 1 });
  });

  it('edges at the same instant go to the smallest user_id; edges after as_of do not exist', () => {
    const data = dataset({
      identifies: [
        { user_id: 'zed', anonymous_id: 'd1', timestamp: '2024-05-01' },
        { user_id: 'amy', anonymous_id: 'd1', timestamp: '2024-05-01' },
        { user_id: 'bo', anonymous_id: 'd2', timestamp: '2024-06-01T00:00:01Z' },
        { user_id: 'cy', anonymous_id: 'd3', timestamp: '2024-06-01T00:00:00Z' },
      ],
      events: [login('e1', null, 'd1', '2024-04-01'), login('e2', null, 'd2', '2024-04-01'), login('e3', null, 'd3', '2024-04-01')],
    });
    for (const identity of [FIRST, LAST]) {
      expect(values(run([logins], data, identity), 'logins')).toEqual({ amy: 1, zed: 0, cy: 1 });
    }
  });

  it('retroactive but not clairvoyant', () => {
    const data = dataset({
      identifies: [{ user_id: 'amy', anonymous_id: 'd1', timestamp: '2024-05-05' }],
      events: [login('e1', null, 'd1', '2024-05-01')],
    });
    expect(values(run([logins], data, FIRST, '2024-05-04T00:00:00Z'), 'logins')).toEqual({});
    expect(values(run([logins], data, FIRST, '2024-05-05T00:00:00Z'), 'logins')).toEqual({ amy: 1 });
  });

  it('anonymous identifies merge into the owner\'s custom traits by time; anonymous group calls make the owner a member', () => {
    const data = dataset({
      identifies: [
        { user_id: 'amy', anonymous_id: 'd1', timestamp: '2024-05-05', role: 'Viewer' },
        { user_id: null, anonymous_id: 'd1', timestamp: '2024-05-06', role: 'Admin' },
      ],
      groups: [{ user_id: null, anonymous_id: 'd1', group_id: 'acme', timestamp: '2024-04-01' }],
      events: [login('e1', null, 'd1', '2024-04-02')],
    });
    const admins = audience('admins', 'user', trait('role', 'equals', 'Admin'));
    const accountLogins = computed('account_logins', 'account', 'count', 'Logged In');
    const adminAccounts = audience('admin_accounts', 'account', quantifier('any_user', performed('Logged In')));
    const on = run([admins, accountLogins, adminAccounts], data, FIRST);
    expect(members(on, 'admins')).toEqual(['amy']);
    expect(values(on, 'account_logins')).toEqual({ acme: 1 });
    expect(members(on, 'admin_accounts')).toEqual(['acme']);
    const off = run([admins, accountLogins, adminAccounts], data, OFF);
    expect(members(off, 'admins')).toEqual([]);
    expect(values(off, 'account_logins')).toEqual({ acme: 0 });
  });

  it('edges come from any table: a page view with both ids links them', () => {
    const data = dataset({
      pages: [
        { user_id: 'amy', anonymous_id: 'd1', name: 'Home', timestamp: '2024-05-05' },
        { user_id: null, anonymous_id: 'd1', name: 'Pricing', timestamp: '2024-05-01' },
      ],
    });
    const first = computed('first_page', 'user', 'first', { kind: 'page', name: null }, { property: 'name' });
    expect(values(run([first], data, FIRST), 'first_page')).toEqual({ amy: 'Pricing' });
    expect(values(run([first], data, OFF), 'first_page')).toEqual({ amy: 'Home' });
  });
});
