// The statements of a run, all built as SQL AST and printed by the dialect (SPEC §6):
//
//   staging      staging-sql.ts: INSERT INTO staging SELECT ... FROM (the compiled WITH statement)
//   transitions  transition-sql.ts: staging against the previous snapshot, and the counts
//   changes      change-set-sql.ts: the transitions written once, to the `changes` table
//   outbox       outbox-sql.ts: INSERT INTO outbox SELECT ..., one call record per change
//   snapshots    snapshot-delta-sql.ts: the snapshot rows that changed, rewritten
//   dry run      dry-run-sql.ts: the same diff over CTEs, nothing written
//
// This module gathers them for the callers.
export * from './sync-definition.js';
export * from './staging-sql.js';
export * from './transition-sql.js';
export * from './outbox-sql.js';
export * from './dry-run-sql.js';
export { replaceSnapshots } from './snapshot-delta-sql.js';
