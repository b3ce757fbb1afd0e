// Translators of the CTEs every statement starts from: SQL traits, the universes, the memberships
// and the latest custom traits.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Level, SourceLayout, SqlTemplatePart } from '../definitions/model.js';
import { sourceTable } from '../definitions/parse-sql.js';
import { CTE } from '../plan/physical/cte-names.js';
import type { PhysicalCte } from '../plan/physical/physical-plan.js';
import {
  and,
  col,
  firstPerGroup,
  isNull,
  latestNonNull,
  select,
  subquery,
  table,
  templateLiteral,
  templateQuery,
  templateTable,
  templateText,
  union,
  type CommonTableExpression,
  type TemplatePart,
  type Query,
  type TemplateQuery,
} from './ast.js';
import type { LowerContext } from './lower-context.js';
import { identityUsers } from './lower-identity.js';

/**
 * A SQL trait's template with its holes filled: each source the layout's table in the source
 * schema (an event table is its own name), as_of a timestamp literal.
 */
export function sqlTraitQuery(template: readonly SqlTemplatePart[], layout: SourceLayout, asOf: string): TemplateQuery {
  const parts = template.map((part): TemplatePart => {
    switch (part.kind) {
      case 'text':
        return templateText(part.text);
      case 'as_of':
        return templateLiteral({ type: 'timestamp', value: asOf });
      case 'source':
        return templateTable(layout.schema, sourceTable(layout, part.table));
      default:
        return assertNever(part);
    }
  });
  return templateQuery(parts);
}

export function sqlTraitCte(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'sql_trait' }>): CommonTableExpression {
  const t = ctx.plan.sqlTraits.find((s) => s.name === node.name);
  if (t === undefined) throw new Error(`internal error: the plan has no SQL trait "${node.name}"`);
  return { name: t.name, comment: `sql_trait: ${t.trait} (${t.file})`, query: sqlTraitQuery(t.template, ctx.layout, ctx.plan.asOf) };
}

const associations = (ctx: LowerContext) => ctx.plan.sqlTraits.filter((t) => t.associatesUsers);

export function userUniverseCte(ctx: LowerContext): CommonTableExpression {
  const { columns } = ctx.layout;
  const userSelects: Query[] = ctx.plan.userUniverseTables.map((name) =>
    select({
      distinct: true,
      columns: [{ expr: col(columns.userId, 's'), alias: 'id' }],
      from: table(name, 's', ctx.layout.schema),
      where: and(ctx.existsAtAsOf('s'), isNull(col(columns.userId, 's'), true)),
    }),
  );
  const owners = identityUsers(ctx.plan);
  if (owners !== null) userSelects.push(owners);
  for (const t of associations(ctx)) {
    userSelects.push(
      select({ columns: [{ expr: col('user_id', 's'), alias: 'id' }], from: table(t.name, 's'), where: isNull(col('user_id', 's'), true) }),
    );
  }
  return { name: CTE.userUniverse, comment: 'every user_id seen at or before as_of', query: union(userSelects, false) };
}

export function accountUniverseCte(ctx: LowerContext): CommonTableExpression {
  const { columns, tables } = ctx.layout;
  return {
    name: CTE.accountUniverse,
    comment: 'every group_id seen at or before as_of',
    query: select({
      distinct: true,
      columns: [{ expr: col(columns.groupId, 'g'), alias: 'id' }],
      from: table(tables.groups, 'g', ctx.layout.schema),
      where: and(ctx.existsAtAsOf('g'), isNull(col(columns.groupId, 'g'), true)),
    }),
  };
}

export function membershipsCte(ctx: LowerContext): CommonTableExpression {
  const { columns, tables } = ctx.layout;
  const membershipSelects: Query[] = [
    select({
      distinct: true,
      columns: [
        { expr: col(columns.groupId, 'g'), alias: columns.groupId },
        { expr: col(columns.userId, 'g'), alias: columns.userId },
      ],
      from: ctx.source(tables.groups, 'g'),
      where: and(ctx.existsAtAsOf('g'), isNull(col(columns.groupId, 'g'), true), isNull(col(columns.userId, 'g'), true)),
    }),
    ...associations(ctx).map((t) =>
      select({
        columns: [
          { expr: col('group_id', 's'), alias: columns.groupId },
          { expr: col('user_id', 's'), alias: columns.userId },
        ],
        from: table(t.name, 's'),
        where: and(isNull(col('group_id', 's'), true), isNull(col('user_id', 's'), true)),
      }),
    ),
  ];
  return { name: CTE.memberships, comment: 'user <-> account pairs, many-to-many', query: union(membershipSelects, false) };
}

export function customTraitCte(ctx: LowerContext, node: Extract<PhysicalCte, { kind: 'custom_traits' }>): CommonTableExpression {
  const level: Level = node.level;
  const traitColumns = ctx.plan.customTraits[level];
  const { columns, tables } = ctx.layout;
  const key = col(level === 'user' ? columns.userId : columns.groupId, 's');
  const traitsTable = level === 'user' ? tables.identifies : tables.groups;
  const order = [
    { expr: ctx.eventTime('s'), direction: 'DESC' as const },
    {
      expr: ctx.ordered(col(columns.id, 's'), traitsTable, columns.id),
      direction: 'DESC' as const,
    },
  ];
  const sourceRows = ctx.source(traitsTable, 's');
  switch (node.strategy) {
    case 'latest_row': {
      // One trait: the latest row where it is not null, a ranking each warehouse has a plan for
      // (DISTINCT ON on Postgres), instead of an aggregate over every row of the entity.
      const trait = traitColumns[0];
      const value = ctx.property(traitsTable, trait, 's');
      const latest = firstPerGroup({
        from: sourceRows,
        joins: [],
        where: and(ctx.existsAtAsOf('s'), isNull(key, true), isNull(value, true)),
        group: key,
        value,
        orderBy: [
          { ...order[0], type: 'timestamp' },
          { ...order[1], type: 'other' },
        ],
        manyRowsPerGroup: false,
      });
      return {
        name: node.name,
        comment: `latest non-null ${level} trait at as_of`,
        query: select({
          columns: [
            { expr: col('id', 't'), alias: 'id' },
            { expr: col('value', 't'), alias: trait },
          ],
          from: subquery(latest, 't'),
        }),
      };
    }
    case 'latest_non_null_per_column':
      return {
        name: node.name,
        comment: `latest non-null ${level} traits at as_of`,
        query: select({
          columns: [{ expr: key, alias: 'id' }, ...traitColumns.map((c) => ({ expr: latestNonNull(ctx.property(traitsTable, c, 's'), order), alias: c }))],
          from: sourceRows,
          where: and(ctx.existsAtAsOf('s'), isNull(key, true)),
          groupBy: [key],
        }),
      };
    default:
      return assertNever(node.strategy, 'custom traits strategy');
  }
}
