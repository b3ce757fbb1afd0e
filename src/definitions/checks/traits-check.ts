// Computed and SQL traits against the catalog: the event table, the property, the group context
// column, and every source table a SQL trait's template reads.
import { diagnostic } from '../../diagnostics/diagnostic.js';
import { typeName } from '../../diagnostics/messages-catalog.js';
import { didYouMean } from '../did-you-mean.js';
import type { ComputedTraitDefinition, SqlTraitDefinition } from '../model.js';
import { keyLocation, sqlLocators } from '../parse-definition.js';
import { missingSources } from '../parse-sql.js';
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
  const propertyType = definition.property === null ? undefined : columns.get(definition.property);
  if (definition.property !== null && propertyType === undefined) {
    const suggestion = didYouMean(definition.property, columns.keys());
    const params = { rule: 'property', by, property: definition.property, table, computes: definition.compute, suggestion } as const;
    ctx.report(diagnostic('missing_column', params, keyLocation(definition, 'property')));
  }
  // sum and avg add numbers up (SPEC §3); on a text column the warehouse refuses the statement at
  // run time. min and max also order text and timestamps (docs/language.md), so they may.
  const numeric = definition.compute === 'sum' || definition.compute === 'avg';
  if (numeric && propertyType !== undefined && propertyType !== 'number' && propertyType !== 'integer' && propertyType !== 'unknown') {
    const problem = `computes ${definition.compute} of property "${definition.property}", but column "${definition.property}" of ${table} holds ${typeName(propertyType)}, and ${definition.compute} adds up numbers`;
    const fix = `send the property as a number (the warehouse typed the column by the values it received), or choose a compute that does not add up, such as last, most_frequent or unique_count`;
    ctx.report(diagnostic('wrong_type', { form: 'rule', what: by, problem, fix }, keyLocation(definition, 'property')));
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
  for (const { part, table } of missingSources(definition.template, ctx.layout, ctx.catalog.tables)) {
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
