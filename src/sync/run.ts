// `quorum run` (SPEC §6): evaluate inside the warehouse, diff against the previous snapshot inside
// the warehouse, write the changes to the outbox and replace the snapshot in one transaction, then
// deliver. Undelivered calls of earlier runs go out first, with their original messageIds.
//
//   lock ─ record run ─ deliver leftovers ─┬─ BEGIN ─ staging ─ changes ─ counts ─ guardrail ─ outbox ─ snapshots ─ COMMIT ─┬─ deliver ─ finish ─ unlock
//                                          └────────────────────────────── (dry run: the same SQL over CTEs, read only) ────┘
import { randomBytes } from 'node:crypto';
import type { Definition, Project } from '../definitions/model.js';
import { failure } from '../diagnostics/diagnostic.js';
import type { Destination, DestinationOptions } from '../destinations/destination.js';
import { openDestination } from '../destinations/open-destination.js';
import { planFor } from '../evaluation/evaluate.js';
import type { Plan } from '../plan/plan.js';
import { aggregate, and, bin, cast, col, countAll, deleteFrom, insertInto, isNull, NULL, num, select, str, tableOf, ts, update, type Query } from '../sql/ast.js';
import type { Catalog } from '../warehouse/catalog.js';
import { readRows, type Statements, type WarehouseConnection } from '../warehouse/connection.js';
import { secrets } from '../secrets/secret-redactor.js';
import { readOnlyInputs } from './read-only-inputs.js';
import { computationId } from './calls.js';
import { crashPoint, crashSoon } from './crash.js';
import { deliverOutbox, type DeliveryReport } from './deliver.js';
import { changeSetCountsQuery, changeSetInsert, changeSetTransitions } from './change-set-sql.js';
import {
  countsQuery,
  dryRunQuery,
  dryRunRefs,
  insertStaging,
  outboxInserts,
  readCounts,
  replaceSnapshots,
  sampleQuery,
  stagingQuery,
  type DefinitionCounts,
  type ResolvedTarget,
  type RunStamp,
  type SyncDefinition,
} from './diff-sql.js';
import { acquireLock, type LockHandle } from './lock.js';
import { pruneOutbox } from './prune.js';
import { nextGenerations, readSnapshotRecords, recordSnapshots } from './snapshot-records.js';
import { checkConsistency } from './state-check.js';
import { inspectShape, stateDamaged } from './state-format.js';
import { guardState, openState } from './state-guard.js';
import { StateWriter, stateRefs, stateTable, stateTablesExist, toNumber } from './state-sql.js';

export interface RunRequest {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
  /** Definition names to evaluate (see selectDefinitions). */
  readonly definitions: readonly string[];
  readonly dryRun?: boolean;
  readonly allowMassExit?: boolean;
  /** Destinations by name; default: opened from quorum.yml. */
  readonly destinations?: ReadonlyMap<string, Destination>;
  readonly destinationOptions?: DestinationOptions;
  readonly lockTtlSeconds?: number;
  readonly runId?: string;
  /** Progress lines (the CLI shows them on an interactive terminal only). */
  readonly log?: (line: string) => void;
  /** Dry run: changed entities listed per definition and transition. */
  readonly sampleSize?: number;
  /** Called as each stage begins (the previous one ends there), for stage timings in the logs. */
  readonly onStage?: (stage: RunStage, detail?: string) => void;
}

export type RunStage = 'compile' | 'execute' | 'diff' | 'deliver';

export interface DefinitionSummary {
  readonly name: string;
  readonly size: number;
  readonly entered: number;
  readonly exited: number;
  readonly changed: number;
  /** blocked: the max_exit_fraction guardrail kept the old snapshot and delivered nothing */
  readonly status: 'ok' | 'blocked';
  readonly message?: string;
  /** dry run only: some of the entities that would enter / exit / change */
  readonly sample?: { entered: string[]; exited: string[]; changed: string[] };
}

