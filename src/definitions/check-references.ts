// Checks that need the whole project (and, when known, the warehouse catalog), one rule group a
// file under checks/: names are unique and sync targets exist (names-check), audience trees
// resolve at the right level (trees-check), audiences do not depend on themselves (cycles-check),
// traits fit their event tables (traits-check), and tables, columns and literals fit the
// warehouse (catalog-check). The SQL trait sandbox is checks/sql-traits-check.ts.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { Project } from './model.js';
import { CheckContext } from './checks/check-context.js';
import { checkArrivalTime } from './checks/catalog-check.js';
import { audienceCycles } from './checks/cycles-check.js';
import { checkNames, checkSyncTargets } from './checks/names-check.js';
import { checkComputedTrait, checkSqlTraitSources } from './checks/traits-check.js';
import { checkAudienceTree } from './checks/trees-check.js';

export function checkProject(project: Project, catalog: Catalog): Diagnostic[] {
  const ctx = new CheckContext(project, catalog);
  checkNames(ctx);
  checkArrivalTime(ctx);
  for (const definition of project.definitions) {
    checkSyncTargets(ctx, definition);
    switch (definition.kind) {
      case 'audience':
        checkAudienceTree(ctx, definition);
        break;
      case 'computed_trait':
        checkComputedTrait(ctx, definition);
        break;
      case 'sql_trait':
        checkSqlTraitSources(ctx, definition);
        break;
      default:
        assertNever(definition, 'definition');
    }
  }
  return [...ctx.diagnostics, ...audienceCycles(project.definitions, ctx.index)];
}
