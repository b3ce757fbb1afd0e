// Name resolution, shared by validation (to report) and planning (to compile), so that the two
// can never disagree about what `trait: T` means.
import type { Catalog, LogicalType } from '../warehouse/catalog.js';
import type {
  AudienceDefinition,
  ComputedTraitDefinition,
  Definition,
  Level,
  SourceLayout,
  SqlTraitDefinition,
} from './model.js';

export type ResolvedTrait =
  | { readonly kind: 'computed'; readonly definition: ComputedTraitDefinition }
  | { readonly kind: 'sql'; readonly definition: SqlTraitDefinition; readonly column: string }
  | { readonly kind: 'custom'; readonly level: Level; readonly column: string; readonly type: LogicalType };

export type TraitResolution =
  | { readonly ok: true; readonly trait: ResolvedTrait }
  | {
      readonly ok: false;
      readonly reason: 'unknown' | 'ambiguous' | 'level_mismatch';
      /** For level_mismatch: the level the name exists at. */
      readonly otherLevel?: Level;
    };

/** Key columns of a SQL trait's result that are not trait values. */
export const SQL_TRAIT_KEY_COLUMNS = ['user_id', 'group_id'] as const;

export class DefinitionIndex {
  private readonly byName = new Map<string, Definition[]>();

  constructor(readonly definitions: readonly Definition[]) {
    for (const definition of definitions) {
      const list = this.byName.get(definition.name) ?? [];
      list.push(definition);
      this.byName.set(definition.name, list);
    }
  }

  all(name: string): readonly Definition[] {
    return this.byName.get(name) ?? [];
  }

  audience(name: string): AudienceDefinition | undefined {
    return this.all(name).find((d): d is AudienceDefinition => d.kind === 'audience');
  }

  get(name: string): Definition | undefined {
    return this.all(name)[0];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/**
 * The trait columns of a SQL trait: learnt from the warehouse when the catalog has described the
 * query, else as declared, else the single column named like the trait.
 */
export function sqlTraitColumns(definition: SqlTraitDefinition, catalog: Catalog): string[] {
  const described = catalog.sqlTraitColumns.get(definition.name);
  if (described) {
    const keys: readonly string[] = SQL_TRAIT_KEY_COLUMNS;
    return [...described.keys()].filter((c) => !keys.includes(c));
  }
  return definition.columns ? [...definition.columns] : [definition.name];
}

/** Whether an account-level SQL trait also associates users with accounts (returns user_id). */
export function sqlTraitAssociatesUsers(definition: SqlTraitDefinition, catalog: Catalog): boolean {
  if (definition.level !== 'account') return false;
  const described = catalog.sqlTraitColumns.get(definition.name);
  return described ? described.has('user_id') : false;
}

function traitAtLevel(name: string, level: Level, index: DefinitionIndex, catalog: Catalog): ResolvedTrait[] {
  const found: ResolvedTrait[] = [];
  const dot = name.indexOf('.');
  const base = dot >= 0 ? name.slice(0, dot) : name;
  const column = dot >= 0 ? name.slice(dot + 1) : null;
  for (const definition of index.all(base)) {
    if (definition.level !== level) continue;
    if (definition.kind === 'computed_trait' && column === null) {
      found.push({ kind: 'computed', definition });
    } else if (definition.kind === 'sql_trait') {
      const columns = sqlTraitColumns(definition, catalog);
      const chosen = column ?? (columns.includes(base) ? base : columns.length === 1 ? columns[0] : null);
      if (chosen !== null && (columns.includes(chosen) || !catalog.known)) {
        found.push({ kind: 'sql', definition, column: chosen });
      }
    }
  }
  return found;
}

function customTrait(name: string, level: Level, layout: SourceLayout, catalog: Catalog): ResolvedTrait | null {
  const table = level === 'user' ? layout.tables.identifies : layout.tables.groups;
  if (!catalog.known) return { kind: 'custom', level, column: name, type: 'unknown' };
  const type = catalog.tables.get(table)?.columns.get(name);
  return type === undefined ? null : { kind: 'custom', level, column: name, type };
}

export function resolveTrait(
  name: string,
  level: Level,
  index: DefinitionIndex,
  layout: SourceLayout,
  catalog: Catalog,
): TraitResolution {
  const defined = traitAtLevel(name, level, index, catalog);
  if (defined.length > 1) return { ok: false, reason: 'ambiguous' };
  if (defined.length === 1) return { ok: true, trait: defined[0] };
  const custom = customTrait(name, level, layout, catalog);
  if (custom) return { ok: true, trait: custom };
  const otherLevel: Level = level === 'user' ? 'account' : 'user';
  const elsewhere =
    traitAtLevel(name, otherLevel, index, catalog).length > 0 || customTrait(name, otherLevel, layout, catalog) !== null;
  return elsewhere ? { ok: false, reason: 'level_mismatch', otherLevel } : { ok: false, reason: 'unknown' };
}