/** SPEC §7's `quorum run --json` shape, plus `status` per definition, `dry_run` and `errors`. */
export interface RunOutput {
  readonly run_id: string;
  readonly as_of: string;
  readonly dry_run: boolean;
  readonly definitions: DefinitionSummary[];
  readonly delivered: Record<string, number>;
  readonly failed: Record<string, number>;
  readonly errors: string[];
}

export function newRunId(now = new Date()): string {
  return `r${now.toISOString().replace(/[-:.]/g, '').replace('T', 't').toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

export function lockTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.QUORUM_LOCK_TTL_SECONDS);
  return Number.isFinite(value) && value > 0 ? value : 900;
}

function resolveTargets(project: Project, definition: Definition): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (const target of definition.sync) {
    const config = project.config.destinations[target.to];
    if (!config) continue; // `quorum validate` reports it; nothing to send it to
    out.push({
      destination: target.to,
      calls: target.calls,
      trackEvents: target.trackEvents,
      groupIdentity: config.type === 'segment' ? config.groupIdentity : 'anonymous',
    });
  }
  return out;
}

export function syncDefinitions(project: Project, plan: Plan): SyncDefinition[] {
  const byName = new Map(project.definitions.map((d) => [d.name, d]));
  const out: SyncDefinition[] = [];
  for (const output of plan.outputs) {
    const d = byName.get(output.name);
    if (!d) continue;
    out.push({
      name: d.name,
      kind: d.kind === 'audience' ? 'audience' : 'trait',
      level: d.level,
      multiColumn: output.kind === 'trait' && output.columns.length > 1,
      computationId: computationId(d),
      targets: resolveTargets(project, d),
    });
  }
  return out;
}

function guardrail(project: Project, d: SyncDefinition, counts: DefinitionCounts, allow: boolean): string | null {
  if (d.kind !== 'audience' || allow || counts.previous === 0) return null;
  const definition = project.definitions.find((x) => x.name === d.name);
  const limit = (definition?.kind === 'audience' ? definition.maxExitFraction : null) ?? project.config.maxExitFraction;
  const fraction = counts.exited / counts.previous;
  if (fraction <= limit) return null;
  return (
    `audience "${d.name}" would lose ${counts.exited} of its ${counts.previous} members (${(fraction * 100).toFixed(1)}%), ` +
    `more than max_exit_fraction ${limit}; nothing was delivered for it and its previous snapshot is kept`
  );
}

export async function run(request: RunRequest): Promise<RunOutput> {
  const { connection, project } = request;
  const now = new Date();
  const runId = request.runId ?? newRunId(now);
  const stamp: RunStamp = {
    runId,
    asOf: new Date(request.asOf).toISOString(),
    now: now.toISOString(),
    namespace: project.config.personas.namespace,
    spaceId: project.config.personas.spaceId,
  };
  request.onStage?.('compile');
  const plan = planFor({ project, catalog: request.catalog, asOf: stamp.asOf, targets: request.definitions });
  const definitions = syncDefinitions(project, plan);
  if (request.dryRun) return dryRun(request, plan, definitions, stamp);

  const schema = project.config.stateSchema;
  const log = request.log ?? (() => undefined);
  const shape = await openState(connection, schema);
  const lock = await acquireLock(connection, schema, runId, { ttlSeconds: request.lockTtlSeconds ?? lockTtlFromEnv() });
  crashPoint('lock-acquired');
  const writer = new StateWriter(connection.dialect.printer, connection);
  const runs = stateTable(schema, 'runs');
  const destinations = request.destinations ?? openAll(project, request.destinationOptions);
  let summaries: DefinitionSummary[] = [];
  try {
    await guardState(connection, schema, shape);
    await writer.run(update(runs, [{ column: 'status', value: str('interrupted') }], and(bin('=', col('status'), str('running')), bin('<>', col('run_id'), str(runId)))));
    await writer.run(insertInto(
      runs,
      ['run_id', 'as_of', 'started_at', 'finished_at', 'status', 'summary'],
      select({
        columns: [
          { expr: str(runId), alias: 'run_id' },
          { expr: ts(stamp.asOf), alias: 'as_of' },
          { expr: ts(stamp.now), alias: 'started_at' },
          { expr: cast(NULL, 'timestamp'), alias: 'finished_at' },
          { expr: str('running'), alias: 'status' },
          { expr: cast(NULL, 'string'), alias: 'summary' },
        ],
      }),
    ));
    crashPoint('run-recorded');

    request.onStage?.('deliver', 'leftovers');
    log('delivering calls left in the outbox by earlier runs');
    const leftovers = await deliverOutbox({ connection, schema, destinations, lock, log });

    log(`evaluating ${definitions.length} definitions as of ${stamp.asOf}`);
    const sandboxed = connection.transactionAfterReadOnly ? readOnlyInputs(plan, request.catalog, connection.dialect.printer) : { inputs: [], plan };
    const write = async (tx: Statements) => {
      crashPoint('transaction-begun');
      request.onStage?.('execute');
      return writeChanges(new StateWriter(connection.dialect.printer, tx), request, sandboxed.plan, definitions, stamp);
    };
    summaries = sandboxed.inputs.length > 0 && connection.transactionAfterReadOnly
      ? await connection.transactionAfterReadOnly(sandboxed.inputs, write)
      : await connection.transaction(write);
    crashPoint('committed');
    await refreshOutboxStatistics(connection, schema);

    request.onStage?.('deliver');
    log('delivering');
    const fresh = await deliverOutbox({ connection, schema, destinations, lock, log });
    crashPoint('delivered');
    const report = mergeReports(leftovers, fresh);
    await pruneOutbox(writer, schema, project.config.outboxRetentionDays).catch((cause: unknown) => {
      report.errors.push(`the outbox was not pruned: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
    });
    const output: RunOutput = { run_id: runId, as_of: stamp.asOf, dry_run: false, definitions: summaries, ...report };
    const failed = summaries.some((s) => s.status === 'blocked') || Object.values(report.failed).some((n) => n > 0);
    await finishRun(writer, schema, runId, failed ? 'failed' : 'succeeded', output);
    crashPoint('run-finished');
    return output;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    const output: RunOutput = {
      run_id: runId,
      as_of: stamp.asOf,
      dry_run: false,
      definitions: summaries,
      delivered: {},
      failed: {},
      errors: [message],
    };
    await finishRun(writer, schema, runId, 'failed', output).catch(() => undefined);
    throw cause;
  } finally {
    await lock.release().catch(() => undefined);
    if (!request.destinations) for (const d of destinations.values()) await d.close();
  }
}

