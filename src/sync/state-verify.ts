// `quorum state verify` (SPEC §6.1 "Verification"): every committed snapshot recomputed by a full
// evaluation at the as_of it was committed at, and compared with what the state holds, inside the
// warehouse: the same staging and change set as a run, in a transaction that writes only the two
// scratch tables and empties them again. Every difference is drift (an entity that would enter,
// exit or change, a user of an account audience that would join, leave or move); nothing is
// delivered and no snapshot changes. The result is recorded in `verifications`.
//
// Drift is zero unless source rows were deleted or rewritten (docs/operating.md "Drift").
import type { Project } from '../definitions/model.js';
import { planFor } from '../evaluation/evaluate.js';
import { aggregate, bin, cast, col, COUNT, deleteFrom, insertInto, NULL, num, select, str, tableOf, ts, type Query } from '../sql/ast.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { Statements, WarehouseConnection } from '../warehouse/connection.js';
import { secrets } from '../secrets/secret-redactor.js';
import { changeSetInsert } from './change-set-sql.js';
import { insertStaging, stagingQuery, type SyncDefinition } from './diff-sql.js';
import { readOnlyInputs } from './read-only-inputs.js';
import { syncDefinitions } from './run-definitions.js';
import { readSnapshotRecords } from './snapshot-records.js';
import { META } from './state-format.js';
import { ensureSessionScratchTables, StateWriter, stateRefs, stateTable, toIso, toNumber } from './state-sql.js';

/** How many entity ids a drifted definition names. */
export const DRIFT_SAMPLE = 5;

export interface DefinitionDrift {
  readonly name: string;
  readonly as_of: string;
  /** entities the recomputation has and the snapshot lacks, the reverse, and with another value */
  readonly entered: number;
  readonly exited: number;
  readonly changed: number;
  /** users of an account audience's accounts that joined, left or moved */
  readonly users: number;
  /** distinct drifted entities */
  readonly entities: number;
  readonly sample: readonly string[];
}

export interface Verification {
  readonly verification_id: string;
  /** the last committed run (meta), whose state was verified */
  readonly run_id: string | null;
  readonly as_of: string | null;
  readonly started_at: string;
  readonly finished_at: string;
  readonly status: 'clean' | 'drift';
  readonly definitions: number;
  readonly drifted_definitions: number;
  readonly drifted_entities: number;
  /** the definitions with drift */
  readonly drift: readonly DefinitionDrift[];
  /** committed snapshots of definitions no longer in the project: they cannot be recomputed */
  readonly skipped: readonly string[];
}

export interface VerifySession {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
}

/** Verifies every committed snapshot; the caller holds the run lock. */
export async function verifyState(session: VerifySession, verificationId: string, now: () => Date = () => new Date()): Promise<Verification> {
  const { connection, project } = session;
  const schema = project.config.stateSchema;
  const printer = connection.dialect.printer;
  const startedAt = now().toISOString();
  const records = await readSnapshotRecords(connection, printer, schema);
  const lastRun = await connection.query(printer.print(select({ columns: [{ expr: col('value'), alias: 'value' }], from: tableOf(stateTable(schema, 'meta')), where: bin('=', col('key'), str(META.lastRun)) })));
  const inProject = new Set(project.definitions.map((d) => d.name));
  const byAsOf = new Map<string, string[]>();
  const skipped: string[] = [];
  for (const record of [...records.values()].sort((a, b) => a.definition.localeCompare(b.definition))) {
    if (!inProject.has(record.definition) || record.asOf === null) skipped.push(record.definition);
    else byAsOf.set(record.asOf, [...(byAsOf.get(record.asOf) ?? []), record.definition]);
  }
  const drift: DefinitionDrift[] = [];
  let verified = 0;
  for (const [asOf, names] of [...byAsOf].sort(([a], [b]) => a.localeCompare(b))) {
    const plan = planFor({ project, catalog: session.catalog, asOf, targets: names });
    const definitions = syncDefinitions(project, plan).filter((d) => names.includes(d.name));
    verified += definitions.length;
    const sandboxed = connection.transactionAfterReadOnly ? readOnlyInputs(plan, session.catalog, printer) : { inputs: [], plan };
    const work = (tx: Statements) => compare(new StateWriter(printer, tx), schema, sandboxed.plan, definitions, asOf);
    drift.push(...(sandboxed.inputs.length > 0 && connection.transactionAfterReadOnly ? await connection.transactionAfterReadOnly(sandboxed.inputs, work) : await connection.transaction(work)));
  }
  const verification: Verification = {
    verification_id: verificationId,
    run_id: lastRun.length > 0 ? String(lastRun[0].value) : null,
    as_of: [...byAsOf.keys()].sort().at(-1) ?? null,
    started_at: startedAt,
    finished_at: now().toISOString(),
    status: drift.length > 0 ? 'drift' : 'clean',
    definitions: verified,
    drifted_definitions: drift.length,
    drifted_entities: drift.reduce((n, d) => n + d.entities, 0),
    drift,
    skipped,
  };
  await recordVerification(new StateWriter(printer, connection), schema, verification);
  return verification;
}

