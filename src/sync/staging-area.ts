// The run's scratch tables: `staging` (what the definitions evaluate to now) and `changes` (the
// change set the diff writes once). Both are empty between runs; a run empties them before it
// stages and again before it commits. Where the printer keeps them in the session (DuckDB), the
// first clearing of a session makes them.
import { deleteFrom } from '../sql/ast.js';
import { ensureSessionScratchTables, type StateWriter, stateRefs, stateTable } from './state-sql.js';

export async function clearStagingArea(w: StateWriter, schema: string): Promise<void> {
  await ensureSessionScratchTables(w, schema);
  await w.run(deleteFrom(stateRefs(schema).staging));
  await w.run(deleteFrom(stateTable(schema, 'changes')));
}
