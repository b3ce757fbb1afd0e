// A run's diff, computed once (SPEC §6): every entered, exited and changed entity, and every user
// who entered or left an account audience's account, written to the `changes` table by one
// statement that joins staging to the snapshots by key (the joins of transition-sql.ts give the
// same rows; the counts' tests use them). The counts, the outbox inserts (one per destination, call
// type and transition) and the snapshot writes then read this small table instead of joining
// staging to the snapshots again each: at SF 1, twelve outbox inserts of a run that changed 3,000
// of 200,000 rows took 150-300 ms each, almost all of it the join.
//
// A dry run writes nothing: it joins by key too, inside its one read-only statement (dry-run-sql.ts).
import { and, bin, caseWhen, coalesce, col, COUNT, insertInto, isNull, join, or, select, str, subquery, union, type Expr, type Query, type Select, type Statement, type TableRef } from '../sql/ast.js';
import { nullOf, type SyncDefinition } from './sync-definition.js';
import { ofDefinition, valuesDiffer, type DefinitionCounts, type TransitionRows, type TransitionSource, type Which } from './transition-sql.js';
import { from, inList, type StateRefs } from './state-sql.js';
import { coveredParts, coveredRows } from './covered-sql.js';
import type { CoveredEntities } from '../incremental/entity-scope.js';

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

/**
 * INSERT INTO changes: the transition rows of every definition, in one statement. Staging and the
 * previous snapshot meet in one FULL OUTER JOIN by key, one pass over each instead of a join per
 * transition: the key is in staging only (entered), in the snapshot only (exited), or in both with
 * another value (changed). The same for an account audience's users, where "changed" is a new
 * position (moved). Stacking the two (UNION ALL) and grouping by key gave the same rows; the hash
 * aggregate over both sides cost more than the join's hash table over one (BENCHMARKS.md, "Diff
 * stage: change set by key").
 */
export function changeSetInsert(
  refs: StateRefs,
  changes: TableRef,
  definitions: readonly SyncDefinition[],
  staged: StagedEntries = NOTHING_STAGED,
  covered: CoveredEntities | null = null,
  coveredAsParts = false,
): Statement {
  // Staged definitions' change set is staging itself (StagedEntries): nothing of theirs is written.
  const compared = groups(definitions.filter((d) => !staged.names.has(d.name)));
  const previous = (names: readonly string[]): readonly Expr[] =>
    covered === null
      ? [inList(col('definition', 'p'), names)]
      : coveredAsParts
        ? coveredParts(covered, names, 'p')
        : [and(inList(col('definition', 'p'), names), coveredRows(covered, 'p'))];
  const queries: Query[] = [];
  if (compared.names.length > 0) queries.push(entityChanges(refs, compared.names, compared.traits, previous(compared.names)));
  if (compared.accountAudiences.length > 0) queries.push(userChanges(refs, compared.accountAudiences, previous(compared.accountAudiences)));
  if (queries.length === 0) queries.push(entityChanges(refs, [], []));
  const columns = ['definition', 'transition', 'entity_id', 'user_id', 'value', 'position'];
  return insertInto(changes, columns, select({ columns: columns.map((c) => ({ expr: col(c, 'r'), alias: c })), from: subquery(union(queries), 'r') }));
}

/** Presence of a side's row: `column` is never null in a row of the side's table. */
const labelled = (present: string, entered: ChangeKind, exited: ChangeKind, changed: ChangeKind): Expr =>
  caseWhen(
    [
      { when: isNull(col(present, 'p')), then: str(entered) },
      { when: isNull(col(present, 's')), then: str(exited) },
    ],
    str(changed),
  );
/** Only in staging, only in the snapshot, or in both and `differ`. */
const transitioned = (present: string, differ: Expr): Expr => or(isNull(col(present, 'p')), isNull(col(present, 's')), differ);

interface Side {
  readonly ref: TableRef;
  /** One condition, or disjoint ones whose rows are stacked (UNION ALL). */
  readonly where: Expr | readonly Expr[];
  readonly columns: readonly string[];
}

