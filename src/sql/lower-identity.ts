// Identity stitching in SQL (SPEC §2.1). Two CTEs computed once per statement and shared by every
// definition: `identity:edges` (each (anonymous_id, user_id) pair seen on one row at or before
// as_of, with its first or last time, from every table that has both columns) and `identity`
// (each anonymous_id's one owner: the pair of the earliest / latest edge, ties to the smallest
// user_id). Every read of a source table then goes through `stitchedSource`: the table with its
// user_id filled in from `identity` where the row's own is null. A row that has a user_id keeps
// it; a row whose anonymous_id has no edge keeps its null and stays nobody's.
import { CTE } from '../plan/physical/cte-names.js';
import type { Plan, PlanIdentity } from '../plan/plan.js';
import {
  aggregate,
  and,
  bin,
  caseWhen,
  coalesce,
  codePointOrder,
  col,
  firstPerGroup,
  isNull,
  join,
  select,
  subquery,
  table,
  ts,
  union,
  type CommonTableExpression,
  type Expr,
  type FromItem,
  type Query,
} from './ast.js';

const IDENTITY_CTE = { edges: CTE.identityEdges, owners: CTE.identityOwners } as const;

function identityOf(plan: Plan): PlanIdentity {
  if (plan.identity === null) throw new Error('internal error: an identity CTE in a plan without identity stitching');
  return plan.identity;
}

/** identity:edges: each (anonymous_id, user_id) pair seen together, from every table that has both. */
export function identityEdgesCte(plan: Plan): CommonTableExpression {
  const identity = identityOf(plan);
  const { columns, eventTime, schema, tables } = plan.layout;
  const edgeTime = identity.conflict === 'first' ? 'min' : 'max';
  const edges: Query[] = identity.edgeTables.map((name) => {
    const anonymous = col(columns.anonymousId, 'r');
    const user = col(columns.userId, 'r');
    return select({
      columns: [
        { expr: anonymous, alias: 'anonymous_id' },
        { expr: user, alias: 'user_id' },
        { expr: aggregate(edgeTime, col(eventTime, 'r')), alias: 'at' },
      ],
      from: table(name, 'r', schema),
      where: and(isNull(anonymous, true), isNull(user, true), bin('<=', col(eventTime, 'r'), ts(plan.asOf))),
      groupBy: [anonymous, user],
    });
  });
  return {
    name: IDENTITY_CTE.edges,
    comment: `identity edges at as_of: each (anonymous_id, user_id) seen together, at its ${identity.conflict} time, from ${identity.edgeTables.join(', ')}`,
    query: edges.length === 1 ? edges[0] : union(edges),
  };
}

/** identity: each anonymous_id's one owner, the user of its first / last edge. */
export function identityOwnersCte(plan: Plan): CommonTableExpression {
  const identity = identityOf(plan);
  const { columns, tables } = plan.layout;
  const userId = col('user_id', 'e');
  const byCodePoint: Expr = plan.columnTypes[tables.identifies]?.[columns.userId] === 'string' ? codePointOrder(userId) : userId;
  const owner = firstPerGroup({
    from: table(IDENTITY_CTE.edges, 'e'),
    joins: [],
    where: null,
    group: col('anonymous_id', 'e'),
    value: userId,
    orderBy: [
      { expr: col('at', 'e'), direction: identity.conflict === 'first' ? 'ASC' : 'DESC', type: 'timestamp' },
      { expr: byCodePoint, direction: 'ASC', type: 'other' },
    ],
    // A handful of user ids per anonymous id.
    manyRowsPerGroup: false,
  });
  return {
    name: IDENTITY_CTE.owners,
    comment: `each anonymous_id's user: its ${identity.conflict} edge, ties to the smallest user_id`,
    query: select({
      columns: [
        { expr: col('id', 'o'), alias: 'anonymous_id' },
        { expr: col('value', 'o'), alias: 'user_id' },
      ],
      from: subquery(owner, 'o'),
    }),
  };
}

/** The users who own an anonymous id: each was seen with it on a row at or before as_of. */
export function identityUsers(plan: Plan): Query | null {
  if (plan.identity === null) return null;
  return select({ columns: [{ expr: col('user_id', 'i'), alias: 'id' }], from: table(IDENTITY_CTE.owners, 'i') });
}

/**
 * A source table as quorum reads it: with stitching on, a subquery that gives each row its owner's
 * user_id where the row has none. It projects the columns the plan reads of that table (and only
 * those that exist, where the catalog says), under their own names, so a reader cannot tell it
 * from the table. Identity edges themselves are read raw (identityCtes), and so are the universes.
 */
