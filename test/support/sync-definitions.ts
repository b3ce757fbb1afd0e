// A SyncDefinition as the diff sees it, for tests that build the state statements by hand.
import type { ResolvedTarget, SyncDefinition } from '../../src/sync/diff-sql.js';

export const syncDefinition = (name: string, kind: SyncDefinition['kind'], level: SyncDefinition['level'], targets: readonly ResolvedTarget[] = []): SyncDefinition => ({
  name,
  kind,
  level,
  multiColumn: false,
  computationId: name,
  targets,
});
