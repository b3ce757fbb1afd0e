// The statements of a run, all built as SQL AST and printed by the dialect (SPEC §6):
//
//   staging      INSERT INTO staging SELECT ... FROM (the compiled WITH statement): one row per
//                entity of each definition, plus one row per (account, user) of each account-level
//                audience, so users joining or leaving an account that stays can be found.
//   counts       size / entered / exited / changed per definition, by joins of staging against
//                the previous snapshot.
//   outbox       INSERT INTO outbox SELECT ...: one compact call record per change, per destination
//                and call type, with its messageId and delivery sequence computed in the warehouse.
//   replace      the definition's snapshot rows replaced by its staging rows.
//
// The diff never passes through JavaScript: the warehouse joins, the outbox holds the result.
import type { Level, SourceLayout } from '../definitions/model.js';
import type { Plan } from '../plan/plan.js';
import {
  aggregate,
  and,
  bin,
  bool,
  cast,
  charLength,
  col,
  concat,
  COUNT,
  deleteFrom,
  insertInto,
  isNull,
  join,
  jsonObject,
  md5Hex,
  NO_ROWS,
  NULL,
  num,
  or,
  rowNumber,
  select,
  str,
  subquery,
  table,
  toJsonText,
  ts,
  union,
  withCtes,
  type CommonTableExpression,
  type Expr,
  type FromItem,
  type Join,
  type Query,
  type Select,
  type SelectColumn,
  type Statement,
  type TableRef,
} from '../sql/ast.js';
import { outputRelation } from '../plan/physical/physical-plan.js';
import { lowerStatement } from '../sql/lower.js';
import { membershipCalls } from '../sql/lower-identity.js';
import type { CallType, Transition } from './calls.js';
import { snapshotDeltaWrites, valuesDiffer } from './snapshot-delta-sql.js';
import { from, inList, type StateRefs } from './state-sql.js';

/** A destination a definition syncs to, resolved against quorum.yml. */
export interface ResolvedTarget {
  readonly destination: string;
  readonly calls: readonly CallType[];
  readonly trackEvents: { readonly entered: string; readonly exited: string };
  /** segment destinations with `group_identity: member`: account calls carry the earliest user. */
  readonly groupIdentity: 'anonymous' | 'member';
}

/** What the diff needs to know about a definition. */
export interface SyncDefinition {
  readonly name: string;
  readonly kind: 'audience' | 'trait';
  readonly level: Level;
  /** a SQL trait with several columns: its value is an object, each column its own trait */
  readonly multiColumn: boolean;
  readonly computationId: string;
  readonly targets: readonly ResolvedTarget[];
}

export interface RunStamp {
  readonly runId: string;
  readonly asOf: string; // ISO-8601
  readonly now: string; // ISO-8601, for created_at / delivered_at
  readonly namespace: string;
  readonly spaceId: string;
}

const STAGING_COLUMNS = ['definition', 'entity_id', 'user_id', 'value', 'position'] as const;
export const FIRST_SEEN_CTE = 'quorum:first_seen';
const asString = (expr: Expr): Expr => cast(expr, 'string');
const nullOf = (type: 'string' | 'integer' | 'timestamp'): Expr => cast(NULL, type);

/** Account-level definitions that need their users staged: audiences always; traits for `member` identity. */
function stagesUsers(d: SyncDefinition): 'all' | 'earliest' | 'none' {
  if (d.level !== 'account') return 'none';
  if (d.kind === 'audience') return 'all';
  return d.targets.some((t) => t.groupIdentity === 'member') ? 'earliest' : 'none';
}

// -----------------------------------------------------------------------------------------------
// staging

/**
 * The compiled statement with a body that yields staging rows (definition, entity_id, user_id,
 * value, position). Trait rows with no value are left out: an entity "enters" a trait when it
 * first has a value and "exits" (gets null) when it no longer has one.
 */
