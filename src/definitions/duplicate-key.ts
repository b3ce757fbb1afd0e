// The duplicate_key diagnostic: a SQL trait gave one entity two values. `checkSqlTraitKeys` finds
// it before anything reads the trait, for `evaluate`, the read commands and a run alike.
import { failure, type DiagnosticsError } from '../diagnostics/diagnostic.js';
import type { Project } from './model.js';

export function duplicateKey(project: Project, trait: string, value: unknown): DiagnosticsError {
  const definition = project.definitions.find((d) => d.name === trait);
  const key = definition?.level === 'account' ? 'group_id' : 'user_id';
  return failure('duplicate_key', { trait, key, value }, definition?.loc ?? null);
}
