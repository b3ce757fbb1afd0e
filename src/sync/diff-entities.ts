// `quorum run`'s diff, handing back *who* changed rather than how many: evaluate as of `asOf`
// into staging, read the entered / exited / changed entities with the very queries that
// `quorum run` counts and writes to the outbox (diff-sql.ts), and replace the snapshots, in one
// transaction. No lock, no outbox, no guardrail, no delivery: `quorum test` calls it at each
// time-travel step on its in-memory DuckDB, so that the steps prove the diff that runs in
// production.
//
//   BEGIN ─ staging ─ entities (entered / exited / changed / users joined and left) ─ snapshots ─ COMMIT
import type { Project } from '../definitions/model.js';
import { planFor } from '../evaluation/evaluate.js';
import { and, bin, col, deleteFrom, isNull, join, select, str, union, type Query, type Select } from '../sql/ast.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import {
  entitiesChanged,
  entitiesEntered,
  entitiesExited,
  insertStaging,
  nullOf,
  replaceSnapshots,
  stagingQuery,
  usersEntered,
  usersExited,
  type RunStamp,
  type SyncDefinition,
} from './diff-sql.js';
import { changeSetInsert, transitionSelect } from './change-set-sql.js';
import { newRunId, syncDefinitions } from './run.js';
import { nextGenerations, readSnapshotRecords, recordSnapshots } from './snapshot-records.js';
import { createState } from './state-format.js';
import { ensureSessionScratchTables, from, StateWriter, stateRefs, stateTable } from './state-sql.js';

export interface DiffEntitiesRequest {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
  /** Definition names to evaluate and diff (see selectDefinitions). */
  readonly definitions: readonly string[];
  readonly runId?: string;
}

/** The changes of one definition since its previous snapshot (none: the first run, everything enters). */
export interface EntityChanges {
  readonly kind: SyncDefinition['kind'];
  readonly level: SyncDefinition['level'];
  /** Audiences: new members. Traits: entities that got a value. */
  readonly entered: readonly string[];
  /** Audiences: members no longer in. Traits: entities whose value became null. */
  readonly exited: readonly string[];
  /**
   * Traits: entities whose value changed (both before and after non-null). Account audiences:
   * accounts in both snapshots that users joined or left, which `quorum run` counts as changed
   * and delivers as identify / track calls for those users. User audiences: none.
   */
  readonly changed: readonly string[];
  /** Account audiences: per account of `changed`, the users who joined and who left it. */
  readonly users: ReadonlyMap<string, { readonly joined: readonly string[]; readonly left: readonly string[] }>;
}

type Label = 'entered' | 'exited' | 'changed' | 'joined' | 'left';

/**
 * Evaluates `definitions` as of `asOf`, diffs them against their snapshots in the warehouse with
 * `quorum run`'s queries, replaces the snapshots, and returns the changes by definition.
 * Creates the state schema's tables when they do not exist.
 */
export async function diffEntities(request: DiffEntitiesRequest): Promise<Map<string, EntityChanges>> {
  const { connection, project } = request;
  const schema = project.config.stateSchema;
  const stamp: RunStamp = {
    runId: request.runId ?? newRunId(),
    asOf: new Date(request.asOf).toISOString(),
    now: new Date().toISOString(),
    namespace: project.config.personas.namespace,
    spaceId: project.config.personas.spaceId,
  };
  const plan = planFor({ project, catalog: request.catalog, asOf: stamp.asOf, targets: request.definitions });
  const definitions = syncDefinitions(project, plan);
  await createState(connection, schema);
  const refs = stateRefs(schema);
  return connection.transaction(async (tx) => {
    const w = new StateWriter(connection.dialect.printer, tx);
    await ensureSessionScratchTables(w, schema);
    await w.run(deleteFrom(refs.staging));
    await w.run(insertStaging(refs.staging, stagingQuery(plan, definitions)));
    const rows = definitions.length === 0 ? [] : await w.rows(changesQuery(definitions, schema));
    const generations = nextGenerations(await readSnapshotRecords(w, w.printer, schema), definitions);
    const changes = stateTable(schema, 'changes');
    await w.run(deleteFrom(changes));
    await w.run(changeSetInsert(refs, changes, definitions));
    await w.refreshStatistics(changes);
    for (const statement of replaceSnapshots(refs, changes, stateTable(schema, 'snapshot_runs'), definitions, stamp)) await w.run(statement);
    await recordSnapshots(w, w, schema, definitions, stamp, generations); // the state stays consistent for a run after it
    await w.run(deleteFrom(refs.staging));
    await w.run(deleteFrom(changes));
    return readChanges(rows, definitions);
  });
}