/**
 * Staging's rows (s) beside the snapshot's (p) of the same key, in one FULL OUTER JOIN: a key only
 * in staging has p's columns null, one only in the snapshot s's. Each side is filtered inside its
 * own subquery (a filter after the join would drop the other side's lone rows). Both sides hold a
 * key at most once (the snapshots' primary key; staging is the compiled result, one row per key).
 */
function besideByKey(key: readonly string[], staged: Side, previous: Side): Pick<Select, 'from' | 'joins'> {
  const side = (alias: 's' | 'p', { ref, where, columns }: Side) => {
    const rows = (condition: Expr) => select({ columns: [...key, ...columns].map((c) => ({ expr: col(c, alias), alias: c })), from: from(ref, alias), where: condition });
    const parts = Array.isArray(where) ? (where as readonly Expr[]) : [where as Expr];
    return subquery(parts.length === 1 ? rows(parts[0]) : union(parts.map(rows)), alias);
  };
  return {
    from: side('s', staged),
    joins: [join('FULL', side('p', previous), and(...key.map((c) => bin('=', col(c, 's'), col(c, 'p')))))],
  };
}

const eitherSide = (c: string) => coalesce(col(c, 's'), col(c, 'p'));

/** entered / exited / changed entities: (definition, entity_id) of staging's own rows against the snapshots. */
function entityChanges(refs: StateRefs, names: readonly string[], traits: readonly string[], previous: readonly Expr[] = [inList(col('definition', 'p'), names)]): Select {
  const sides = besideByKey(
    ['definition', 'entity_id'],
    { ref: refs.staging, where: and(inList(col('definition', 's'), names), isNull(col('user_id', 's'))), columns: ['value'] },
    // Covered definitions (covered-sql.ts): only their covered keys' snapshot rows are compared.
    { ref: refs.snapshots, where: previous, columns: ['value'] },
  );
  return select({
    columns: [
      { expr: eitherSide('definition'), alias: 'definition' },
      { expr: labelled('entity_id', 'entered', 'exited', 'changed'), alias: 'transition' },
      { expr: eitherSide('entity_id'), alias: 'entity_id' },
      { expr: nullOf('string'), alias: 'user_id' },
      { expr: col('value', 's'), alias: 'value' },
      { expr: nullOf('integer'), alias: 'position' },
    ],
    ...sides,
    where: transitioned('entity_id', and(inList(col('definition', 's'), traits), valuesDiffer(col('value', 's'), col('value', 'p')))),
  });
}

/** user_entered / user_exited / user_moved: (definition, account, user) of staging's user rows against snapshot_users. */
function userChanges(refs: StateRefs, names: readonly string[], previous: readonly Expr[]): Select {
  const sides = besideByKey(
    ['definition', 'entity_id', 'user_id'],
    { ref: refs.staging, where: and(inList(col('definition', 's'), names), isNull(col('user_id', 's'), true)), columns: ['position'] },
    // A covered account's users only: the others keep their rows, as their accounts do.
    { ref: refs.snapshotUsers, where: previous, columns: ['position'] },
  );
  return select({
    columns: [
      { expr: eitherSide('definition'), alias: 'definition' },
      { expr: labelled('user_id', 'user_entered', 'user_exited', 'user_moved'), alias: 'transition' },
      { expr: eitherSide('entity_id'), alias: 'entity_id' },
      { expr: eitherSide('user_id'), alias: 'user_id' },
      { expr: nullOf('string'), alias: 'value' },
      { expr: col('position', 's'), alias: 'position' },
    ],
    ...sides,
    where: transitioned('user_id', bin('<>', col('position', 's'), col('position', 'p'))),
  });
}

/**
 * Definitions whose previous snapshot is empty (their first run): their change set is staging
 * itself, every row entered. Nothing of theirs is copied into `changes`; the counts, the outbox and
 * the snapshot writes read staging. On a first run at SF 1 the copy was a third of the diff stage.
 */
