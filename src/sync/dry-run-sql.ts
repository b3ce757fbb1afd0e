// A dry run (SPEC §7, `quorum run --dry-run`): the same diff over CTEs, nothing written. The
// compiled statement's staging rows become a CTE, and stand-ins replace the state tables when they
// do not exist yet.
import { col, NO_ROWS, select, str, subquery, union, withCtes, type CommonTableExpression, type Query, type TableRef } from '../sql/ast.js';
import type { Transition } from './calls.js';
import type { StateRefs } from './state-sql.js';
import { nullOf, type SyncDefinition } from './sync-definition.js';
import { entitiesChanged, entitiesEntered, entitiesExited, type TransitionRows } from './transition-sql.js';

export const DRY_RUN_CTES = { staging: 'quorum:staging', snapshots: 'quorum:snapshots', snapshotUsers: 'quorum:snapshot_users' } as const;

/** Stand-ins for the state tables when they do not exist yet (a dry run before the first run). */
export function emptySnapshotCtes(): CommonTableExpression[] {
  const none = NO_ROWS;
  return [
    {
      name: DRY_RUN_CTES.snapshots,
      comment: 'no previous run',
      query: select({
        columns: [
          { expr: nullOf('string'), alias: 'definition' },
          { expr: nullOf('string'), alias: 'entity_id' },
          { expr: nullOf('string'), alias: 'value' },
        ],
        where: none,
      }),
    },
    {
      name: DRY_RUN_CTES.snapshotUsers,
      comment: 'no previous run',
      query: select({
        columns: [
          { expr: nullOf('string'), alias: 'definition' },
          { expr: nullOf('string'), alias: 'entity_id' },
          { expr: nullOf('string'), alias: 'user_id' },
          { expr: nullOf('integer'), alias: 'position' },
        ],
        where: none,
      }),
    },
  ];
}

/** Up to `limit` changed entities per definition and transition: (definition, transition, entity_id, user_id). */
export function sampleQuery(refs: StateRefs, definitions: readonly SyncDefinition[], limit: number): Query {
  const queries: Query[] = [];
  for (const d of definitions) {
    const choices: [Transition, TransitionRows][] = [
      ['entered', entitiesEntered(refs, d.name)],
      ['exited', entitiesExited(refs, d.name)],
    ];
    if (d.kind === 'trait') choices.push(['changed', entitiesChanged(refs, d.name)]);
    for (const [transition, rows] of choices) {
      const inner = select({
        columns: [
          { expr: str(d.name), alias: 'definition' },
          { expr: str(transition), alias: 'transition' },
          { expr: rows.entity, alias: 'entity_id' },
        ],
        from: rows.from,
        joins: rows.joins,
        where: rows.where,
        orderBy: [{ expr: rows.entity, direction: 'ASC' }],
        limit,
      });
      queries.push(select({ columns: ['definition', 'transition', 'entity_id'].map((name) => ({ expr: col(name, 'x'), alias: name })), from: subquery(inner, 'x') }));
    }
  }
  return queries.length === 1 ? queries[0] : union(queries);
}

/** The dry run's statement: the compiled WITH plus staging (and stand-ins) as CTEs, then `body`. */
export function dryRunQuery(staging: Query, snapshotsExist: boolean, body: Query): Query {
  if (staging.kind !== 'with') throw new Error('staging query is a WITH statement');
  const ctes: CommonTableExpression[] = [...staging.ctes, { name: DRY_RUN_CTES.staging, comment: 'quorum run --dry-run: the new result', query: staging.body }];
  if (!snapshotsExist) ctes.push(...emptySnapshotCtes());
  return withCtes(ctes, body);
}

export function dryRunRefs(schema: string, snapshotsExist: boolean): StateRefs {
  const staging: TableRef = { schema: null, name: DRY_RUN_CTES.staging };
  if (!snapshotsExist) return { staging, snapshots: { schema: null, name: DRY_RUN_CTES.snapshots }, snapshotUsers: { schema: null, name: DRY_RUN_CTES.snapshotUsers } };
  return { staging, snapshots: { schema, name: 'snapshots' }, snapshotUsers: { schema, name: 'snapshot_users' } };
}
