// Computed and SQL traits against the catalog: the event table, the property, the group context
// column, and every source table a SQL trait's template reads.
import { diagnostic } from '../../diagnostics/diagnostic.js';
import { didYouMean } from '../did-you-mean.js';
import type { ComputedTraitDefinition, SqlTraitDefinition } from '../model.js';
import { keyLocation, sqlLocators } from '../parse-definition.js';
import { sourceTable } from '../parse-sql.js';
import { subjectOf } from '../subject.js';
import { checkEvents } from './catalog-check.js';
import type { CheckContext } from './check-context.js';

export function checkComputedTrait(ctx: CheckContext, definition: ComputedTraitDefinition): void {
  const by = subjectOf(definition);
  if (definition.level === 'account')
    ctx.requireTable(ctx.layout.tables.groups, definition.loc, `${by} is account level, so it reads account membership`);
  const table = checkEvents(ctx, definition.event, definition.filters, keyLocation(definition, 'event'), by);
  if (table === null || !ctx.catalog.known) return;
  const columns = ctx.catalog.tables.get(table)!.columns;
  if (definition.property !== null && !columns.has(definition.property)) {
    const suggestion = didYouMean(definition.property, columns.keys());
    const params = { rule: 'property', by, property: definition.property, table, computes: definition.compute, suggestion } as const;
    ctx.report(diagnostic('missing_column', params, keyLocation(definition, 'property')));
  }
  const column = ctx.layout.columns.contextGroupId;
  if (definition.scope === 'group_context' && definition.level === 'account' && !columns.has(column)) {
    ctx.report(diagnostic('missing_column', { rule: 'group_context', by, table, column }, keyLocation(definition, 'scope')));
  }
}

/** Every `{{ source('x') }}` of the parsed template names a table of the source schema. */
export function checkSqlTraitSources(ctx: CheckContext, definition: SqlTraitDefinition): void {
  if (!ctx.catalog.known) return;
  const locate = sqlLocators.get(definition);
  for (const part of definition.template) {
    if (part.kind !== 'source') continue;
    const table = sourceTable(ctx.layout, part.table);
    if (ctx.catalog.tables.has(table)) continue;
    const suggestion = didYouMean(table, ctx.catalog.tables.keys());
    const loc = locate ? locate(part.offset) : definition.loc;
    ctx.report(
      diagnostic(
        'missing_table',
        { rule: 'source', schema: ctx.layout.schema, table, by: subjectOf(definition), role: part.table, suggestion },
        loc,
      ),
    );
  }
}