/** Staging at as_of, the change set against the snapshots, its counts and samples; both scratch tables emptied again. */
async function compare(w: StateWriter, schema: string, plan: ReturnType<typeof planFor>, definitions: readonly SyncDefinition[], asOf: string): Promise<DefinitionDrift[]> {
  const refs = stateRefs(schema);
  const changes = stateTable(schema, 'changes');
  await ensureSessionScratchTables(w, schema);
  await w.run(deleteFrom(refs.staging));
  await w.run(deleteFrom(changes));
  await w.run(insertStaging(refs.staging, stagingQuery(plan, definitions)));
  await w.run(changeSetInsert(refs, changes, definitions));
  await w.refreshStatistics(changes);
  const counts = await w.rows(
    select({
      columns: [
        { expr: col('definition'), alias: 'definition' },
        { expr: col('transition'), alias: 'transition' },
        { expr: COUNT, alias: 'n' },
      ],
      from: tableOf(changes),
      groupBy: [col('definition'), col('transition')],
    }),
  );
  const out: DefinitionDrift[] = [];
  for (const d of definitions) {
    const mine = counts.filter((r) => String(r.definition) === d.name);
    if (mine.length === 0) continue;
    const n = (...kinds: string[]) => mine.filter((r) => kinds.includes(String(r.transition))).reduce((s, r) => s + toNumber(r.n), 0);
    const entities = await w.rows(distinctEntities(changes, d.name, null));
    const sample = await w.rows(distinctEntities(changes, d.name, DRIFT_SAMPLE));
    out.push({
      name: d.name,
      as_of: asOf,
      entered: n('entered'),
      exited: n('exited'),
      changed: n('changed'),
      users: n('user_entered', 'user_exited', 'user_moved'),
      entities: toNumber(entities[0]?.n),
      sample: sample.map((r) => String(r.entity_id)),
    });
  }
  await w.run(deleteFrom(refs.staging));
  await w.run(deleteFrom(changes));
  return out;
}

/** The number of distinct drifted entities of a definition (limit null), or the first `limit` of them in order. */
function distinctEntities(changes: { schema: string | null; name: string }, definition: string, limit: number | null): Query {
  const where = bin('=', col('definition'), str(definition));
  if (limit === null) {
    return select({ columns: [{ expr: aggregate('count_distinct', col('entity_id')), alias: 'n' }], from: tableOf(changes), where });
  }
  return select({ columns: [{ expr: col('entity_id'), alias: 'entity_id' }], from: tableOf(changes), where, groupBy: [col('entity_id')], orderBy: [{ expr: col('entity_id'), direction: 'ASC' }], limit });
}

async function recordVerification(w: StateWriter, schema: string, v: Verification): Promise<void> {
  const summary = { drift: v.drift, skipped: v.skipped };
  const values = {
    verification_id: str(v.verification_id),
    run_id: v.run_id === null ? cast(NULL, 'string') : str(v.run_id),
    as_of: v.as_of === null ? cast(NULL, 'timestamp') : ts(v.as_of),
    started_at: ts(v.started_at),
    finished_at: ts(v.finished_at),
    status: str(v.status),
    definitions: cast(num(v.definitions), 'integer'),
    drifted_definitions: cast(num(v.drifted_definitions), 'integer'),
    drifted_entities: cast(num(v.drifted_entities), 'integer'),
    summary: str(JSON.stringify(secrets.redactValue(summary))),
  };
  await w.run(insertInto(stateTable(schema, 'verifications'), Object.keys(values), select({ columns: Object.entries(values).map(([alias, expr]) => ({ expr, alias })) })));
}

/** The verifications recorded, newest first (`history --json`, the report). */
export async function readVerifications(target: Pick<Statements, 'query'>, printer: { print(q: Query): string }, schema: string, limit = 20): Promise<Verification[]> {
  const rows = await target.query(
    printer.print(
      select({
        columns: ['verification_id', 'run_id', 'as_of', 'started_at', 'finished_at', 'status', 'definitions', 'drifted_definitions', 'drifted_entities', 'summary'].map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(schema, 'verifications')),
        orderBy: [{ expr: col('started_at'), direction: 'DESC' }, { expr: col('verification_id'), direction: 'DESC' }],
        limit,
      }),
    ),
  );
  return rows.map((r) => {
    let summary: { drift?: DefinitionDrift[]; skipped?: string[] } = {};
    try {
      summary = JSON.parse(String(r.summary ?? '{}')) as typeof summary;
    } catch {
      summary = {}; // a corrupt summary keeps its counts
    }
    return {
      verification_id: String(r.verification_id),
      run_id: r.run_id === null || r.run_id === undefined ? null : String(r.run_id),
      as_of: toIso(r.as_of),
      started_at: toIso(r.started_at) ?? '',
      finished_at: toIso(r.finished_at) ?? '',
      status: String(r.status) === 'drift' ? 'drift' : 'clean',
      definitions: toNumber(r.definitions),
      drifted_definitions: toNumber(r.drifted_definitions),
      drifted_entities: toNumber(r.drifted_entities),
      drift: summary.drift ?? [],
      skipped: summary.skipped ?? [],
    };
  });
}

/** Whether `incremental.verify_every` asks for a verification now: none yet, or the last one older than that. */
export async function verificationDue(target: Pick<Statements, 'query'>, printer: { print(q: Query): string }, schema: string, everySeconds: number | null, now: Date): Promise<boolean> {
  if (everySeconds === null) return false;
  const rows = await target.query(printer.print(select({ columns: [{ expr: aggregate('max', col('started_at')), alias: 'last' }], from: tableOf(stateTable(schema, 'verifications')) })));
  const last = toIso(rows[0]?.last);
  return last === null || now.getTime() - Date.parse(last) > everySeconds * 1000;
}


