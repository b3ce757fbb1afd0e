// The stitchable datasets hit the boundaries of SPEC §2.1 on purpose and often: an identify
// exactly at as_of, an edge just after it, two users seen with one anonymous id at one instant,
// anonymous group calls and identifies with traits, edges of one anonymous id in several tables.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import { AS_OF } from '../support/arbitraries.js';
import { arbStitchableDataset } from '../support/identity-arbitraries.js';

const AS_OF_MS = Date.parse(AS_OF);
const time = (row: SourceRow) => (row.timestamp === null ? null : Date.parse(String(row.timestamp)));
const edge = (row: SourceRow) => row.user_id !== null && row.anonymous_id !== null;

const FEATURES: Record<string, (d: SourceDataset) => boolean> = {
  'an identify exactly at as_of': (d) => d.tables.identifies.rows.some((r) => edge(r) && time(r) === AS_OF_MS),
  'an edge one second after as_of': (d) => Object.values(d.tables).some((t) => t.rows.some((r) => edge(r) && time(r) === AS_OF_MS + 1000)),
  'two users with one anonymous id at one instant': (d) => {
    const seen = new Map<string, string>();
    for (const t of Object.values(d.tables)) {
      for (const r of t.rows) {
        if (!edge(r) || time(r) === null || time(r)! > AS_OF_MS) continue;
        const key = `${String(r.anonymous_id)}@${time(r)}`;
        if (seen.has(key) && seen.get(key) !== r.user_id) return true;
        seen.set(key, String(r.user_id));
      }
    }
    return false;
  },
  'an anonymous group call': (d) => d.tables.groups.rows.some((r) => r.user_id === null && r.anonymous_id !== null && r.group_id !== null),
  'an anonymous identify with a trait': (d) => d.tables.identifies.rows.some((r) => r.user_id === null && r.anonymous_id !== null && r.role !== null && r.role !== undefined),
  'one anonymous id with edges in two tables': (d) => {
    const tables = new Map<string, Set<string>>();
    for (const name of ['identifies', 'groups', 'tracks', 'pages', 'screens']) {
      for (const r of d.tables[name].rows) if (edge(r)) tables.set(String(r.anonymous_id), (tables.get(String(r.anonymous_id)) ?? new Set()).add(name));
    }
    return [...tables.values()].some((s) => s.size >= 2);
  },
};

describe('stitchable datasets', () => {
  it('hit every boundary of identity stitching in at least one case in ten', () => {
    const samples = fc.sample(arbStitchableDataset(), { seed: 3, numRuns: 200 });
    for (const [feature, holds] of Object.entries(FEATURES)) {
      const share = samples.filter(holds).length / samples.length;
      expect(share, feature).toBeGreaterThanOrEqual(0.1);
    }
  });
});
