import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import type { Project } from './model.js';

/** A name given on the command line that no definition has: the closest one first, then all. */
export function unknownDefinition(project: Project, name: string, options: { readonly pattern?: boolean; readonly noRun?: boolean } = {}): Diagnostic {
  const defined = project.definitions.map((d) => d.name);
  const suggestion = defined.length === 0 ? null : didYouMean(name.replaceAll('*', ''), defined);
  return diagnostic('unknown_reference', { kind: 'definition', name, defined, suggestion, ...options }, null);
}
