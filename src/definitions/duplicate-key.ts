// The one duplicate_key diagnostic, for both places that find a SQL trait giving one entity two
// values: `evaluate` (before it reads any result) and a run's evaluate step (over the staging).
import { failure, type DiagnosticsError } from '../diagnostics/diagnostic.js';
import type { Project } from './model.js';

export function duplicateKey(project: Project, trait: string, value: unknown): DiagnosticsError {
  const definition = project.definitions.find((d) => d.name === trait);
  const key = definition?.level === 'account' ? 'group_id' : 'user_id';
  return failure('duplicate_key', { trait, key, value }, definition?.loc ?? null);
}
