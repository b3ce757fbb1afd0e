// How messages name a definition: `audience "a"`, `SQL trait "t"`, with where it is defined.
import type { Named } from '../diagnostics/message-parameters.js';
import type { Definition } from './model.js';

export const KIND_NAMES: Readonly<Record<Definition['kind'], string>> = {
  audience: 'audience',
  computed_trait: 'computed trait',
  sql_trait: 'SQL trait',
};

export function subjectOf(definition: Definition): string {
  return `${KIND_NAMES[definition.kind]} "${definition.name}"`;
}

export function named(definition: Definition): Named {
  return { subject: subjectOf(definition), loc: definition.loc };
}
