// Delivery serialises the calls under an outbox head from a template made once per head
// (src/sync/calls.ts CallTemplate, src/sync/outbox-rows.ts serialisedUnderHead), where it used to
// parse each row's whole record, the head joined to the row's own part. Both properties compare the
// two ways on generated records: every call shape, names that collide with the call's own keys,
// text that needs escaping, and rows that are not what quorum writes (own parts that repeat or
// override the head's fields, carry other fields, or are broken; heads that are broken).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callJson, expandCall, OWN_FIELDS, type CallRecord } from '../../src/sync/calls.js';
import { serialisedUnderHead, serialiseRow } from '../../src/sync/outbox-rows.js';
import { PROPERTY_SEED } from '../support/property-seed.js';

const text = fc.oneof(fc.constantFrom('a', 'u"1', 'g 😀', 'é\n', '\u2028', '', 'audience_key', 'trait_key', '__proto__', 'userId'), fc.string({ maxLength: 8 }));
const nullableText = fc.option(text, { nil: null });

const record: fc.Arbitrary<CallRecord> = fc
  .record({
    type: fc.constantFrom('group', 'identify', 'track'),
    class: fc.constantFrom('audience', 'trait'),
    key: text,
    computation_id: text,
    transition: fc.constantFrom('entered', 'exited', 'changed'),
    user_id: nullableText,
    anonymous_id: nullableText,
    group_id: nullableText,
    event: nullableText,
    value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    columns: fc.boolean(),
    column_names: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
    as_of: fc.constantFrom('2024-06-01T00:00:00.000Z', '2024-06-01T01:15:00.000Z'),
    run_id: text,
    namespace: text,
    space_id: text,
    generation: text,
  })
  .map(({ value, column_names, ...r }) => ({ ...r, ...(column_names === undefined ? {} : { column_names }), value: value === undefined ? null : JSON.stringify(value) }) as CallRecord);

describe(`call templates (seed ${PROPERTY_SEED})`, () => {
  it('callJson is byte for byte JSON.stringify(expandCall(...)) for generated records', () => {
    fc.assert(
      fc.property(record, text, (r, messageId) => {
        expect(callJson(r, messageId)).toBe(JSON.stringify(expandCall(r, messageId)));
      }),
      { seed: PROPERTY_SEED, numRuns: 500 },
    );
  });

  // How a row is split between its head and its own part, as outbox-sql.ts jsonText splits it,
  // and then how it can differ from what quorum writes.
  const split = fc.record({
    inOwn: fc.subarray([...OWN_FIELDS]),
    repeated: fc.subarray([...OWN_FIELDS]),
    foreign: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.constantFrom('type', 'key', 'generation', 'event', 'extra'), weight: 1 }),
    spacing: fc.constantFrom('', ' ', '\n '),
    broken: fc.oneof(
      { arbitrary: fc.constant('none'), weight: 7 },
      { arbitrary: fc.constantFrom('own-cut', 'own-empty', 'own-no-comma', 'own-missing', 'head-cut', 'head-array', 'message-id', 'entity-number'), weight: 3 },
    ),
  });

  it('serialising a row under its head gives what reading the head and the row whole gives', () => {
    let underHead = 0;
    let runs = 0;
    fc.assert(
      fc.property(record, fc.record({ first: record, other: record }), split, (r, { other }, how) => {
        runs += 1;
        const fields = r as unknown as Record<string, unknown>;
        const shared: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(fields)) if (!how.inOwn.includes(k as never)) shared[k] = v;
        // a field the row holds may also stand in the head with another row's value: the row's wins
        for (const k of how.repeated) if (how.inOwn.includes(k)) shared[k] = (other as unknown as Record<string, unknown>)[k];
        let head = JSON.stringify(shared).slice(0, -1);
        const members = how.inOwn.map((k) => `,${how.spacing}${JSON.stringify(k)}:${how.spacing}${JSON.stringify(fields[k])}`);
        // a field neither part holds (unless the head repeats it)
        if (how.broken === 'own-missing') members.shift();
        if (how.foreign !== null) members.push(`,${JSON.stringify(how.foreign)}:"x"`);
        let own = `${members.join('')}${how.spacing}}`;
        if (how.broken === 'own-cut') own = own.slice(0, Math.max(1, own.length - 3));
        if (how.broken === 'own-empty') own = ',}';
        if (how.broken === 'own-no-comma') own = own.slice(1);
        if (how.broken === 'head-cut') head = head.slice(0, head.length - 2);
        if (how.broken === 'head-array') head = '[1';
        const row = {
          message_id: how.broken === 'message-id' ? 'quorum-stored' : null,
          destination: 'segment',
          entity_id: how.broken === 'entity-number' ? 7 : 'e 😀',
          sequence: 5,
          payload: own,
        };
        const whole = serialiseRow({ ...row, payload: head + own });
        expect(serialiseRow(row, head)).toEqual(whole);
        if (serialisedUnderHead(row, head) !== null) underHead += 1;
      }),
      { seed: PROPERTY_SEED, numRuns: 600 },
    );
    // the template is what most rows take, or the property compares the whole reading with itself
    expect(underHead).toBeGreaterThan(runs / 3);
  });
});