export function stagingQuery(plan: Plan, definitions: readonly SyncDefinition[]): Query {
  const { statement: lowered, physical } = lowerStatement(plan, { kind: 'members' });
  const layout = plan.layout;
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const branches: Query[] = [];
  let needsFirstSeen = false;
  for (const output of plan.outputs) {
    const d = byName.get(output.name);
    if (!d) continue;
    if (output.kind === 'audience') {
      branches.push(
        select({
          columns: stagingColumns(str(d.name), col('id', 'a'), nullOf('string'), nullOf('string'), nullOf('integer')),
          from: table(outputRelation(physical, output.name).cte, 'a'),
        }),
      );
    } else {
      const value: Expr =
        output.columns.length === 1
          ? col(output.columns[0].feature, 'f')
          : jsonObject(output.columns.map((c) => ({ key: c.name, value: col(c.feature, 'f') })));
      branches.push(
        select({
          columns: stagingColumns(str(d.name), col('id', 'f'), nullOf('string'), toJsonText(value), nullOf('integer')),
          from: table(outputRelation(physical, output.name).cte, 'f'),
          where: or(...output.columns.map((c) => isNull(col(c.feature, 'f'), true))),
        }),
      );
    }
    const users = stagesUsers(d);
    if (users === 'none') continue;
    needsFirstSeen = true;
    const usersOf = usersSelect(layout, physical.memberships, d, output.kind === 'audience' ? outputRelation(physical, output.name).cte : null);
    branches.push(
      users === 'all'
        ? usersOf
        : select({
            columns: STAGING_COLUMNS.map((name) => ({ expr: col(name, 'x'), alias: name })),
            from: subquery(usersOf, 'x'),
            where: bin('=', col('position', 'x'), num(1)),
          }),
    );
  }
  const ctes: CommonTableExpression[] = [...lowered.ctes];
  if (needsFirstSeen) ctes.push(firstSeenCte(plan));
  const body: Query =
    branches.length === 0
      ? select({ columns: stagingColumns(nullOf('string'), nullOf('string'), nullOf('string'), nullOf('string'), nullOf('integer')), where: NO_ROWS })
      : branches.length === 1
        ? branches[0]
        : union(branches);
  return withCtes(ctes, body);
}

function stagingColumns(definition: Expr, entity: Expr, user: Expr, value: Expr, position: Expr): SelectColumn[] {
  return [
    { expr: definition, alias: 'definition' },
    { expr: asString(entity), alias: 'entity_id' },
    { expr: user, alias: 'user_id' },
    { expr: value, alias: 'value' },
    { expr: position, alias: 'position' },
  ];
}

/** (account, user, position) of an audience's accounts, or of every account; position 1 = earliest user. */
function usersSelect(layout: SourceLayout, memberships: string, d: SyncDefinition, audienceCte: string | null): Select {
  const { groupId, userId } = layout.columns;
  const joins: Join[] = [
    {
      type: 'LEFT',
      from: table(FIRST_SEEN_CTE, 'fs'),
      on: and(bin('=', col('group_id', 'fs'), col(groupId, 'm')), bin('=', col('user_id', 'fs'), col(userId, 'm'))),
    },
  ];
  const position: Expr = rowNumber([col(groupId, 'm')], [ { expr: col('first_seen', 'fs'), direction: 'ASC' }, { expr: asString(col(userId, 'm')), direction: 'ASC' }, ]);
  return select({
    columns: stagingColumns(str(d.name), col(groupId, 'm'), asString(col(userId, 'm')), nullOf('string'), position),
    from: audienceCte === null ? table(memberships, 'm') : table(audienceCte, 'a'),
    joins: audienceCte === null ? joins : [join('INNER', table(memberships, 'm'), bin('=', col(groupId, 'm'), col('id', 'a'))), ...joins],
  });
}

/** When each user first joined each account: the earliest group call (SQL-trait associations have none). */
function firstSeenCte(plan: Plan): CommonTableExpression {
  const { columns, eventTime } = plan.layout;
  return {
    name: FIRST_SEEN_CTE,
    comment: "quorum run: each user's first group call per account, to order an account's users",
    query: select({
      columns: [
        { expr: col(columns.groupId, 'g'), alias: 'group_id' },
        { expr: col(columns.userId, 'g'), alias: 'user_id' },
        { expr: aggregate('min', col(eventTime, 'g')), alias: 'first_seen' },
      ],
      // With identity stitching, anonymous group calls too, each from when it was stitched (lower-identity.ts).
      from: membershipCalls(plan, 'g'),
      where: and(bin('<=', col(eventTime, 'g'), ts(plan.asOf)), isNull(col(columns.groupId, 'g'), true), isNull(col(columns.userId, 'g'), true)),
      groupBy: [col(columns.groupId, 'g'), col(columns.userId, 'g')],
    }),
  };
}

export function insertStaging(staging: TableRef, query: Query): Statement {
  return insertInto(staging, [...STAGING_COLUMNS], select({ columns: STAGING_COLUMNS.map((name) => ({ expr: col(name, 'r'), alias: name })), from: subquery(query, 'r') }));
}

// -----------------------------------------------------------------------------------------------
// transitions: rows of staging (s) against the previous snapshot (p)

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
const ofDefinition = (alias: string, which: Which) => (typeof which === 'string' ? bin('=', col('definition', alias), str(which)) : inList(col('definition', alias), which));

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

