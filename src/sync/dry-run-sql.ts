// A dry run (SPEC §7, `quorum run --dry-run`): the same diff over CTEs, nothing written. The
// compiled statement's staging rows become a CTE, and stand-ins replace the state tables when they
// do not exist yet.
import {
  aggregate,
  and,
  bin,
  caseWhen,
  coalesce,
  col,
  concat,
  COUNT,
  isNull,
  join,
  NO_ROWS,
  not,
  num,
  or,
  rowNumber,
  select,
  str,
  subquery,
  union,
  windowSum,
  withCtes,
  type CommonTableExpression,
  type Expr,
  type Query,
  type TableRef,
} from '../sql/ast.js';
import type { Transition } from './calls.js';
import { from, inList, type StateRefs } from './state-sql.js';
import { nullOf, type SyncDefinition } from './sync-definition.js';
import { readCounts, valuesDiffer, type DefinitionCounts } from './transition-sql.js';

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

/** What happened to an entity between the snapshot and the new result; `same` stays as it was. */
type EntityKind = Transition | 'same';
const SAMPLED: readonly Transition[] = ['entered', 'exited', 'changed'];
/** The counts (transition-sql.ts's measures) that an entity of each kind adds one to. */
const MEASURES: Readonly<Record<EntityKind, readonly (keyof DefinitionCounts)[]>> = {
  entered: ['size', 'entered'],
  exited: ['previous', 'exited'],
  changed: ['size', 'previous', 'changed'],
  same: ['size', 'previous'],
};

/**
 * The dry run's diff in one query that reads staging once: every definition's counts and up to
 * `limit` changed entities per definition and transition, the first by entity_id. Staging is the
 * whole evaluation, and BigQuery evaluates a CTE again at each reference (it materialises only
 * recursive ones), so the joins per transition of transition-sql.ts, which each read staging,
 * would evaluate every definition once per join there.
 *
 * Staging's rows and the previous snapshot's meet in one FULL OUTER JOIN by key, the users of an
 * account audience beside its entities; grouped by entity, each is entered, exited, changed or the
 * same; then one row per sampled entity and one per (definition, kind) otherwise, each carrying its
 * partition's total, of which the first `limit` (at least one) are kept. Rows:
 * (definition, transition, entity_id, total, users, rn); see readDryRunDiff.
 */
