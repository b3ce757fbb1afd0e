// A multi-column SQL trait through real runs (SPEC §6): "An entity that drops out of a SQL trait's
// result gets null for each of its columns", in the identify's traits and the track's properties,
// on the Segment destination (a real HTTP receiver) and the file destination alike.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { receiverForFile, runAt, tempDir } from './support/harness.js';
import { AS_OFS, writeProject } from './support/project.js';
import type { ReceivedCall } from './support/receiver.js';

const receiver = receiverForFile();

/** Two columns over a two-day window: users who stop logging in drop out of the result. */
const TRAIT = [
  'sql_trait: mc',
  'level: user',
  'sql: |',
  "  select user_id, max(method) as mc, count(*) as mc_n from {{ source('logged_in') }}",
  "  where timestamp <= {{ as_of }} and timestamp > {{ as_of }} - interval '2 days'",
  '  group by 1',
  'sync:',
  '  - to: hook',
  '    calls: [identify, track]',
  '  - to: audit',
  '    calls: [identify, track]',
  '',
].join('\n');

const ofMc = (calls: readonly ReceivedCall[]) =>
  calls.filter((c) => (c.context as { personas: { computation_key: string } }).personas.computation_key === 'mc');

describe('a multi-column SQL trait', () => {
  it('nulls every column of an entity that drops out, in traits and properties, on every destination', async () => {
    const dir = await tempDir('columns');
    await writeProject(dir, {
      endpoint: `${receiver().url}/columns`,
      extraDestinations: { audit: '{ type: file, path: out/calls.ndjson }' },
    });
    writeFileSync(path.join(dir, 'traits', 'mc.yml'), TRAIT);
    await runAt(dir, AS_OFS[1]);
    const first = ofMc(receiver().calls('columns'));
    // the first run's entered calls come from a record by generation, built under the same head
    expect(first.length).toBeGreaterThan(0);
    for (const call of first) {
      const values = call.type === 'identify' ? call.traits : call.properties;
      expect(Object.keys(values as object).sort()).toEqual(call.type === 'identify' ? ['mc', 'mc_n'] : ['mc', 'mc_n', 'trait_key']);
    }
    await runAt(dir, AS_OFS[2]);
    const file = readFileSync(path.join(dir, 'out/calls.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ReceivedCall);
    for (const calls of [ofMc(receiver().calls('columns')).slice(first.length), ofMc(file)]) {
      const exits = calls.filter(
        (c) => (c.type === 'identify' ? (c.traits as { mc: unknown }).mc : (c.properties as { mc: unknown }).mc) === null,
      );
      expect(exits.length).toBeGreaterThan(1);
      expect(new Set(exits.map((c) => c.type))).toEqual(new Set(['identify', 'track']));
      for (const call of exits) {
        if (call.type === 'identify') expect(call.traits).toEqual({ mc: null, mc_n: null });
        else expect(call.properties).toEqual({ trait_key: 'mc', mc: null, mc_n: null });
      }
    }
    expect(receiver().invalid).toEqual([]);
  });
});
