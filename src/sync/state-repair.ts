// `quorum state check` and `quorum state repair --from last|empty` (SPEC §6 "State integrity").
//
//   diagnose   the catalog (tables, columns) and the data check, every problem at once
//   plan       which tables to recreate, which snapshots to recompute (last) or forget (empty)
//   apply      under the run lock, in one transaction: the snapshots, their records (each
//              generation one up, never reset), meta, and a `runs` row saying what was repaired.
//              Nothing is sent: calls waiting in the outbox stay there for the next run, except
//              those that lost their outbox_heads row (they cannot be sent as written): deleted.
import type { Project } from '../definitions/model.js';
import { planFor } from '../evaluation/evaluate.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { changeSetInsert } from './change-set-sql.js';
import { insertStaging, replaceSnapshots, stagingQuery } from './diff-sql.js';
import { acquireLock } from './lock.js';
import { keepChangedEntities, keepDefinitions } from './outbox-generations.js';
import { countHeadless, deleteHeadless } from './outbox-heads.js';
import { lockTtlFromEnv, newRunId, syncDefinitions } from './run.js';
import { outboxHighWater, readSnapshotRecords, stagedCounts, writeSnapshotRecords, type NewRecord, type SnapshotRecord } from './snapshot-records.js';
import { checkFacts, readFacts, type StateFacts } from './state-check.js';
import { inspectShape, META, STATE_FORMAT_VERSION, writeMeta, type StateProblem, type StateShape } from './state-format.js';
import { alterStateTables } from './state-guard.js';
import { recoverHistory, recordRepair, unreadableSummaries } from './state-history.js';
import { ensureSessionScratchTables, ensureStateTables, generationsExist, inList, StateWriter, stateRefs, stateTable } from './state-sql.js';
import { col, deleteFrom } from '../sql/ast.js';

export type RepairFrom = 'last' | 'empty';

export interface Diagnosis {
  readonly schema: string;
  /** fresh: no state yet; old: format 1, which the next run upgrades */
  readonly shape: StateShape['kind'];
  readonly problems: readonly StateProblem[];
  /** Not damage: what is wrong but changes nothing a run sends (a `runs` summary edited by hand). */
  readonly warnings: readonly StateProblem[];
  /** tables repair creates (missing, or altered: those are dropped first) */
  readonly recreate: readonly string[];
  readonly altered: readonly string[];
  readonly facts: StateFacts | null;
}

export async function diagnoseState(connection: WarehouseConnection, schema: string): Promise<Diagnosis> {
  const shape = await inspectShape(connection, schema);
  if (shape.kind === 'fresh' || shape.kind === 'old') return { schema, shape: shape.kind, problems: [], warnings: [], recreate: [], altered: [], facts: null };
  const recreate = shape.kind === 'damaged' ? [...shape.missingTables, ...shape.badTables] : [];
  const skip = new Set([...recreate, ...((await generationsExist(connection, schema)) ? [] : ['outbox_generations'])]);
  const facts = await readFacts(connection, connection.dialect.printer, schema, skip);
  const report = checkFacts(schema, facts, skip);
  const problems = [...(shape.kind === 'damaged' ? shape.problems : []), ...report.problems];
  // Not part of a run's own check: delivery sets such calls aside one by one and names them. A state
  // of format 3 or older has no heads to lose (its next run creates outbox_heads).
  const upgrading = shape.kind === 'current' && shape.upgradeFrom !== undefined;
  const headsRead = !upgrading && !skip.has('outbox') && !skip.has('outbox_heads');
  const lost = headsRead ? await countHeadless(new StateWriter(connection.dialect.printer, connection), schema) : 0;
  if (lost > 0) problems.push({ table: 'outbox_heads', message: `${lost} undelivered calls in the outbox lost their outbox_heads row (deleted outside quorum): they cannot be sent as written` });
  const warnings = skip.has('runs') ? [] : await unreadableSummaries(connection, schema);
  return { schema, shape: shape.kind, problems, warnings, recreate, altered: shape.kind === 'damaged' ? shape.badTables : [], facts };
}

export interface RepairPlan {
  readonly from: RepairFrom;
  readonly diagnosis: Diagnosis;
  /** as_of → definitions recomputed at it */
  readonly recompute: ReadonlyMap<string, readonly string[]>;
  readonly forget: readonly string[];
  /** what it does, one sentence each */
  readonly actions: readonly string[];
}

const SNAPSHOT_TABLES = ['snapshots', 'snapshot_users', 'snapshot_runs'];

