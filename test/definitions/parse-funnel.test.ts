// `then:` chains parse into one funnel condition whose steps keep their own event, window, filters
// and place; the mistakes have their own fixtures under fixtures/invalid/funnel-*.
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import type { Condition } from '../../src/definitions/model.js';
import { tempProject } from './fixture-helpers.js';
import { dialectNamed } from '../../dialects/registry.js';

const CONFIG = 'destinations:\n  crm: { type: stdout }\n';

async function whereOf(audience: string): Promise<Condition> {
  const root = tempProject({ 'quorum.yml': CONFIG, 'audiences/a.yml': audience });
  const { project, diagnostics } = await loadProject(root, { env: {}, dialects: dialectNamed });
  expect(diagnostics).toEqual([]);
  const definition = project!.definitions[0];
  if (definition.kind !== 'audience') throw new Error('not an audience');
  return definition.where;
}

describe('funnels in the language', () => {
  it('a three-step chain ending in not_performed, each step with its own where', async () => {
    const where = await whereOf(
      [
        'audience: a',
        'level: user',
        'where:',
        '  performed: Product Added',
        '  within: 7d',
        '  where: [{ property: price, gt: 10 }]',
        '  then:',
        '    performed: Checkout Started',
        '    within: 2h',
        '    then:',
        '      not_performed: Order Completed',
        '      within: 1d',
        '      where: [{ property: total, gte: 10 }]',
        '',
      ].join('\n'),
    );
    expect(where.kind).toBe('funnel');
    if (where.kind !== 'funnel') return;
    expect(where.steps.map((s) => [s.event, s.window, s.negated, s.filters.map((f) => f.property), s.loc.line])).toEqual([
      [{ kind: 'track', name: 'Product Added' }, { kind: 'within', seconds: 7 * 86_400, text: '7d' }, false, ['price'], 4],
      [{ kind: 'track', name: 'Checkout Started' }, { kind: 'within', seconds: 7200, text: '2h' }, false, [], 8],
      [{ kind: 'track', name: 'Order Completed' }, { kind: 'within', seconds: 86_400, text: '1d' }, true, ['total'], 11],
    ]);
  });

  it('a first step without a window looks back over all time; pages can be steps', async () => {
    const where = await whereOf('audience: a\nlevel: user\nwhere:\n  - performed: page\n    name: Pricing\n    then: { performed: Signed Up, within: 30m }\n');
    expect(where.kind).toBe('all');
    if (where.kind !== 'all') return;
    const funnel = where.children[0];
    expect(funnel.kind === 'funnel' && funnel.steps.map((s) => [s.event, s.window?.kind ?? null])).toEqual([
      [{ kind: 'page', name: 'Pricing' }, null],
      [{ kind: 'track', name: 'Signed Up' }, 'within'],
    ]);
  });
});