/** Joins the account's earliest user (position 1), from staging or from the previous snapshot. */
function withEarliestUser(rows: TransitionRows, users: TableRef, name: string): TransitionRows {
  return {
    ...rows,
    joins: [
      ...rows.joins,
      {
        type: 'INNER',
        from: from(users, 'eu'),
        on: and(ofDefinition('eu', name), bin('=', col('entity_id', 'eu'), rows.entity), isNull(col('user_id', 'eu'), true), bin('=', col('position', 'eu'), num(1))),
      },
    ],
    user: col('user_id', 'eu'),
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
    entry[measureName] += Number(row.n);
  }
  return counts;
}

// -----------------------------------------------------------------------------------------------
// outbox

/** One INSERT per (target, call type, transition) of a definition, in delivery order. */
export interface OutboxInsert {
  readonly destination: string;
  build(sequenceBase: number): Statement;
}

/** The messageId, in SQL: see `messageIdOf` in calls.ts for the same function in JavaScript. */
export function messageIdExpr(parts: readonly Expr[]): Expr {
  const args: Expr[] = [];
  for (const part of parts) args.push(asString(charLength(part)), str(':'), part);
  return concat(str('quorum-'), md5Hex(concat(...args)));
}

/** Where the transition rows come from: joins of staging and the snapshots, or a change set written once. */
export interface TransitionSource {
  entitiesEntered(name: Which): TransitionRows;
  entitiesExited(name: Which): TransitionRows;
  entitiesChanged(name: Which): TransitionRows;
  usersEntered(name: Which): TransitionRows;
  usersExited(name: Which): TransitionRows;
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

export function outboxInserts(
  outbox: TableRef,
  refs: StateRefs,
  d: SyncDefinition,
  stamp: RunStamp,
  generation: number,
  source: TransitionSource = joinedTransitions(refs),
): OutboxInsert[] {
  const inserts: OutboxInsert[] = [];
  for (const target of d.targets) {
    for (const call of target.calls) {
      for (const { transition, rows, context } of transitionsFor(refs, source, d, call, target)) {
        inserts.push({
          destination: target.destination,
          build: (base) => outboxInsert(outbox, { d, target, call, transition, rows, groupContext: context, stamp, generation, base }),
        });
      }
    }
  }
  return inserts;
}

interface TransitionChoice {
  readonly transition: Transition;
  readonly rows: TransitionRows;
  /** identify / track of an account-level audience: the account goes in context.groupId */
  readonly context: boolean;
}

function transitionsFor(refs: StateRefs, source: TransitionSource, d: SyncDefinition, call: CallType, target: ResolvedTarget): TransitionChoice[] {
  const member = target.groupIdentity === 'member';
  if (d.kind === 'audience' && d.level === 'user') {
    if (call === 'group') return [];
    return [
      { transition: 'entered', rows: source.entitiesEntered(d.name), context: false },
      { transition: 'exited', rows: source.entitiesExited(d.name), context: false },
    ];
  }
  if (d.kind === 'audience') {
    if (call === 'group') {
      const entered = source.entitiesEntered(d.name);
      const exited = source.entitiesExited(d.name);
      return [
        { transition: 'entered', rows: member ? withEarliestUser(entered, refs.staging, d.name) : entered, context: false },
        { transition: 'exited', rows: member ? withEarliestUser(exited, refs.snapshotUsers, d.name) : exited, context: false },
      ];
    }
    return [
      { transition: 'entered', rows: source.usersEntered(d.name), context: true },
      { transition: 'exited', rows: source.usersExited(d.name), context: true },
    ];
  }
  // traits
  if (d.level === 'user' && call === 'group') return [];
  if (d.level === 'account' && call === 'identify') return [];
  const choices: TransitionChoice[] = [
    { transition: 'entered', rows: source.entitiesEntered(d.name), context: false },
    { transition: 'changed', rows: source.entitiesChanged(d.name), context: false },
    { transition: 'exited', rows: source.entitiesExited(d.name), context: false },
  ];
  if (d.level === 'user') return choices;
  // Account-level trait: group / track carry the account's identity and context.groupId.
  return choices.map((choice) => ({ ...choice, rows: member ? withEarliestUser(choice.rows, refs.staging, d.name) : choice.rows, context: true }));
}

interface OutboxInsertOptions {
  readonly d: SyncDefinition;
  readonly target: ResolvedTarget;
  readonly call: CallType;
  readonly transition: Transition;
  readonly rows: TransitionRows;
  readonly groupContext: boolean;
  readonly stamp: RunStamp;
  /** the snapshot generation this run commits for the definition (snapshot-records.ts) */
  readonly generation: number;
  readonly base: number;
}

const OUTBOX_COLUMNS = [
  'message_id', 'destination', 'run_id', 'definition', 'entity_id', 'transition', 'call_type', 'payload',
  'created_at', 'attempts', 'last_error', 'delivered_at', 'sequence', 'rejected_at',
] as const;

function outboxInsert(outbox: TableRef, o: OutboxInsertOptions): Statement {
  const { d, rows, stamp } = o;
  const account = d.level === 'account';
  // Who the call is about. Account audiences: group calls name the account (anonymously, or by its
  // earliest user), identify / track name each user. Account traits: the account, as for group.
  const perUser = d.kind === 'audience' && account && o.call !== 'group';
  const userId: Expr = perUser ? rows.user! : !account ? rows.entity : rows.user ?? NULL;
  const anonymousId: Expr = account && !perUser && rows.user === null ? concat(str('account:'), rows.entity) : NULL;
  const groupId: Expr = account && (o.call === 'group' || o.groupContext) ? rows.entity : NULL;
  const event: Expr =
    o.call !== 'track' ? NULL : d.kind === 'trait' ? str('Trait Computed') : str(o.transition === 'entered' ? o.target.trackEvents.entered : o.target.trackEvents.exited);
  const payload: Expr = toJsonText(
    jsonObject(
  [
        { key: 'type', value: str(o.call) },
        { key: 'class', value: str(d.kind) },
        { key: 'key', value: str(d.name) },
        { key: 'computation_id', value: str(d.computationId) },
        { key: 'transition', value: str(o.transition) },
        { key: 'user_id', value: userId },
        { key: 'anonymous_id', value: anonymousId },
        { key: 'group_id', value: groupId },
        { key: 'event', value: event },
        { key: 'value', value: d.kind === 'trait' && rows.value !== null ? rows.value : nullOf('string') },
        { key: 'columns', value: bool(d.multiColumn) },
        { key: 'as_of', value: str(stamp.asOf) },
        { key: 'run_id', value: str(stamp.runId) },
        { key: 'namespace', value: str(stamp.namespace) },
        { key: 'space_id', value: str(stamp.spaceId) },
      ],
),
  );
  const messageId = messageIdExpr([
    str(o.target.destination),
    str(d.name),
    str(o.call),
    rows.entity,
    perUser ? rows.user! : str(''),
    str(o.transition),
    str(stamp.asOf),
    str(String(o.generation)),
  ]);
  const order = [{ expr: rows.entity, direction: 'ASC' as const }, ...(perUser ? [{ expr: rows.user!, direction: 'ASC' as const }] : [])];
  const sequence = bin('+', num(o.base), rowNumber([rows.definitionColumn], order));
  const values: Record<(typeof OUTBOX_COLUMNS)[number], Expr> = {
    message_id: messageId,
    destination: str(o.target.destination),
    run_id: str(stamp.runId),
    definition: str(d.name),
    entity_id: rows.entity,
    transition: str(o.transition),
    call_type: str(o.call),
    payload,
    created_at: ts(stamp.now),
    attempts: num(0),
    last_error: nullOf('string'),
    delivered_at: nullOf('timestamp'),
    sequence,
    rejected_at: nullOf('timestamp'),
  };
  return insertInto(outbox, [...OUTBOX_COLUMNS], select({ columns: OUTBOX_COLUMNS.map((name) => ({ expr: values[name], alias: name })), from: rows.from, joins: rows.joins, where: rows.where }));
}

// -----------------------------------------------------------------------------------------------
// snapshot replacement, for the definitions that passed the guardrail

export function replaceSnapshots(refs: StateRefs, changes: TableRef, snapshotRuns: TableRef, definitions: readonly SyncDefinition[], stamp: RunStamp): Statement[] {
  const names = definitions.map((d) => d.name);
  const withUsers = definitions.filter((d) => d.kind === 'audience' && d.level === 'account').map((d) => d.name);
  if (names.length === 0) return [];
  const byName = (alias: string | null, list: readonly string[]) => inList(col('definition', alias), list);
  return [
    ...snapshotDeltaWrites(refs, changes, names, withUsers, stamp),
    deleteFrom(snapshotRuns, byName(null, names)),
    insertInto(snapshotRuns, ['definition', 'run_id', 'as_of'], union(names.map((name) => select({ columns: [{ expr: str(name), alias: 'definition' }, { expr: str(stamp.runId), alias: 'run_id' }, { expr: ts(stamp.asOf), alias: 'as_of' }] })))),
  ];
}

// -----------------------------------------------------------------------------------------------
// dry run: the same diff over CTEs, nothing written

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

export { nullOf };