/** What repair would do; nothing is written. */
export async function planRepair(connection: WarehouseConnection, project: Project, diagnosis: Diagnosis, from: RepairFrom): Promise<RepairPlan> {
  const { facts, problems, schema } = diagnosis;
  if (problems.length === 0 || facts === null) return { from, diagnosis, recompute: new Map(), forget: [], actions: [] };
  const known = new Set([...project.definitions.map((d) => d.name), ...facts.recorded.keys(), ...facts.actual.keys()]);
  const outboxLost = problems.some((p) => p.table === 'outbox' || p.table === 'outbox_heads');
  const everything = diagnosis.recreate.some((t) => SNAPSHOT_TABLES.includes(t)) || (from === 'empty' && outboxLost);
  const damaged = everything ? [...known].sort() : [...new Set(problems.flatMap((p) => (p.definition === undefined ? [] : [p.definition])))].sort();
  const history = diagnosis.recreate.includes('runs') ? null : await recoverHistory(connection, schema);
  const records = diagnosis.recreate.includes('snapshot_runs') ? new Map<string, SnapshotRecord>() : await readSnapshotRecords(connection, connection.dialect.printer, schema);
  const recompute = new Map<string, string[]>();
  const forget: string[] = [];
  const inProject = new Set(project.definitions.map((d) => d.name));
  for (const name of damaged) {
    // the as_of of the committed snapshot: from its record, else from the last run that committed it
    const asOf = from === 'last' && inProject.has(name) ? records.get(name)?.asOf ?? history?.lastAsOf.get(name) ?? null : null;
    if (asOf === null) forget.push(name);
    else recompute.set(asOf, [...(recompute.get(asOf) ?? []), name]);
  }
  const actions: string[] = [];
  for (const table of diagnosis.recreate) actions.push(`${table === 'meta' ? 'create' : 'recreate'} table ${schema}.${table}${['outbox', 'runs'].includes(table) ? ' (empty: what it held is lost)' : ''}`);
  for (const [asOf, names] of recompute) actions.push(`recompute the snapshots of ${names.join(', ')} as of ${asOf}, the last committed run's as_of, without sending anything`);
  if (forget.length > 0) actions.push(`forget the snapshots of ${forget.join(', ')}: the next run sends every member (every value) again`);
  if (problems.some((p) => p.table === 'outbox_heads')) actions.push('delete the undelivered calls that lost their outbox_heads row');
  if (from === 'last' && outboxLost) {
    actions.push('accept the outbox as it is: calls deleted from it before they were delivered are not sent (--from empty sends every member again instead)');
  }
  actions.push('record the state-format version, the outbox high-water mark and this repair as the last run');
  return { from, diagnosis, recompute, forget, actions };
}

export interface RepairSession {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
}

/** Does what the plan says, under the run lock; returns the problems left (none, unless the state changed meanwhile). */
export async function applyRepair(session: RepairSession, plan: RepairPlan, options: { lockTtlSeconds?: number } = {}): Promise<readonly StateProblem[]> {
  const { connection, project } = session;
  const schema = plan.diagnosis.schema;
  const printer = connection.dialect.printer;
  for (const name of plan.diagnosis.altered) await connection.execute(printer.printDdl({ kind: 'drop_table', schema, name }));
  await ensureStateTables(connection, schema);
  // repair writes the current version: an older state's columns are brought to it first
  await alterStateTables(connection, schema);
  const runId = newRunId();
  const lock = await acquireLock(connection, schema, runId, { ttlSeconds: options.lockTtlSeconds ?? lockTtlFromEnv() });
  try {
    const history = await recoverHistory(connection, schema);
    const recorded = plan.diagnosis.facts?.recorded ?? new Map();
    const generation = (name: string) => Math.max(recorded.get(name)?.generation ?? 0, history.generations.get(name) ?? 0) + 1;
    const now = new Date().toISOString();
    await connection.transaction(async (tx) => {
      const w = new StateWriter(printer, tx);
      const refs = stateRefs(schema);
      await ensureSessionScratchTables(w, schema);
      const records: NewRecord[] = [];
      for (const [asOf, names] of plan.recompute) {
        const plan2 = planFor({ project, catalog: session.catalog, asOf, targets: names });
        const definitions = syncDefinitions(project, plan2).filter((d) => names.includes(d.name));
        await w.run(deleteFrom(refs.staging));
        await w.run(insertStaging(refs.staging, stagingQuery(plan2, definitions)));
        // the same change set and delta writes as a run, against whatever the damaged snapshot holds
        const changes = stateTable(schema, 'changes');
        await w.run(deleteFrom(changes));
        await w.run(changeSetInsert(refs, changes, definitions));
        await w.refreshStatistics(changes);
        await keepChangedEntities(w, schema, changes, definitions.map((d) => d.name));
        for (const statement of replaceSnapshots(refs, changes, stateTable(schema, 'snapshot_runs'), definitions, { runId, asOf, now, namespace: '', spaceId: '' })) await w.run(statement);
        await w.run(deleteFrom(changes));
        const counts = await stagedCounts(w, refs.staging, definitions);
        await w.run(deleteFrom(refs.staging));
        for (const d of definitions) records.push({ definition: d.name, runId, asOf, generation: generation(d.name), rowCount: counts.get(d.name)!.rows, userCount: counts.get(d.name)!.users });
      }
      if (plan.forget.length > 0) {
        await keepDefinitions(w, schema, plan.forget);
        await w.run(deleteFrom(refs.snapshots, inList(col('definition'), plan.forget)));
        await w.run(deleteFrom(refs.snapshotUsers, inList(col('definition'), plan.forget)));
        for (const name of plan.forget) records.push({ definition: name, runId, asOf: now, generation: generation(name), rowCount: 0, userCount: 0 });
      }
      if (plan.diagnosis.problems.some((p) => p.table === 'outbox_heads')) await deleteHeadless(w, schema);
      await writeSnapshotRecords(w, schema, records);
      const high = await outboxHighWater(tx, printer, schema);
      await writeMeta(w, schema, { [META.formatVersion]: String(STATE_FORMAT_VERSION), [META.outboxSequence]: high === null ? null : String(high), [META.lastRun]: runId });
      await recordRepair(w, schema, { runId, now, from: plan.from, records, problems: plan.diagnosis.problems });
    });
  } finally {
    await lock.release().catch(() => undefined);
  }
  return (await diagnoseState(connection, schema)).problems;
}
