import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPUTE_KINDS, type Definition } from '../../src/definitions/model.js';
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import { evaluateReference } from '../../src/reference/evaluate.js';
import { AS_OF, arbDataset, makeProject } from '../support/arbitraries.js';
import { all, any, audience, computed, filter, inAudience, not, performed, quantifier, trait, within } from './build.js';

/** Many small random datasets merged into one, with ids and entities made distinct per part. */
function bigDataset(parts: number): SourceDataset {
  const samples = fc.sample(arbDataset(), { numRuns: parts, seed: 11 });
  const tables: Record<string, { columns: SourceTable['columns']; rows: SourceRow[] }> = {};
  samples.forEach((sample, k) => {
    const suffix = `#${k % 40}`;
    for (const [name, table] of Object.entries(sample.tables)) {
      tables[name] ??= { columns: table.columns, rows: [] };
      for (const row of table.rows) {
        tables[name].rows.push({
          ...row,
          id: `${k}-${row.id}`,
          user_id: row.user_id === null ? null : `${row.user_id}${suffix}`,
          ...(row.group_id !== undefined ? { group_id: row.group_id === null ? null : `${row.group_id}${suffix}` } : {}),
        });
      }
    }
  });
  return { tables };
}

function definitions(): Definition[] {
  const defs: Definition[] = [];
  COMPUTE_KINDS.forEach((kind, i) => {
    const property = kind === 'count' ? undefined : ['sum', 'avg'].includes(kind) ? 'score' : 'title';
    defs.push(computed(`u_${kind}`, 'user', kind, 'Report Created', { property, window: i % 2 ? within('30d') : undefined }));
    defs.push(computed(`a_${kind}`, 'account', kind, 'Report Created', { property, scope: i % 2 ? 'group_context' : 'users' }));
  });
  defs.push(audience('admins', 'user', all(trait('role', 'equals', 'admin', true), performed('Logged In', { window: within('7d') }))));
  defs.push(audience('active', 'user', any(performed('Feature Used', { count: ['at_least', 2] }), trait('u_count', 'gte', 2))));
  defs.push(audience('pro', 'account', all(trait('plan', 'in', ['pro', 'enterprise']), trait('a_count', 'gt', 1))));
  defs.push(audience('through', 'user', all(inAudience('pro'), not(inAudience('admins')))));
  defs.push(audience('q_any', 'account', quantifier('any_user', inAudience('active'))));
  defs.push(audience('q_all', 'account', quantifier('all_users', trait('seats', 'lt', 5))));
  defs.push(audience('q_none', 'account', quantifier('no_user', performed('Logged In', { where: [filter('method', 'equals', 'sso')] }))));
  defs.push(audience('q_pct', 'account', quantifier('at_least_users', trait('u_unique_list', 'includes', "O'Brien"), { percent: 50 })));
  defs.push(audience('q_cnt', 'account', quantifier('at_least_users', inAudience('through'), { count: 2 })));
  defs.push(audience('mix', 'account', any(inAudience('q_any'), not(inAudience('q_pct')), trait('industry', 'contains', '%'))));
  return defs;
}

describe('performance', () => {
  it('evaluates ~5,000 rows x 30 definitions well under a second', () => {
    const data = bigDataset(70);
    const rows = Object.values(data.tables).reduce((n, t) => n + t.rows.length, 0);
    const defs = definitions();
    expect(rows).toBeGreaterThan(4000);
    expect(defs.length).toBe(30);
    const project = makeProject(defs);
    // CPU time, not wall time: the evaluator is synchronous JavaScript, and CI runs two test files
    // side by side on two cores shared with other work, which stretches wall time but not this
    const started = process.cpuUsage();
    const results = evaluateReference(project, data, AS_OF);
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    expect(results.size).toBe(30);
    console.log(`reference evaluator: ${rows} rows x ${defs.length} definitions in ${elapsed.toFixed(0)} ms of CPU`);
    expect(elapsed).toBeLessThan(1000);
  });
});
