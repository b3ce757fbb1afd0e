// The staging statement of a run (SPEC §6): INSERT INTO staging SELECT ... FROM (the compiled WITH
// statement), one row per entity of each definition, plus one row per (account, user) of each
// account-level audience, so users joining or leaving an account that stays can be found.
import type { SourceLayout } from '../definitions/model.js';
import type { Plan } from '../plan/plan.js';
import {
  aggregate,
  and,
  bin,
  cast,
  col,
  insertInto,
  isNull,
  join,
  NO_ROWS,
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
import { outputValue } from '../sql/lower-values.js';
import { nullOf, type SyncDefinition } from './sync-definition.js';
import { idTextType } from '../sql/source-text.js';

const STAGING_COLUMNS = ['definition', 'entity_id', 'user_id', 'value', 'position'] as const;
export const FIRST_SEEN_CTE = 'quorum:first_seen';

/** Account-level definitions that need their users staged: audiences always; traits for `member` identity. */
function stagesUsers(d: SyncDefinition): 'all' | 'earliest' | 'none' {
  if (d.level !== 'account') return 'none';
  if (d.kind === 'audience') return 'all';
  return d.targets.some((t) => t.groupIdentity === 'member') ? 'earliest' : 'none';
}

/**
 * The compiled statement with a body that yields staging rows (definition, entity_id, user_id,
 * value, position). Trait rows with no value are left out: an entity "enters" a trait when it
 * first has a value and "exits" (gets null) when it no longer has one.
 */
export function stagingQuery(plan: Plan, definitions: readonly SyncDefinition[]): Query {
  const { statement: lowered, physical } = lowerStatement(plan, { kind: 'members' });
  const layout = plan.layout;
  const byName = new Map(definitions.map((d) => [d.name, d]));
  // Ids become text; where none can be floating-point the cast is the plain one (source-text.ts).
  const idFrom = idTextType(plan);
  const asId: AsId = (expr) => cast(expr, 'string', idFrom);
  const stagingColumns = columnsOf(asId);
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
      branches.push(
        select({
          columns: stagingColumns(str(d.name), col('id', 'f'), nullOf('string'), toJsonText(outputValue(plan, output, 'f')), nullOf('integer')),
          from: table(outputRelation(physical, output.name).cte, 'f'),
          where: or(...output.columns.map((c) => isNull(col(c.feature, 'f'), true))),
        }),
      );
    }
    const users = stagesUsers(d);
    if (users === 'none') continue;
    needsFirstSeen = true;
    const usersOf = usersSelect(layout, asId, physical.memberships, d, output.kind === 'audience' ? outputRelation(physical, output.name).cte : null);
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

type AsId = (id: Expr) => Expr;

/** The staging columns, the entity id as text. */
const columnsOf =
  (asId: AsId) =>
  (definition: Expr, entity: Expr, user: Expr, value: Expr, position: Expr): SelectColumn[] => [
    { expr: definition, alias: 'definition' },
    { expr: asId(entity), alias: 'entity_id' },
    { expr: user, alias: 'user_id' },
    { expr: value, alias: 'value' },
    { expr: position, alias: 'position' },
  ];

/** (account, user, position) of an audience's accounts, or of every account; position 1 = earliest user. */
function usersSelect(layout: SourceLayout, asId: AsId, memberships: string, d: SyncDefinition, audienceCte: string | null): Select {
  const { groupId, userId } = layout.columns;
  const joins: Join[] = [
    {
      type: 'LEFT',
      from: table(FIRST_SEEN_CTE, 'fs'),
      on: and(bin('=', col('group_id', 'fs'), col(groupId, 'm')), bin('=', col('user_id', 'fs'), col(userId, 'm'))),
    },
  ];
  const position: Expr = rowNumber([col(groupId, 'm')], [ { expr: col('first_seen', 'fs'), direction: 'ASC' }, { expr: asId(col(userId, 'm')), direction: 'ASC' }, ]);
  return select({
    columns: columnsOf(asId)(str(d.name), col(groupId, 'm'), asId(col(userId, 'm')), nullOf('string'), position),
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
