// What every rule group of checkProject shares: the project, the catalog, the name index, where
// the problems go, and the one report of a missing table (at its first use only).
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Catalog } from '../../warehouse/catalog.js';
import { didYouMean } from '../did-you-mean.js';
import type { Level, Project, SourceLayout, SourceLocation } from '../model.js';
import { DefinitionIndex } from '../resolve.js';

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly index: DefinitionIndex;
  private readonly reportedTables = new Set<string>();

  constructor(
    readonly project: Project,
    readonly catalog: Catalog,
  ) {
    this.index = new DefinitionIndex(project.definitions);
  }

  get layout(): SourceLayout {
    return this.project.config.source;
  }

  report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  /** The table custom traits of a level are columns of. */
  customTable(level: Level): string {
    return level === 'user' ? this.layout.tables.identifies : this.layout.tables.groups;
  }

  /** Reports a missing table once (at its first use); true when the table exists. */
  requireTable(table: string, loc: SourceLocation, reason: string): boolean {
    if (!this.catalog.known || this.catalog.tables.has(table)) return true;
    if (this.reportedTables.has(table)) return false;
    this.reportedTables.add(table);
    const suggestion = didYouMean(table, this.catalog.tables.keys());
    this.report(diagnostic('missing_table', { rule: 'needed', schema: this.layout.schema, table, reason, suggestion }, loc));
    return false;
  }
}