export function stitchedSource(plan: Plan, name: string, alias: string): FromItem {
  const identity = plan.identity;
  const { columns, schema, tables } = plan.layout;
  if (identity === null) return table(name, alias, schema);
  // A table the catalog knows without an anonymous_id column has no row to stitch.
  const known = identity.tableColumns[name];
  if (known !== undefined && !known.includes(columns.anonymousId)) return table(name, alias, schema);
  const raw = (column: string): Expr => col(column, 'raw');
  const projected = columnsRead(plan, identity, name).filter((c) => c !== columns.userId);
  const user = coalesce(raw(columns.userId), col('user_id', 'owner'));
  const isEventTable = name !== tables.identifies && name !== tables.groups;
  return subquery(
    select({
      columns: [...projected.map((c) => ({ expr: raw(c), alias: c })), { expr: user, alias: columns.userId }],
      from: table(name, 'raw', schema),
      joins: [join('LEFT', table(IDENTITY_CTE.owners, 'owner'), bin('=', col('anonymous_id', 'owner'), raw(columns.anonymousId)))],
      where: identity.onlyStitchedEvents && isEventTable ? isNull(raw(columns.userId)) : null,
    }),
    alias,
  );
}

/**
 * The columns of a table that the plan reads: the ids, the time and, from every plan node that
 * matches rows of it (measures, ranked traits, and any node added later that carries an event
 * `match`), its match column, property, filter columns and context group; custom traits of
 * identifies / groups. Walking the plan keeps this true as new kinds of nodes appear.
 */
function columnsRead(plan: Plan, identity: PlanIdentity, name: string): string[] {
  const { columns, eventTime, tables } = plan.layout;
  const read = new Set<string>([columns.id, columns.userId, columns.anonymousId, eventTime]);
  if (name === tables.identifies) plan.customTraits.user.forEach((c) => read.add(c));
  if (name === tables.groups) {
    read.add(columns.groupId);
    plan.customTraits.account.forEach((c) => read.add(c));
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const match = record.match as { table?: unknown; column?: unknown; value?: unknown } | undefined;
    if (match && match.table === name) {
      if (typeof match.column === 'string' && match.value !== null) read.add(match.column);
      if (typeof record.property === 'string' && record.property !== '') read.add(record.property);
      if (Array.isArray(record.filters)) for (const f of record.filters as { column?: unknown }[]) if (typeof f.column === 'string') read.add(f.column);
      if (record.groupContext === true) read.add(columns.contextGroupId);
    }
    for (const [key, value] of Object.entries(record)) if (key !== 'match') visit(value);
  };
  for (const [key, value] of Object.entries(plan)) if (key !== 'layout' && key !== 'columnTypes' && key !== 'identity') visit(value);
  const known = identity.tableColumns[name];
  return [...read].filter((c) => known === undefined || known.includes(c));
}

/**
 * The group calls as memberships see them over time (`quorum run`'s earliest user of an account):
 * (group_id, user_id, time) with the layout's column names. A stitched group call makes its owner a
 * member from the later of the call's time and the time of the edge that decided the owner: the
 * earliest edge of the anonymous id for `first`, the latest for `last`.
 */
export function membershipCalls(plan: Plan, alias: string): FromItem {
  const identity = plan.identity;
  const { columns, eventTime, schema, tables } = plan.layout;
  if (identity === null) return table(tables.groups, alias, schema);
  const raw = (column: string): Expr => col(column, 'raw');
  const since = col('since', 'edge');
  const stitched = and(isNull(raw(columns.userId)), bin('>', since, raw(eventTime)));
  const edgeTimes = select({
    columns: [
      { expr: col('anonymous_id', 'e'), alias: 'anonymous_id' },
      { expr: aggregate(identity.conflict === 'first' ? 'min' : 'max', col('at', 'e')), alias: 'since' },
    ],
    from: table(IDENTITY_CTE.edges, 'e'),
    groupBy: [col('anonymous_id', 'e')],
  });
  return subquery(
    select({
      columns: [
        { expr: raw(columns.groupId), alias: columns.groupId },
        { expr: coalesce(raw(columns.userId), col('user_id', 'owner')), alias: columns.userId },
        { expr: caseWhen([{ when: stitched, then: since }], raw(eventTime)), alias: eventTime },
      ],
      from: table(tables.groups, 'raw', schema),
      joins: [
        join('LEFT', table(IDENTITY_CTE.owners, 'owner'), bin('=', col('anonymous_id', 'owner'), raw(columns.anonymousId))),
        join('LEFT', subquery(edgeTimes, 'edge'), bin('=', col('anonymous_id', 'edge'), raw(columns.anonymousId))),
      ],
    }),
    alias,
  );
}