/** (definition, transition, entity_id, user_id) of every change, by diff-sql.ts's transition rows. */
function changesQuery(definitions: readonly SyncDefinition[], schema: string): Query {
  const refs = stateRefs(schema);
  const names = definitions.map((d) => d.name);
  const traits = definitions.filter((d) => d.kind === 'trait').map((d) => d.name);
  const accountAudiences = definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name);
  const rowsOf = (label: Label, rows: ReturnType<typeof entitiesEntered>): Select => transitionSelect(label, rows);
  const queries: Query[] = [rowsOf('entered', entitiesEntered(refs, names)), rowsOf('exited', entitiesExited(refs, names))];
  if (traits.length > 0) queries.push(rowsOf('changed', entitiesChanged(refs, traits)));
  if (accountAudiences.length > 0) {
    // Users joining or leaving an account that stays in the audience: the same joins as the
    // `changed` measure of countsQuery (the account is in the previous snapshot / in staging).
    const sameEntity = (a: string, b: string) =>
      and(bin('=', col('definition', a), col('definition', b)), bin('=', col('entity_id', a), col('entity_id', b)));
    const joined = usersEntered(refs, accountAudiences);
    queries.push(
      rowsOf('joined', {
        ...joined,
        joins: [...joined.joins, join('INNER', from(refs.snapshots, 'pe'), sameEntity('pe', 's'))],
      }),
    );
    const left = usersExited(refs, accountAudiences);
    queries.push(
      rowsOf('left', {
        ...left,
        joins: [
          ...left.joins,
          join('INNER', from(refs.staging, 'se'), and(sameEntity('se', 'p'), isNull(col('user_id', 'se')))),
        ],
      }),
    );
  }
  return union(queries);
}

function readChanges(rows: readonly Record<string, unknown>[], definitions: readonly SyncDefinition[]): Map<string, EntityChanges> {
  interface Building {
    entered: string[];
    exited: string[];
    changed: Set<string>;
    users: Map<string, { joined: string[]; left: string[] }>;
  }
  const building = new Map<string, Building>(
    definitions.map((d) => [d.name, { entered: [], exited: [], changed: new Set(), users: new Map() }]),
  );
  for (const row of rows) {
    const entry = building.get(String(row.definition));
    if (!entry) continue;
    const entity = String(row.entity_id);
    const label = String(row.transition) as Label;
    if (label === 'entered' || label === 'exited') entry[label].push(entity);
    else {
      entry.changed.add(entity);
      if (label === 'changed') continue;
      const users = entry.users.get(entity) ?? { joined: [], left: [] };
      users[label].push(String(row.user_id));
      entry.users.set(entity, users);
    }
  }
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  return new Map(
    definitions.map((d) => {
      const b = building.get(d.name)!;
      const users = new Map(
        [...b.users]
          .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))
          .map(([k, v]) => [k, { joined: sorted(v.joined), left: sorted(v.left) }]),
      );
      return [
        d.name,
        { kind: d.kind, level: d.level, entered: sorted(b.entered), exited: sorted(b.exited), changed: sorted(b.changed), users },
      ];
    }),
  );
}
