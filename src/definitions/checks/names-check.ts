// Names: unique across audiences and traits, and every sync target a destination of quorum.yml.
import { diagnostic } from '../../diagnostics/diagnostic.js';
import { didYouMean } from '../did-you-mean.js';
import type { Definition } from '../model.js';
import { KIND_NAMES, subjectOf } from '../subject.js';
import type { CheckContext } from './check-context.js';

export function checkNames(ctx: CheckContext): void {
  for (const name of ctx.index.names()) {
    const [first, ...later] = ctx.index.all(name);
    for (const again of later) {
      const params = {
        kind: 'definition',
        name,
        first: { kind: KIND_NAMES[first.kind], loc: first.loc },
        later: KIND_NAMES[again.kind],
      } as const;
      ctx.report(diagnostic('duplicate_name', params, again.loc));
    }
  }
}

export function checkSyncTargets(ctx: CheckContext, definition: Definition): void {
  const defined = Object.keys(ctx.project.config.destinations);
  for (const target of definition.sync) {
    if (defined.includes(target.to)) continue;
    const suggestion = didYouMean(target.to, defined);
    ctx.report(
      diagnostic('unknown_reference', { kind: 'destination', name: target.to, by: subjectOf(definition), defined, suggestion }, target.loc),
    );
  }
}