function openAll(project: Project, options: DestinationOptions | undefined): Map<string, Destination> {
  return new Map(Object.entries(project.config.destinations).map(([name, config]) => [name, openDestination(name, config, options)]));
}

function mergeReports(a: DeliveryReport, b: DeliveryReport): Pick<RunOutput, 'delivered' | 'failed' | 'errors'> {
  const delivered: Record<string, number> = { ...a.delivered };
  for (const [k, v] of Object.entries(b.delivered)) delivered[k] = (delivered[k] ?? 0) + v;
  // The second delivery tries every destination that still has calls waiting, so what it says
  // failed is what is left; a destination that failed first and then caught up is not failed.
  const failed: Record<string, number> = { ...b.failed };
  return { delivered, failed, errors: [...a.errors, ...b.errors] };
}

async function finishRun(writer: StateWriter, schema: string, runId: string, status: string, output: RunOutput): Promise<void> {
  await writer.run(update(
    stateTable(schema, 'runs'),
    [
      { column: 'finished_at', value: ts(new Date().toISOString()) },
      { column: 'status', value: str(status) },
      { column: 'summary', value: str(JSON.stringify(secrets.redactValue(output))) },
    ],
    bin('=', col('run_id'), str(runId)),
  ));
}

/** Everything between BEGIN and COMMIT. */
async function writeChanges(
  w: StateWriter,
  request: RunRequest,
  plan: Plan,
  definitions: readonly SyncDefinition[],
  stamp: RunStamp,
): Promise<DefinitionSummary[]> {
  const schema = request.project.config.stateSchema;
  const refs = stateRefs(schema);
  const outbox = stateTable(schema, 'outbox');
  const changes = stateTable(schema, 'changes');
  await w.run(deleteFrom(refs.staging));
  await w.run(deleteFrom(changes));
  crashSoon('staging');
  await w.run(insertStaging(refs.staging, stagingQuery(plan, definitions)));
  crashPoint('staged');
  await checkDuplicateKeys(w, refs.staging, request.project);
  request.onStage?.('diff');

  await w.run(changeSetInsert(refs, changes, definitions));
  const counts = readCounts(await w.rows(changeSetCountsQuery(refs, changes, definitions)), definitions);
  crashPoint('counted');
  // Each definition's snapshot generation goes into its messageIds (snapshot-records.ts).
  const generations = nextGenerations(await readSnapshotRecords(w, w.printer, schema), definitions);

  const summaries: DefinitionSummary[] = [];
  const passing: SyncDefinition[] = [];
  for (const d of definitions) {
    const c = counts.get(d.name)!;
    const blocked = guardrail(request.project, d, c, request.allowMassExit ?? false);
    summaries.push({
      name: d.name,
      size: blocked ? c.previous : c.size,
      entered: c.entered,
      exited: c.exited,
      changed: c.changed,
      status: blocked ? 'blocked' : 'ok',
      ...(blocked ? { message: blocked } : {}),
    });
    if (blocked) continue;
    passing.push(d);
    for (const insert of outboxInserts(outbox, refs, d, stamp, generations.get(d.name)!, changeSetTransitions(changes))) {
      const max = await w.rows(
        select({
          columns: [{ expr: aggregate('max', col('sequence')), alias: 'n' }],
          from: tableOf(outbox),
        }),
      );
      await w.run(insert.build(toNumber(max[0]?.n)));
      crashPoint('outbox-written');
    }
  }
  const replace = replaceSnapshots(refs, changes, stateTable(schema, 'snapshot_runs'), passing, stamp);
  for (const [i, statement] of replace.entries()) {
    await w.run(statement);
    if (i === 0) crashPoint('snapshots-deleted');
  }
  await recordSnapshots(w, w, schema, passing, stamp, generations);
  crashPoint('snapshots-written');
  await w.run(deleteFrom(refs.staging));
  await w.run(deleteFrom(changes));
  crashPoint('staging-cleared');
  // The run row says what this transaction wrote, so `quorum history` is right even if the
  // process dies before it finishes delivering.
  const partial: RunOutput = {
    run_id: stamp.runId,
    as_of: stamp.asOf,
    dry_run: false,
    definitions: summaries,
    delivered: {},
    failed: {},
    errors: [],
  };
  await w.run(update(stateTable(schema, 'runs'), [{ column: 'summary', value: str(JSON.stringify(secrets.redactValue(partial))) }], bin('=', col('run_id'), str(stamp.runId))));
  crashPoint('run-summarised');
  return summaries;
}

