// The transitions of a run (SPEC §6): rows of staging (s) against the previous snapshot (p), as
// FROM / JOIN / WHERE parts that the outbox inserts and `quorum test`'s diff (diff-entities.ts)
// select from, and the per-definition counts built from them, which the change set's counts
// (change-set-sql.ts) and the dry run's (dry-run-sql.ts) are tested against.
import { and, bin, coalesce, col, COUNT, isNull, join, select, str, union, type Expr, type FromItem, type Join, type Query, type Select } from '../sql/ast.js';
import { from, inList, type StateRefs } from './state-sql.js';
import type { SyncDefinition } from './sync-definition.js';

export interface TransitionRows {
  readonly from: FromItem;
  readonly joins: readonly Join[];
  readonly where: Expr;
  readonly entity: Expr;
  readonly user: Expr | null;
  readonly value: Expr | null;
  readonly definitionColumn: Expr;
}

const sameEntity = (a: string, b: string) => and(bin('=', col('definition', a), col('definition', b)), bin('=', col('entity_id', a), col('entity_id', b)));
const sameUser = (a: string, b: string) => and(sameEntity(a, b), bin('=', col('user_id', a), col('user_id', b)));
/** One definition (`= 'name'`) or several (`IN (...)`, for the counts of every definition at once). */
export type Which = string | readonly string[];
export const ofDefinition = (alias: string, which: Which) => (typeof which === 'string' ? bin('=', col('definition', alias), str(which)) : inList(col('definition', alias), which));

export function entitiesEntered(refs: StateRefs, name: Which): TransitionRows {
  return {
    from: from(refs.staging, 's'),
    joins: [join('LEFT', from(refs.snapshots, 'p'), sameEntity('p', 's'))],
    where: and(ofDefinition('s', name), isNull(col('user_id', 's')), isNull(col('entity_id', 'p'))),
    entity: col('entity_id', 's'),
    user: null,
    value: col('value', 's'),
    definitionColumn: col('definition', 's'),
  };
}

export function entitiesExited(refs: StateRefs, name: Which): TransitionRows {
  return {
    from: from(refs.snapshots, 'p'),
    joins: [join('LEFT', from(refs.staging, 's'), and(sameEntity('s', 'p'), isNull(col('user_id', 's'))))],
    where: and(ofDefinition('p', name), isNull(col('entity_id', 's'))),
    entity: col('entity_id', 'p'),
    user: null,
    value: null,
    definitionColumn: col('definition', 'p'),
  };
}

export function entitiesChanged(refs: StateRefs, name: Which): TransitionRows {
  return {
    from: from(refs.staging, 's'),
    joins: [join('INNER', from(refs.snapshots, 'p'), sameEntity('p', 's'))],
    where: and(ofDefinition('s', name), isNull(col('user_id', 's')), valuesDiffer(col('value', 's'), col('value', 'p'))),
    entity: col('entity_id', 's'),
    user: null,
    value: col('value', 's'),
    definitionColumn: col('definition', 's'),
  };
}

export function usersEntered(refs: StateRefs, name: Which): TransitionRows {
  return {
    from: from(refs.staging, 's'),
    joins: [join('LEFT', from(refs.snapshotUsers, 'p'), sameUser('p', 's'))],
    where: and(ofDefinition('s', name), isNull(col('user_id', 's'), true), isNull(col('user_id', 'p'))),
    entity: col('entity_id', 's'),
    user: col('user_id', 's'),
    value: null,
    definitionColumn: col('definition', 's'),
  };
}

export function usersExited(refs: StateRefs, name: Which): TransitionRows {
  return {
    from: from(refs.snapshotUsers, 'p'),
    joins: [join('LEFT', from(refs.staging, 's'), sameUser('s', 'p'))],
    where: and(ofDefinition('p', name), isNull(col('user_id', 's'))),
    entity: col('entity_id', 'p'),
    user: col('user_id', 'p'),
    value: null,
    definitionColumn: col('definition', 'p'),
  };
}

