// Audience trees: every leaf resolves, at the level its place in the tree is evaluated for
// (users, or accounts; a quantifier's condition is about the account's users).
import { assertNever } from '../../diagnostics/assert-never.js';
import { diagnostic } from '../../diagnostics/diagnostic.js';
import { where } from '../../diagnostics/messages-input.js';
import { didYouMean } from '../did-you-mean.js';
import type { AudienceDefinition, Condition, EventRef, Level, SourceLocation, SqlTraitDefinition } from '../model.js';
import { resolveTrait, sqlTraitColumns } from '../resolve.js';
import { KIND_NAMES, named, subjectOf } from '../subject.js';
import { checkEvents, checkComparison, describeTrait, traitType } from './catalog-check.js';
import type { CheckContext } from './check-context.js';

interface Place {
  readonly audience: AudienceDefinition;
  readonly level: Level;
  /** The quantifier the tree is inside of, if any. */
  readonly quantifier: string | null;
}

export function checkAudienceTree(ctx: CheckContext, audience: AudienceDefinition): void {
  if (audience.level === 'account')
    ctx.requireTable(ctx.layout.tables.groups, audience.loc, `${subjectOf(audience)} is account level, so it reads account membership`);
  walk(ctx, audience.where, { audience, level: audience.level, quantifier: null });
}

/** Who is evaluated at this place, for messages. */
function placeName(place: Place): string {
  return place.quantifier
    ? `the user-level condition inside "${place.quantifier}" of audience "${place.audience.name}"`
    : `${place.audience.level}-level audience "${place.audience.name}"`;
}

function walk(ctx: CheckContext, condition: Condition, place: Place): void {
  const by = placeName(place);
  switch (condition.kind) {
    case 'all':
    case 'any':
      for (const child of condition.children) walk(ctx, child, place);
      return;
    case 'not':
      walk(ctx, condition.child, place);
      return;
    case 'trait':
      checkTraitLeaf(ctx, condition, place);
      return;
    case 'in_audience':
      checkInAudience(ctx, condition, place);
      return;
    case 'performed':
      if (place.level === 'account')
        ctx.report(diagnostic('level_mismatch', { rule: 'performed', by, event: eventName(condition.event) }, condition.loc));
      checkEvents(ctx, condition.event, condition.filters, condition.loc, by);
      return;
    case 'funnel':
      if (place.level === 'account')
        ctx.report(diagnostic('level_mismatch', { rule: 'funnel', by, event: eventName(condition.steps[0].event) }, condition.loc));
      for (const step of condition.steps) checkEvents(ctx, step.event, step.filters, step.loc, by);
      return;
    case 'quantifier':
      if (place.level === 'user')
        ctx.report(diagnostic('level_mismatch', { rule: 'quantifier', by, quantifier: condition.quantifier }, condition.loc));
      ctx.requireTable(ctx.layout.tables.groups, condition.loc, `"${condition.quantifier}" reads account membership`);
      walk(ctx, condition.condition, { ...place, level: 'user', quantifier: condition.quantifier });
      return;
    default:
      assertNever(condition, 'condition');
  }
}

