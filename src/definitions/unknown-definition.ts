import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import type { Project } from './model.js';

/** A name given on the command line that no definition has: the closest one first, then all. */
export function unknownDefinition(project: Project, message: string, name: string): Diagnostic {
  const names = project.definitions.map((d) => d.name).sort();
  if (names.length === 0) return error('unknown_reference', null, message, 'add a definition under audiences/ or traits/');
  const suggestion = didYouMean(name.replaceAll('*', ''), names);
  const all = `the project defines: ${names.join(', ')}`;
  return error('unknown_reference', null, message, suggestion ? `did you mean "${suggestion}"? (${all})` : all);
}