export function dryRunDiffQuery(refs: StateRefs, definitions: readonly SyncDefinition[], limit: number): Query {
  const names = definitions.map((d) => d.name);
  const traits = definitions.filter((d) => d.kind === 'trait').map((d) => d.name);
  const accountAudiences = definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name);
  // '' for an entity's own row, and a text no user id can make equal to it for a user's row, so that
  // one equality (which a FULL OUTER JOIN needs on Postgres) matches both kinds of row.
  const userKey = (alias: string) => caseWhen([{ when: isNull(col('user_id', alias)), then: str('') }], concat(str('user:'), col('user_id', alias)));
  const keyed = (ref: TableRef, alias: string, where: Expr, value: Expr, key: Expr) =>
    select({
      columns: [
        { expr: col('definition', alias), alias: 'definition' },
        { expr: col('entity_id', alias), alias: 'entity_id' },
        { expr: key, alias: 'user_key' },
        { expr: value, alias: 'value' },
      ],
      from: from(ref, alias),
      where,
    });
  // The account audiences' users only (an account trait stages its earliest member too, which no count reads).
  const stagedUsers = accountAudiences.length === 0 ? isNull(col('user_id', 's')) : or(isNull(col('user_id', 's')), inList(col('definition', 's'), accountAudiences));
  const staged = keyed(refs.staging, 's', and(inList(col('definition', 's'), names), stagedUsers), col('value', 's'), userKey('s'));
  const previousEntities = keyed(refs.snapshots, 'p', inList(col('definition', 'p'), names), col('value', 'p'), str(''));
  const previous =
    accountAudiences.length === 0
      ? previousEntities
      : union([previousEntities, keyed(refs.snapshotUsers, 'p', inList(col('definition', 'p'), accountAudiences), nullOf('string'), userKey('p'))]);

  const entityRow = (alias: string) => bin('=', col('user_key', alias), str(''));
  const userRow = (alias: string) => bin('<>', col('user_key', alias), str(''));
  const absent = (alias: string) => isNull(col('user_key', alias));
  const either = (c: string) => coalesce(col(c, 's'), col(c, 'p'));
  // COUNT(CASE ...) rather than a filtered COUNT(*), which each printer writes its own way (COUNTIF
  // on BigQuery): these conditions are NULL on the side the join made up, and some of those forms
  // give NULL, not 0, when no row of a group meets them (DuckDB's COUNT_IF, which the translation
  // tests run BigQuery's COUNTIF as).
  const countWhere = (condition: Expr) => aggregate('count', caseWhen([{ when: condition, then: num(1) }]));
  const perEntity = select({
    columns: [
      { expr: either('definition'), alias: 'definition' },
      { expr: either('entity_id'), alias: 'entity_id' },
      { expr: countWhere(entityRow('p')), alias: 'before' },
      { expr: countWhere(entityRow('s')), alias: 'after' },
      { expr: countWhere(and(entityRow('s'), entityRow('p'), inList(col('definition', 's'), traits), valuesDiffer(col('value', 's'), col('value', 'p')))), alias: 'differs' },
      { expr: countWhere(and(userRow('s'), absent('p'))), alias: 'users_in' },
      { expr: countWhere(and(userRow('p'), absent('s'))), alias: 'users_out' },
    ],
    from: subquery(staged, 's'),
    joins: [join('FULL', subquery(previous, 'p'), and(...['definition', 'entity_id', 'user_key'].map((c) => bin('=', col(c, 's'), col(c, 'p')))))],
    groupBy: [either('definition'), either('entity_id')],
  });

  const was = bin('>', col('before', 'e'), num(0));
  const is = bin('>', col('after', 'e'), num(0));
  const kind = caseWhen([
    { when: and(is, not(was)), then: str('entered') },
    { when: and(was, not(is)), then: str('exited') },
    { when: bin('>', col('differs', 'e'), num(0)), then: str('changed') },
    { when: is, then: str('same') },
  ]);
  // A user joining or leaving an account that stays in the audience changes it (countsQuery's measure).
  const usersChanged = bin('+', caseWhen([{ when: was, then: col('users_in', 'e') }], num(0)), caseWhen([{ when: is, then: col('users_out', 'e') }], num(0)));
  const labelled = select({
    columns: [
      { expr: col('definition', 'e'), alias: 'definition' },
      { expr: kind, alias: 'transition' },
      { expr: col('entity_id', 'e'), alias: 'entity_id' },
      { expr: usersChanged, alias: 'users' },
    ],
    from: subquery(perEntity, 'e'),
  });

  // Unchanged entities collapse into one row per definition: only changed ones are ranked.
  const sampleId = caseWhen([{ when: inList(col('transition', 'k'), SAMPLED), then: col('entity_id', 'k') }]);
  const grouped = select({
    columns: [
      { expr: col('definition', 'k'), alias: 'definition' },
      { expr: col('transition', 'k'), alias: 'transition' },
      { expr: sampleId, alias: 'entity_id' },
      { expr: COUNT, alias: 'n' },
      { expr: aggregate('sum', col('users', 'k')), alias: 'users' },
    ],
    from: subquery(labelled, 'k'),
    groupBy: [col('definition', 'k'), col('transition', 'k'), sampleId],
  });
  const partition = [col('definition', 'g'), col('transition', 'g')];
  const ranked = select({
    columns: [
      { expr: col('definition', 'g'), alias: 'definition' },
      { expr: col('transition', 'g'), alias: 'transition' },
      { expr: col('entity_id', 'g'), alias: 'entity_id' },
      { expr: windowSum(col('n', 'g'), partition), alias: 'total' },
      { expr: windowSum(col('users', 'g'), partition), alias: 'users' },
      // The sample: the first entities in the warehouse's order of entity_id, the same on every dry run.
      { expr: rowNumber(partition, [{ expr: col('entity_id', 'g'), direction: 'ASC' }]), alias: 'rn' },
    ],
    from: subquery(grouped, 'g'),
  });
  const columns = ['definition', 'transition', 'entity_id', 'total', 'users', 'rn'];
  return select({
    columns: columns.map((c) => ({ expr: col(c, 'r'), alias: c })),
    from: subquery(ranked, 'r'),
    where: bin('<=', col('rn', 'r'), num(Math.max(1, limit))),
    orderBy: ['definition', 'transition', 'rn'].map((c) => ({ expr: col(c, 'r'), direction: 'ASC' as const })),
  });
}

export type DryRunSample = Record<Transition, string[]>;

/** dryRunDiffQuery's rows as the counts of each definition (as readCounts gives them) and its sample. */
export function readDryRunDiff(
  rows: readonly Record<string, unknown>[],
  definitions: readonly SyncDefinition[],
  limit: number,
): { counts: Map<string, DefinitionCounts>; samples: Map<string, DryRunSample> } {
  const measures: Record<string, unknown>[] = [];
  const samples = new Map<string, DryRunSample>(definitions.map((d) => [d.name, { entered: [], exited: [], changed: [] }]));
  for (const row of rows) {
    const definition = String(row.definition);
    const kind = row.transition === null ? null : (String(row.transition) as EntityKind);
    const rank = Number(row.rn);
    // Each partition's first row carries its totals; the others only its sample.
    if (rank === 1) {
      for (const measure of kind === null ? [] : MEASURES[kind]) measures.push({ definition, measure, n: row.total });
      measures.push({ definition, measure: 'changed', n: row.users });
    }
    if (kind !== null && kind !== 'same' && rank <= limit) samples.get(definition)?.[kind].push(String(row.entity_id));
  }
  return { counts: readCounts(measures, definitions), samples };
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