/**
 * The delivery reads the outbox a page at a time in sequence order. Just after a large outbox was
 * written, a warehouse whose planner works from statistics (Postgres) may not know its size yet and
 * pick a scan and sort of every pending call per page; the printer says how to refresh them, if
 * at all. A failure only costs speed.
 */
async function refreshOutboxStatistics(connection: WarehouseConnection, schema: string): Promise<void> {
  const outbox = stateTable(schema, 'outbox');
  const sql = connection.dialect.printer.refreshStatistics({ schema, name: outbox.name });
  if (sql !== null) await connection.execute(sql).catch(() => undefined);
}

/** A SQL trait that gives one key two values (docs/semantics.md): an error naming the key. */
async function checkDuplicateKeys(w: StateWriter, staging: { schema: string | null; name: string }, project: Project): Promise<void> {
  const rows = await w.rows(
    select({
      columns: [
        { expr: col('definition', 's'), alias: 'definition' },
        { expr: col('entity_id', 's'), alias: 'entity_id' },
      ],
      from: tableOf(staging, 's'),
      where: isNull(col('user_id', 's')),
      groupBy: [col('definition', 's'), col('entity_id', 's')],
      having: bin('>', countAll(), num(1)),
      limit: 1,
    }),
  );
  if (rows.length === 0) return;
  const definition = project.definitions.find((d) => d.name === String(rows[0].definition));
  const key = definition?.level === 'account' ? 'group_id' : 'user_id';
  throw failure('duplicate_key', { trait: String(rows[0].definition), key, value: rows[0].entity_id }, definition?.loc ?? null);
}

