// Step `diff` (SPEC §6): the difference against the previous snapshots, computed in the warehouse
// and written once as the change set, then counted per definition. A definition whose snapshot is
// empty (a first run) takes every staged row as entered, without the comparison: its change set is
// staging itself (StagedEntries), which the outbox and snapshot steps read in place.
import { changeSetCountsQuery, changeSetInsert, stagedUserCounts, withStagedEntries, type StagedEntries } from '../change-set-sql.js';
import { readCounts, type DefinitionCounts } from '../diff-sql.js';
import { readSnapshotRecords, type SnapshotRecord } from '../snapshot-records.js';
import { stateRefs, stateTable } from '../state-sql.js';
import type { InTransaction, RunContext, RunStep } from './run-step.js';
import type { Evaluated } from './evaluate-step.js';
import { coveredCounts } from '../covered-sql.js';

export interface Diffed {
  readonly counts: ReadonlyMap<string, DefinitionCounts>;
  readonly staged: StagedEntries;
  /** staging's user rows per definition: the snapshot_users rows an account audience's snapshot gets */
  readonly stagedUsers: ReadonlyMap<string, number>;
}

export const diffStep: RunStep<RunContext & InTransaction & Partial<Pick<Evaluated, 'covered'>>, Diffed> = {
  name: 'diff',
  stage: { stage: 'diff' },
  crashPoint: 'counted',
  run: async ({ tx, schema, definitions, covered }) => {
    const refs = stateRefs(schema);
    const changes = stateTable(schema, 'changes');
    // The records say which snapshots are empty (the state check held them to the tables).
    const records = await readSnapshotRecords(tx, tx.printer, schema);
    const isEmpty = (r: SnapshotRecord | undefined) => r === undefined || (r.rowCount === 0 && r.userCount === 0);
    const staged: StagedEntries = { staging: refs.staging, names: new Set(definitions.filter((d) => isEmpty(records.get(d.name))).map((d) => d.name)) };
    if (definitions.some((d) => !staged.names.has(d.name))) {
      await tx.run(changeSetInsert(refs, changes, definitions, staged, covered ?? null, tx.printer.coveredRowsAsParts));
      await tx.refreshStatistics(changes);
    }
    const rows = await tx.rows(changeSetCountsQuery(refs, changes, definitions));
    const counts = readCounts(rows, definitions);
    return { counts: coveredCounts(withStagedEntries(counts, staged), covered ?? null), staged, stagedUsers: stagedUserCounts(rows) };
  },
};