function checkTraitLeaf(ctx: CheckContext, condition: Extract<Condition, { kind: 'trait' }>, place: Place): void {
  const { trait, loc } = condition;
  const by = placeName(place);
  const table = ctx.customTable(place.level);
  const resolution = resolveTrait(trait, place.level, ctx.index, ctx.layout, ctx.catalog);
  if (resolution.ok) {
    const resolved = resolution.trait;
    if (resolved.kind === 'custom' && !ctx.catalog.known) {
      // Offline every unknown name is taken as a custom trait; a trait defined only at the
      // other level is still certainly a mismatch, and a near miss is probably a typo.
      const other: Level = place.level === 'user' ? 'account' : 'user';
      if (definedAt(ctx, trait, other)) return reportTraitLevel(ctx, trait, other, place, loc);
      warnLikelyTypo(ctx, trait, place, loc);
    }
    checkComparison(ctx, condition.predicate, traitType(ctx, resolved), `trait "${trait}"`, describeTrait(resolved, table), loc);
    return;
  }
  switch (resolution.reason) {
    case 'ambiguous': {
      const found = ctx.index
        .all(trait.split('.')[0])
        .filter((d) => d.level === place.level && d.kind !== 'audience')
        .map(named);
      ctx.report(diagnostic('ambiguous_reference', { name: trait, by, level: place.level, found }, loc));
      return;
    }
    case 'level_mismatch':
      reportTraitLevel(ctx, trait, resolution.otherLevel ?? (place.level === 'user' ? 'account' : 'user'), place, loc);
      return;
    case 'unknown': {
      if (ctx.catalog.known && !ctx.catalog.tables.has(table)) {
        ctx.requireTable(table, loc, `custom ${place.level} traits are columns of ${table}`);
        return;
      }
      const candidates = [
        ...ctx.project.definitions.filter((d) => d.kind !== 'audience' && d.level === place.level).map((d) => d.name),
        ...(ctx.catalog.tables.get(table)?.columns.keys() ?? []),
      ];
      const suggestion = didYouMean(trait, candidates);
      const sqlBase = ctx.index
        .all(trait.split('.')[0])
        .find((d): d is SqlTraitDefinition => d.kind === 'sql_trait' && d.level === place.level);
      ctx.report(
        sqlBase
          ? diagnostic(
              'unknown_reference',
              {
                kind: 'sql_trait_column',
                name: trait,
                by,
                sqlTrait: sqlBase.name,
                columns: sqlTraitColumns(sqlBase, ctx.catalog),
                suggestion,
              },
              loc,
            )
          : diagnostic('missing_column', { rule: 'custom_trait', by, trait, level: place.level, table, suggestion }, loc),
      );
      return;
    }
    default:
      assertNever(resolution.reason, 'resolution');
  }
}

function definedAt(ctx: CheckContext, name: string, level: Level) {
  return ctx.index.all(name.split('.')[0]).find((d) => d.kind !== 'audience' && d.level === level);
}

function reportTraitLevel(ctx: CheckContext, trait: string, other: Level, place: Place, loc: SourceLocation): void {
  const defined = definedAt(ctx, trait, other);
  const traitIs = defined ? `${subjectOf(defined)} at ${where(defined.loc)}` : `a column of ${ctx.customTable(other)}`;
  ctx.report(
    diagnostic('level_mismatch', { rule: 'trait', by: placeName(place), level: place.level, trait, traitLevel: other, traitIs }, loc),
  );
}

function warnLikelyTypo(ctx: CheckContext, trait: string, place: Place, loc: SourceLocation): void {
  const suggestion = didYouMean(
    trait,
    ctx.project.definitions.filter((d) => d.kind !== 'audience').map((d) => d.name),
  );
  if (suggestion === null) return;
  const params = { kind: 'likely_typo', name: trait, by: placeName(place), table: ctx.customTable(place.level), suggestion } as const;
  ctx.report(diagnostic('unknown_reference', params, loc, 'warning'));
}

function checkInAudience(ctx: CheckContext, condition: Extract<Condition, { kind: 'in_audience' }>, place: Place): void {
  const key = condition.negated ? 'not_in_audience' : 'in_audience';
  const by = placeName(place);
  const target = ctx.index.audience(condition.audience);
  if (!target) {
    const other = ctx.index.get(condition.audience);
    const suggestion = didYouMean(
      condition.audience,
      ctx.project.definitions.filter((d) => d.kind === 'audience').map((d) => d.name),
    );
    const params = {
      kind: 'audience',
      name: condition.audience,
      by,
      key,
      other: other ? { kind: KIND_NAMES[other.kind], loc: other.loc } : null,
      suggestion,
    } as const;
    ctx.report(diagnostic('unknown_reference', params, condition.loc));
    return;
  }
  if (place.level === 'account' && target.level === 'user') {
    ctx.report(diagnostic('level_mismatch', { rule: 'in_audience', by, key, audience: target.name, at: target.loc }, condition.loc));
  }
}

function eventName(event: EventRef): string {
  return event.kind === 'track' ? event.name : event.name === null ? event.kind : `${event.kind} (name: ${event.name})`;
}