async function dryRun(request: RunRequest, plan: Plan, definitions: readonly SyncDefinition[], stamp: RunStamp): Promise<RunOutput> {
  const { connection, project } = request;
  const schema = project.config.stateSchema;
  const exists = await stateTablesExist(connection, schema);
  if (exists) await checkReadOnly(connection, schema);
  const staging = stagingQuery(plan, definitions);
  const refs = dryRunRefs(schema, exists);
  const printer = connection.dialect.printer;
  const read = async (body: Query) => readRows(connection, printer.print(dryRunQuery(staging, exists, body)));
  const counts = readCounts(await read(countsQuery(refs, definitions)), definitions);
  const samples = new Map<string, { entered: string[]; exited: string[]; changed: string[] }>(
    definitions.map((d) => [d.name, { entered: [], exited: [], changed: [] }]),
  );
  if (definitions.length > 0) {
    for (const row of await read(sampleQuery(refs, definitions, request.sampleSize ?? 10))) {
      const entry = samples.get(String(row.definition));
      const transition = String(row.transition) as 'entered' | 'exited' | 'changed';
      entry?.[transition].push(String(row.entity_id));
    }
  }
  const summaries: DefinitionSummary[] = definitions.map((d) => {
    const c = counts.get(d.name)!;
    const blocked = guardrail(project, d, c, request.allowMassExit ?? false);
    return {
      name: d.name,
      size: c.size,
      entered: c.entered,
      exited: c.exited,
      changed: c.changed,
      status: blocked ? 'blocked' : 'ok',
      ...(blocked
        ? {
            message: blocked.replace(
              'nothing was delivered for it and its previous snapshot is kept',
              'a real run would deliver nothing for it and keep its previous snapshot',
            ),
          }
        : {}),
      sample: samples.get(d.name),
    };
  });
  const errors: string[] = [];
  if (exists) {
    const waiting = await connection.query(
      printer.print(
        select({
          columns: [{ expr: countAll(), alias: 'n' }],
          from: tableOf(stateTable(schema, 'outbox')),
          where: and(isNull(col('delivered_at')), isNull(col('rejected_at'))),
        }),
      ),
    );
    const n = toNumber(waiting[0]?.n);
    if (n > 0) errors.push(`${n} calls of earlier runs wait in the outbox; a real run delivers them first`);
  }
  return { run_id: stamp.runId, as_of: stamp.asOf, dry_run: true, definitions: summaries, delivered: {}, failed: {}, errors };
}

/** A dry run writes nothing, so it neither creates nor upgrades the state; it still refuses a damaged one. */
async function checkReadOnly(connection: WarehouseConnection, schema: string): Promise<void> {
  const shape = await inspectShape(connection, schema);
  if (shape.kind === 'damaged') throw stateDamaged(schema, shape.problems);
  if (shape.kind !== 'current') return;
  const report = await checkConsistency(connection, connection.dialect.printer, schema);
  if (report.problems.length > 0) throw stateDamaged(schema, report.problems);
}

export type { LockHandle };
