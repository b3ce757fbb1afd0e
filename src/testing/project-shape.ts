// What `quorum test` needs to know about a project before it reads a test file: the
// definitions by name, and which tables and columns of the source layout the definitions read,
// with the type their literals suggest. A case leaves most columns out; the tables are still
// created with every column a definition reads (as nulls), as a real warehouse would have them.
import type { Condition, Definition, Level, Predicate, Project, PropertyFilter, SourceLayout } from '../definitions/model.js';
import { DefinitionIndex, resolveTrait } from '../definitions/resolve.js';
import { eventMatch } from '../plan/build-plan.js';
import { OFFLINE_CATALOG, type LogicalType } from '../warehouse/catalog.js';

export interface DefinitionShape {
  readonly kind: Definition['kind'];
  readonly level: Level;
}

/** A column's type as far as it is known; null: nothing says (the column becomes VARCHAR). */
export type TypeHint = LogicalType | null;

export interface ProjectShape {
  readonly layout: SourceLayout;
  readonly definitions: ReadonlyMap<string, DefinitionShape>;
  /** Physical table -> column -> type hint: every column some definition reads. */
  readonly reads: ReadonlyMap<string, ReadonlyMap<string, TypeHint>>;
}

export type TableKind = 'identifies' | 'groups' | 'tracks' | 'pages' | 'screens' | 'event';

/** The columns of the layout that quorum itself uses in a table of this kind. */
export function layoutColumns(layout: SourceLayout, kind: TableKind): Map<string, LogicalType> {
  const c = layout.columns;
  const columns = new Map<string, LogicalType>([
    [c.id, 'string'],
    [c.userId, 'string'],
    [c.anonymousId, 'string'],
    [layout.eventTime, 'timestamp'],
  ]);
  if (kind === 'groups') columns.set(c.groupId, 'string');
  if (kind === 'tracks' || kind === 'event') {
    columns.set(c.event, 'string');
    columns.set(c.eventText, 'string');
  }
  if (kind !== 'identifies' && kind !== 'groups') columns.set(c.contextGroupId, 'string');
  if (kind === 'pages' || kind === 'screens') columns.set(c.name, 'string');
  return columns;
}

const CALL_TIMES: Readonly<Record<string, LogicalType>> = { received_at: 'timestamp', sent_at: 'timestamp', original_timestamp: 'timestamp' };

/**
 * Columns that Segment's and RudderStack's loaders write in every row of a kind (SPEC §2) though
 * quorum itself does not read them: a SQL trait may, and a case that leaves them out gets nulls.
 */
const STANDARD_COLUMNS: Readonly<Record<TableKind, Readonly<Record<string, LogicalType>>>> = {
  identifies: CALL_TIMES,
  groups: CALL_TIMES,
  tracks: CALL_TIMES,
  event: CALL_TIMES,
  pages: { ...CALL_TIMES, path: 'string', url: 'string', title: 'string', referrer: 'string', search: 'string' },
  screens: CALL_TIMES,
};

/** The columns of a table of this kind in a warehouse the preset wrote: layoutColumns and the standard ones. */
export function presetColumns(layout: SourceLayout, kind: TableKind): Map<string, LogicalType> {
  const columns = layoutColumns(layout, kind);
  for (const [column, type] of Object.entries(STANDARD_COLUMNS[kind])) if (!columns.has(column)) columns.set(column, type);
  return columns;
}

/** The type a predicate's literal suggests for the column it compares. */
export function literalType(predicate: Predicate): TypeHint {
  if (predicate.op === 'exists') return null;
  if (predicate.op === 'includes') return 'list';
  const values = Array.isArray(predicate.value) ? (predicate.value as readonly unknown[]) : [predicate.value];
  let type: TypeHint = null;
  for (const v of values) type = unionTypes(type, valueType(v));
  return type;
}

/** The logical type of one given value, or null for null. */
export function valueType(value: unknown): TypeHint {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return looksLikeTimestamp(value) ? 'timestamp' : 'string';
  return 'string';
}

const TIMESTAMP_SHAPE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

export function looksLikeTimestamp(text: string): boolean {
  return TIMESTAMP_SHAPE.test(text.trim());
}

/**
 * The narrowest type that holds both: integer and number widen to number, and any other mix
 * (text and numbers, timestamps and text, lists and scalars) widens to text.
 */
export function unionTypes(a: TypeHint, b: TypeHint): TypeHint {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return 'string';
}

export function projectShape(project: Project): ProjectShape {
  const layout = project.config.source;
  const index = new DefinitionIndex(project.definitions);
  const reads = new Map<string, Map<string, TypeHint>>();
  const read = (table: string, column: string, type: TypeHint): void => {
    const columns = reads.get(table) ?? new Map<string, TypeHint>();
    columns.set(column, unionTypes(columns.get(column) ?? null, type));
    reads.set(table, columns);
  };
  const readFilters = (table: string, filters: readonly PropertyFilter[]): void => {
    for (const f of filters) read(table, f.property, literalType(f.predicate));
  };
  const visit = (condition: Condition, level: Level): void => {
    switch (condition.kind) {
      case 'all':
      case 'any':
        for (const child of condition.children) visit(child, level);
        return;
      case 'not':
        visit(condition.child, level);
        return;
      case 'trait': {
        const resolved = resolveTrait(condition.trait, level, index, layout, OFFLINE_CATALOG);
        if (resolved.ok && resolved.trait.kind === 'custom') {
          read(level === 'user' ? layout.tables.identifies : layout.tables.groups, resolved.trait.column, literalType(condition.predicate));
        }
        return;
      }
      case 'performed': {
        const match = eventMatch(condition.event, project);
        read(match.table, match.column, 'string');
        readFilters(match.table, condition.filters);
        return;
      }
      case 'funnel':
        for (const step of condition.steps) {
          const match = eventMatch(step.event, project);
          read(match.table, match.column, 'string');
          readFilters(match.table, step.filters);
        }
        return;
      case 'quantifier':
        visit(condition.condition, 'user');
        return;
      case 'in_audience':
        return;
    }
  };
  for (const d of project.definitions) {
    if (d.kind === 'audience') visit(d.where, d.level);
    else if (d.kind === 'computed_trait') {
      const match = eventMatch(d.event, project);
      read(match.table, match.column, 'string');
      readFilters(match.table, d.filters);
      if (d.property !== null) read(match.table, d.property, d.compute === 'sum' || d.compute === 'avg' ? 'number' : null);
    }
  }
  const definitions = new Map<string, DefinitionShape>(project.definitions.map((d) => [d.name, { kind: d.kind, level: d.level }]));
  return { layout, definitions, reads };
}
