// The outbox statements of a run (SPEC §6): INSERT INTO outbox SELECT ..., one compact call record
// per change, per destination and call type, with its delivery sequence computed in the warehouse.
// The diff never passes through JavaScript: the warehouse joins, the outbox holds the result. The
// messageId is not stored (state format 5): hashing every call inside the run's transaction was
// about a third of a first run's outbox inserts, and delivery derives the same id from the row and
// the snapshot generation its head carries.
import {
  and,
  bin,
  coalesce,
  col,
  concat,
  insertInto,
  isNull,
  num,
  rowNumber,
  select,
  str,
  subquery,
  toJsonText,
  TRUE,
  ts,
  type Expr,
  type Statement,
  type TableRef,
} from '../sql/ast.js';
import type { CallType, Transition } from './calls.js';
import { from, type StateRefs } from './state-sql.js';
import { nullOf, type ResolvedTarget, type RunStamp, type SyncDefinition } from './sync-definition.js';
import { joinedTransitions, ofDefinition, type TransitionRows, type TransitionSource } from './transition-sql.js';

/**
 * One INSERT per (target, call type, transition) of a definition, in delivery order. Its rows hold
 * only each call's own part of the record; `head`, the part they share, goes once to outbox_heads.
 */
export interface OutboxInsert {
  readonly destination: string;
  readonly transition: Transition;
  /** the call record's JSON text up to the per-row fields: `head + payload` is the record */
  readonly head: string;
  build(sequenceBase: number): Statement;
  /**
   * The same rows in slices by entity, or null where a row's order is not its entity alone (an
   * account audience's per-user calls): the rows after `afterEntity` (all of them for null), at
   * most `limit`, numbered from `sequenceBase`. Slices in entity order give every row the sequence
   * `build` would, so the head still covers the whole insert.
   */
  readonly slice: ((sequenceBase: number, afterEntity: string | null, limit: number) => Statement) | null;
  /**
   * Each row is a call about one entity the diff counted under `transition` (at most one row per
   * entity): where that count is 0 the insert writes nothing, and need not be sent. An account
   * audience's per-user calls are not: its users join and leave accounts that stay.
   */
  readonly byEntity: boolean;
  /**
   * Set where the insert's rows can be written as one outbox_generations row instead (a first
   * run's entered calls of a user-level definition, read from staging): the call type, and whether
   * each call's record carries the entity's value. Its per-row text is then `entityCallTail`'s.
   */
  readonly generation: { readonly callType: CallType; readonly withValue: boolean } | null;
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
        const options = { d, target, call, transition, rows, groupContext: context, stamp, generation };
        const byEntity = !perUserCalls(d, call);
        const value = d.kind === 'trait' ? rows.value : null;
        // Only where the record's own part is exactly what the expansion rebuilds from a snapshot row.
        const expandable =
          source.staged?.(d.name) === true && transition === 'entered' && d.level === 'user' && byEntity && rows.user === null &&
          JSON.stringify(callRecordText(options).tail) === JSON.stringify(entityCallTail(rows.entity, value));
        inserts.push({
          destination: target.destination,
          transition,
          head: callRecordText(options).head,
          build: (base) => outboxInsert(outbox, { ...options, base }),
          slice: byEntity ? (base, after, limit) => outboxInsert(outbox, { ...options, rows: entitySlice(rows, after, limit), base }) : null,
          byEntity,
          generation: expandable ? { callType: call, withValue: value !== null } : null,
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

export const OUTBOX_COLUMNS = [
  'message_id', 'destination', 'run_id', 'definition', 'entity_id', 'transition', 'call_type', 'payload',
  'created_at', 'attempts', 'last_error', 'delivered_at', 'sequence', 'rejected_at',
] as const;

/** The call record of each row: the part every row shares, and an expression for each row's own. */
function callRecordText(o: Omit<OutboxInsertOptions, 'base'>): { head: string; tail: Expr } {
  const { d, rows, stamp } = o;
  const account = d.level === 'account';
  // Who the call is about. Account audiences: group calls name the account (anonymously, or by its
  // earliest user), identify / track name each user. Account traits: the account, as for group.
  const perUser = perUserCalls(d, o.call);
  const userId: Expr | null = perUser ? rows.user! : !account ? rows.entity : rows.user;
  const anonymousId: Expr | null = account && !perUser && rows.user === null ? concat(str('account:'), rows.entity) : null;
  const groupId: Expr | null = account && (o.call === 'group' || o.groupContext) ? rows.entity : null;
  const event: string | null =
    o.call !== 'track' ? null : d.kind === 'trait' ? 'Trait Computed' : o.transition === 'entered' ? o.target.trackEvents.entered : o.target.trackEvents.exited;
  return jsonText(
    {
      type: o.call,
      class: d.kind,
      key: d.name,
      computation_id: d.computationId,
      transition: o.transition,
      event,
      columns: d.multiColumn,
      ...(d.multiColumn && d.columnNames !== undefined ? { column_names: d.columnNames } : {}),
      as_of: stamp.asOf,
      run_id: stamp.runId,
      namespace: stamp.namespace,
      space_id: stamp.spaceId,
      generation: String(o.generation),
    },
    { user_id: userId, anonymous_id: anonymousId, group_id: groupId, value: d.kind === 'trait' ? rows.value : null },
  );
}

/** An account audience's identify / track calls: one per user of each account, ordered by entity, then user. */
const perUserCalls = (d: SyncDefinition, call: CallType) => d.kind === 'audience' && d.level === 'account' && call !== 'group';

/**
 * The first `limit` rows by entity after `afterEntity`, as rows of their own. Numbering a
 * million-row insert at once made DuckDB sort all of it in one window: 60-150 MB above what the
 * evaluation had left, the peak of a run delivering 1,000,000 changes (BENCHMARKS.md, "Peak memory,
 * partitioned diff"). A top-N of `limit` rows holds only those.
 */
function entitySlice(rows: TransitionRows, afterEntity: string | null, limit: number): TransitionRows {
  const alias = 'sl';
  const carried = [
    { expr: rows.entity, alias: 'entity_id' },
    ...(rows.user === null ? [] : [{ expr: rows.user, alias: 'user_id' }]),
    ...(rows.value === null ? [] : [{ expr: rows.value, alias: 'value' }]),
  ];
  const inner = select({
    columns: [...carried, { expr: rows.definitionColumn, alias: 'definition' }],
    from: rows.from,
    joins: rows.joins,
    where: afterEntity === null ? rows.where : and(rows.where, bin('>', rows.entity, str(afterEntity))),
    orderBy: [{ expr: rows.entity, direction: 'ASC' }],
    limit,
  });
  return {
    from: subquery(inner, alias),
    joins: [],
    where: TRUE,
    entity: col('entity_id', alias),
    user: rows.user === null ? null : col('user_id', alias),
    value: rows.value === null ? null : col('value', alias),
    definitionColumn: col('definition', alias),
  };
}

function outboxInsert(outbox: TableRef, o: OutboxInsertOptions): Statement {
  const { d, rows, stamp } = o;
  const perUser = perUserCalls(d, o.call);
  const order = [{ expr: rows.entity, direction: 'ASC' as const }, ...(perUser ? [{ expr: rows.user!, direction: 'ASC' as const }] : [])];
  // Every insert reads one definition: a PARTITION BY its (constant) name made DuckDB sort by
  // partition too, 300 of the 450 ms CPU of numbering 200,000 rows.
  const sequence = bin('+', num(o.base), rowNumber([], order));
  const values: Record<(typeof OUTBOX_COLUMNS)[number], Expr> = {
    // Computed at delivery from the row and its head's generation (calls.ts, messageIdOfCall).
    message_id: nullOf('string'),
    destination: str(o.target.destination),
    run_id: str(stamp.runId),
    definition: str(d.name),
    entity_id: rows.entity,
    transition: str(o.transition),
    call_type: str(o.call),
    payload: callRecordText(o).tail,
    created_at: ts(stamp.now),
    attempts: num(0),
    last_error: nullOf('string'),
    delivered_at: nullOf('timestamp'),
    sequence,
    rejected_at: nullOf('timestamp'),
  };
  return insertInto(outbox, [...OUTBOX_COLUMNS], select({ columns: OUTBOX_COLUMNS.map((name) => ({ expr: values[name], alias: name })), from: rows.from, joins: rows.joins, where: rows.where }));
}

/**
 * A call record's JSON text in two parts: `head`, the fields every row of an insert shares (those
 * null for all of them included), written once to outbox_heads, and `tail`, the rest of the text,
 * encoded per row into the outbox row. Building the whole object per row (JSON_OBJECT of fifteen
 * keys) cost 2-3x a concatenation on DuckDB; writing the shared part into every row made it most of
 * the bytes a run writes: at 300,000 calls the outbox insert took 3-4 s, against 0.5 s for a
 * column of entity ids (bench/run-memory-bench.ts). The reader puts the two together.
 */
function jsonText(shared: Record<string, string | boolean | null | readonly string[]>, perRow: Record<string, Expr | null>): { head: string; tail: Expr } {
  const constant: Record<string, string | boolean | null | readonly string[]> = { ...shared };
  for (const [key, value] of Object.entries(perRow)) if (value === null) constant[key] = null;
  const head = JSON.stringify(constant).slice(0, -1);
  const parts: Expr[] = [];
  for (const [key, value] of Object.entries(perRow)) {
    if (value !== null) parts.push(str(`,${JSON.stringify(key)}:`), coalesce(toJsonText(value), str('null')));
  }
  parts.push(str('}'));
  return { head, tail: parts.length === 1 ? parts[0] : concat(...parts) };
}

/** The per-row text of a user-level entity's call: its user id, and its value for a trait. */
export function entityCallTail(entity: Expr, value: Expr | null): Expr {
  return jsonText({}, { user_id: entity, anonymous_id: null, group_id: null, value }).tail;
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
