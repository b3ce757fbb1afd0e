// A run's diff, computed once (SPEC §6): every entered, exited and changed entity, and every user
// who entered or left an account audience's account, written to the `changes` table by one
// statement built from diff-sql.ts's transition rows. The counts, the outbox inserts (one per
// destination, call type and transition) and the snapshot writes then read this small table
// instead of joining staging to the snapshots again each: at SF 1, twelve outbox inserts of a run
// that changed 3,000 of 200,000 rows took 150-300 ms each, almost all of it the join.
//
// A dry run writes nothing, so it keeps the joins (diff-sql.ts's joinedTransitions).
import { and, bin, col, COUNT, insertInto, isNull, join, select, str, subquery, union, type Expr, type Query, type Select, type Statement, type TableRef } from '../sql/ast.js';
import { nullOf, type SyncDefinition } from './sync-definition.js';
import {
  entitiesChanged,
  entitiesEntered,
  entitiesExited,
  ofDefinition,
  usersEntered,
  usersExited,
  type TransitionRows,
  type TransitionSource,
  type Which,
} from './transition-sql.js';
import { from, inList, type StateRefs } from './state-sql.js';

/** user_moved: a user who stays in an account of the audience at a new position (snapshot writes only). */
export type ChangeKind = 'entered' | 'exited' | 'changed' | 'user_entered' | 'user_exited' | 'user_moved';

function groups(definitions: readonly SyncDefinition[]) {
  return {
    names: definitions.map((d) => d.name),
    traits: definitions.filter((d) => d.kind === 'trait').map((d) => d.name),
    accountAudiences: definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name),
  };
}

/** (definition, transition, entity_id, user_id, value, position) of some transition rows, labelled. */
export function transitionSelect(label: string, rows: TransitionRows, position: Expr = nullOf('integer')): Select {
  return select({
    columns: [
      { expr: rows.definitionColumn, alias: 'definition' },
      { expr: str(label), alias: 'transition' },
      { expr: rows.entity, alias: 'entity_id' },
      { expr: rows.user ?? nullOf('string'), alias: 'user_id' },
      { expr: rows.value ?? nullOf('string'), alias: 'value' },
      { expr: position, alias: 'position' },
    ],
    from: rows.from,
    joins: rows.joins,
    where: rows.where,
  });
}

/** INSERT INTO changes: the transition rows of every definition, in one statement. */
export function changeSetInsert(refs: StateRefs, changes: TableRef, definitions: readonly SyncDefinition[]): Statement {
  const { names, traits, accountAudiences } = groups(definitions);
  const rowsOf = (kind: ChangeKind, rows: TransitionRows, position?: Expr): Select => transitionSelect(kind, rows, position);
  const queries: Query[] = [rowsOf('entered', entitiesEntered(refs, names)), rowsOf('exited', entitiesExited(refs, names))];
  if (traits.length > 0) queries.push(rowsOf('changed', entitiesChanged(refs, traits)));
  if (accountAudiences.length > 0) {
    // usersEntered reads staging as `s`: its position is the user's in the new result.
    queries.push(
      rowsOf('user_entered', usersEntered(refs, accountAudiences), col('position', 's')),
      rowsOf('user_exited', usersExited(refs, accountAudiences)),
      rowsOf('user_moved', usersMoved(refs, accountAudiences), col('position', 's')),
    );
  }
  const columns = ['definition', 'transition', 'entity_id', 'user_id', 'value', 'position'];
  return insertInto(changes, columns, select({ columns: columns.map((c) => ({ expr: col(c, 'r'), alias: c })), from: subquery(union(queries), 'r') }));
}

/** Users in both staging and the previous snapshot of an account, at another position. */
function usersMoved(refs: StateRefs, names: readonly string[]): TransitionRows {
  const same = (c: string) => bin('=', col(c, 'p'), col(c, 's'));
  return {
    from: from(refs.staging, 's'),
    joins: [join('INNER', from(refs.snapshotUsers, 'p'), and(same('definition'), same('entity_id'), same('user_id')))],
    where: and(inList(col('definition', 's'), names), isNull(col('user_id', 's'), true), bin('<>', col('position', 's'), col('position', 'p'))),
    entity: col('entity_id', 's'),
    user: col('user_id', 's'),
    value: null,
    definitionColumn: col('definition', 's'),
  };
}

/** The transition rows, read from the change set. */
export function changeSetTransitions(changes: TableRef): TransitionSource {
  const rows = (kind: ChangeKind, name: Which, withValue: boolean, withUser: boolean): TransitionRows => ({
    from: from(changes, 'c'),
    joins: [],
    where: and(ofDefinition('c', name), bin('=', col('transition', 'c'), str(kind))),
    entity: col('entity_id', 'c'),
    user: withUser ? col('user_id', 'c') : null,
    value: withValue ? col('value', 'c') : null,
    definitionColumn: col('definition', 'c'),
  });
  return {
    entitiesEntered: (name) => rows('entered', name, true, false),
    entitiesExited: (name) => rows('exited', name, false, false),
    entitiesChanged: (name) => rows('changed', name, true, false),
    usersEntered: (name) => rows('user_entered', name, false, true),
    usersExited: (name) => rows('user_exited', name, false, true),
  };
}

/**
 * (definition, measure, n), as diff-sql.ts's countsQuery gives them. An account audience's users
 * who joined or left count as changed when the account stays: a user of the new staging belongs to
 * an account of the new result, and a user of the previous snapshot to one of the previous, so the
 * account stays exactly when it did not enter (or exit).
 */
export function changeSetCountsQuery(refs: StateRefs, changes: TableRef, definitions: readonly SyncDefinition[]): Query {
  const { names, accountAudiences } = groups(definitions);
  const measure = (label: string, from_: Select['from'], where: Expr, joins: Select['joins'] = []): Select =>
    select({
      columns: [
        { expr: col('definition', 'c'), alias: 'definition' },
        { expr: str(label), alias: 'measure' },
        { expr: COUNT, alias: 'n' },
      ],
      from: from_,
      joins,
      where,
      groupBy: [col('definition', 'c')],
    });
  const kind = (k: ChangeKind) => bin('=', col('transition', 'c'), str(k));
  const queries: Query[] = [
    measure('size', from(refs.staging, 'c'), and(inList(col('definition', 'c'), names), isNull(col('user_id', 'c')))),
    measure('previous', from(refs.snapshots, 'c'), inList(col('definition', 'c'), names)),
    measure('entered', from(changes, 'c'), kind('entered')),
    measure('exited', from(changes, 'c'), kind('exited')),
    measure('changed', from(changes, 'c'), kind('changed')),
  ];
  if (accountAudiences.length > 0) {
    for (const [users, account] of [
      ['user_entered', 'entered'],
      ['user_exited', 'exited'],
    ] as const) {
      queries.push(
        measure('changed', from(changes, 'c'), and(kind(users), isNull(col('entity_id', 'e'))), [
          {
            type: 'LEFT',
            from: from(changes, 'e'),
            on: and(bin('=', col('definition', 'e'), col('definition', 'c')), bin('=', col('entity_id', 'e'), col('entity_id', 'c')), bin('=', col('transition', 'e'), str(account))),
          },
        ]),
      );
    }
  }
  return union(queries);
}
