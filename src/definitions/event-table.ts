// What a definition's events and computed values are, decided once for validation and planning.
import type { LogicalType } from '../warehouse/catalog.js';
import { assertNever } from '../diagnostics/assert-never.js';
import type { ComputeKind, EventRef, SourceLayout } from './model.js';
import { snakeCase } from './snake-case.js';

/** The table an event is read from: a track event's own table (its name in snake case, as Segment names it), or pages / screens. */
export function eventTable(event: EventRef, layout: SourceLayout): string {
  switch (event.kind) {
    case 'track':
      return snakeCase(event.name);
    case 'page':
      return layout.tables.pages;
    case 'screen':
      return layout.tables.screens;
    default:
      return assertNever(event, 'event');
  }
}

/** The type of a computed trait's value; the ranked and min / max kinds keep the property's type. */
export function computedValueType(compute: ComputeKind, propertyType: LogicalType): LogicalType {
  switch (compute) {
    case 'count':
    case 'unique_count':
      return 'integer';
    case 'sum':
    case 'avg':
      return 'number';
    case 'unique_list':
      return 'list';
    case 'min':
    case 'max':
    case 'first':
    case 'last':
    case 'most_frequent':
      return propertyType;
    default:
      return assertNever(compute, 'compute');
  }
}