export interface StagedEntries {
  readonly staging: TableRef;
  readonly names: ReadonlySet<string>;
}

export const NOTHING_STAGED: StagedEntries = { staging: { schema: null, name: 'staging' }, names: new Set() };

/** Staging's entity rows (users = false) or user rows (true) of `name`: what entered on its first run. */
export function stagedRows(staging: TableRef, name: Which, users: boolean): TransitionRows {
  return {
    from: from(staging, 's'),
    joins: [],
    where: and(ofDefinition('s', name), isNull(col('user_id', 's'), users)),
    entity: col('entity_id', 's'),
    user: users ? col('user_id', 's') : null,
    value: users ? null : col('value', 's'),
    definitionColumn: col('definition', 's'),
  };
}

/** The transition rows, read from the change set (and from staging for `staged`'s definitions). */
export function changeSetTransitions(changes: TableRef, staged: StagedEntries = NOTHING_STAGED): TransitionSource {
  const rows = (kind: ChangeKind, name: Which, withValue: boolean, withUser: boolean): TransitionRows => ({
    from: from(changes, 'c'),
    joins: [],
    where: and(ofDefinition('c', name), bin('=', col('transition', 'c'), str(kind))),
    entity: col('entity_id', 'c'),
    user: withUser ? col('user_id', 'c') : null,
    value: withValue ? col('value', 'c') : null,
    definitionColumn: col('definition', 'c'),
  });
  const entered = (name: Which, users: boolean): TransitionRows => {
    const list = typeof name === 'string' ? [name] : name;
    if (!list.some((n) => staged.names.has(n))) return rows(users ? 'user_entered' : 'entered', name, !users, users);
    // One definition per outbox insert, so a list never mixes the two sources.
    if (typeof name !== 'string') throw new Error('internal error: the entered rows of several definitions, some of them in staging');
    return stagedRows(staged.staging, name, users);
  };
  return {
    entitiesEntered: (name) => entered(name, false),
    entitiesExited: (name) => rows('exited', name, false, false),
    entitiesChanged: (name) => rows('changed', name, true, false),
    usersEntered: (name) => entered(name, true),
    usersExited: (name) => rows('user_exited', name, false, true),
    staged: (name) => staged.names.has(name),
  };
}

/** The counts of `staged`'s definitions: each entered as a whole (its size; nothing before it). */
export function withStagedEntries(counts: ReadonlyMap<string, DefinitionCounts>, staged: StagedEntries): Map<string, DefinitionCounts> {
  const out = new Map(counts);
  for (const name of staged.names) {
    const c = counts.get(name);
    if (c !== undefined) out.set(name, { ...c, entered: c.size, exited: 0, changed: 0 });
  }
  return out;
}

/** The measure of changeSetCountsQuery that counts staging's user rows (not a DefinitionCounts field). */
export const STAGED_USERS = 'staged_users';

/** Staging's user rows per definition, from changeSetCountsQuery's rows. */
export function stagedUserCounts(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) if (row.measure === STAGED_USERS) out.set(String(row.definition), (out.get(String(row.definition)) ?? 0) + Number(row.n));
  return out;
}

/**
 * (definition, measure, n), as diff-sql.ts's countsQuery gives them, and staging's user rows (STAGED_USERS). An account audience's users
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
  // Staging is scanned once for both of its counts: its entities (`size`) and its users (`users`,
  // what the snapshot step records for snapshot_users), rather than again by the snapshot step.
  const stagedRows = caseWhen([{ when: isNull(col('user_id', 'c')), then: str('size') }], str(STAGED_USERS));
  const queries: Query[] = [
    select({
      columns: [
        { expr: col('definition', 'c'), alias: 'definition' },
        { expr: stagedRows, alias: 'measure' },
        { expr: COUNT, alias: 'n' },
      ],
      from: from(refs.staging, 'c'),
      where: inList(col('definition', 'c'), names),
      groupBy: [col('definition', 'c'), stagedRows],
    }),
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
