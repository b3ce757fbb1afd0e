// Table and column names as Segment's warehouses write them: go-snakecase, whose test tables (MIT;
// segmentio/go-snakecase snake_test.go at its first commit, 1f9dfc4, and at v1.2.0) are restated
// here. Before, a camelCase splitter gave "o_auth_connected" for `OAuth Connected` and quorum looked
// for a table Segment never writes (an audit on 5 December): validate said missing_table.
import { describe, expect, it } from 'vitest';
import { snakeCase } from '../../src/definitions/snake-case.js';

/** The cases of the first commit's table, which v1.2.0 keeps. */
const FIRST_COMMIT: readonly (readonly [string, string])[] = [
  ['sample text', 'sample_text'],
  ['sample-text', 'sample_text'],
  ['sample_text', 'sample_text'],
  ['sample___text', 'sample_text'],
  ['sampleText', 'sample_text'],
  ['inviteYourCustomersAddInvites', 'invite_your_customers_add_invites'],
  ['sample 2 Text', 'sample_2_text'],
  ['   sample   2    Text   ', 'sample_2_text'],
  ['   $#$sample   2    Text   ', 'sample_2_text'],
  ['SAMPLE 2 TEXT', 'sample_2_text'],
  ['___$$Base64Encode', 'base64_encode'],
  ['FOO:BAR$BAZ', 'foo_bar_baz'],
  ['FOO#BAR#BAZ', 'foo_bar_baz'],
  ['something.com', 'something_com'],
  ['$something%', 'something'],
  ['•¶§ƒ˚foo˙∆˚¬', 'foo'],
];

/** The cases v1.2.0 adds: acronyms, digits at word edges, underscores before capitals. */
const V1_2: readonly (readonly [string, string])[] = [
  ['@49L0S145_¬fwHƒ0TSLNVp', '49l0s145_fw_h_0tslnvp'],
  ['lk0B@bFmjrLQ_Z6YL', 'lk0_b_b_fmjr_lq_z6yl'],
  ['samPLE text', 'sam_ple_text'],
  ['CStringRef', 'cstring_ref'],
  ['5test', '5test'],
  ['test5', 'test5'],
  ['THE5r', 'the5r'],
  ['5TEst', '5test'],
  ['_5TEst', '5test'],
  ['@%#&5TEst', '5test'],
  ['edf_6N', 'edf_6n'],
  ['f_pX9', 'f_p_x9'],
  ['p_z9Rg', 'p_z9_rg'],
  ['2FA Enabled', '2fa_enabled'],
  ['Enabled 2FA', 'enabled_2fa'],
];

/** Event names as product teams send them, by the same rules. */
const EVENT_NAMES: readonly (readonly [string, string])[] = [
  ['Logged In', 'logged_in'],
  ['OAuth Connected', 'oauth_connected'],
  ['API Key Created', 'api_key_created'],
  ['APIKey Created', 'apikey_created'],
  ['Order Completed (v2)', 'order_completed_v2'],
  ['plan.tier', 'plan_tier'],
  ['Ünïcode Événement', 'n_code_v_nement'],
];

describe('snakeCase, as go-snakecase names warehouse tables and columns', () => {
  it.each([...FIRST_COMMIT, ...V1_2, ...EVENT_NAMES])('%j -> %j', (text, expected) => {
    expect(snakeCase(text)).toBe(expected);
  });
});