/** Where the transition rows come from: joins of staging and the snapshots, or a change set written once. */
export interface TransitionSource {
  entitiesEntered(name: Which): TransitionRows;
  entitiesExited(name: Which): TransitionRows;
  entitiesChanged(name: Which): TransitionRows;
  usersEntered(name: Which): TransitionRows;
  usersExited(name: Which): TransitionRows;
  /** True where every staged row of the definition entered (its snapshot was empty), read from staging as it is. */
  staged?(name: string): boolean;
}

export function joinedTransitions(refs: StateRefs): TransitionSource {
  return {
    entitiesEntered: (name) => entitiesEntered(refs, name),
    entitiesExited: (name) => entitiesExited(refs, name),
    entitiesChanged: (name) => entitiesChanged(refs, name),
    usersEntered: (name) => usersEntered(refs, name),
    usersExited: (name) => usersExited(refs, name),
  };
}

// -----------------------------------------------------------------------------------------------
// counts

export interface DefinitionCounts {
  size: number;
  previous: number;
  entered: number;
  exited: number;
  changed: number;
}

/** One query: (definition, measure, n) for size, previous size, entered, exited and changed. */
export function countsQuery(refs: StateRefs, definitions: readonly SyncDefinition[]): Query {
  const names = definitions.map((d) => d.name);
  const accountAudiences = definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name);
  const traits = definitions.filter((d) => d.kind === 'trait').map((d) => d.name);
  const measure = (label: string, rows: Pick<TransitionRows, 'from' | 'joins' | 'where' | 'definitionColumn'>): Select =>
    select({
      columns: [
        { expr: rows.definitionColumn, alias: 'definition' },
        { expr: str(label), alias: 'measure' },
        { expr: COUNT, alias: 'n' },
      ],
      from: rows.from,
      joins: rows.joins,
      where: rows.where,
      groupBy: [rows.definitionColumn],
    });
  const queries: Query[] = [
    measure('size', { from: from(refs.staging, 's'), joins: [], where: and(inList(col('definition', 's'), names), isNull(col('user_id', 's'))), definitionColumn: col('definition', 's') }),
    measure('previous', { from: from(refs.snapshots, 'p'), joins: [], where: inList(col('definition', 'p'), names), definitionColumn: col('definition', 'p') }),
    measure('entered', entitiesEntered(refs, names)),
    measure('exited', entitiesExited(refs, names)),
  ];
  if (traits.length > 0) queries.push(measure('changed', entitiesChanged(refs, traits)));
  if (accountAudiences.length > 0) {
    // Users joining or leaving an account that stays in the audience.
    const joined = usersEntered(refs, accountAudiences);
    queries.push(measure('changed', { ...joined, joins: [...joined.joins, join('INNER', from(refs.snapshots, 'pe'), sameEntity('pe', 's'))] }));
    const left = usersExited(refs, accountAudiences);
    queries.push(
      measure('changed', { ...left, joins: [...left.joins, join('INNER', from(refs.staging, 'se'), and(sameEntity('se', 'p'), isNull(col('user_id', 'se'))))] }),
    );
  }
  return union(queries);
}

export function readCounts(rows: readonly Record<string, unknown>[], definitions: readonly SyncDefinition[]): Map<string, DefinitionCounts> {
  const counts = new Map<string, DefinitionCounts>(definitions.map((d) => [d.name, { size: 0, previous: 0, entered: 0, exited: 0, changed: 0 }]));
  for (const row of rows) {
    const entry = counts.get(String(row.definition));
    if (!entry) continue;
    const measureName = String(row.measure) as keyof DefinitionCounts;
    if (!(measureName in entry)) continue; // a measure read elsewhere (change-set-sql.ts STAGED_USERS)
    entry[measureName] += Number(row.n);
  }
  return counts;
}

/** A null-safe "differs" for JSON text values (never empty, so '' stands for null). */
export function valuesDiffer(a: Expr, b: Expr): Expr {
  return bin('<>', coalesce(a, str('')), coalesce(b, str('')));
}
