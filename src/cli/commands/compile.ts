import type { Command } from 'commander';
import { dialectNamed, DIALECTS } from '../../../dialects/registry.js';
import { checkProject } from '../../definitions/check-references.js';
import type { Project } from '../../definitions/model.js';
import { DiagnosticsError, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { compileSql, planFor, readCatalog } from '../../evaluation/evaluate.js';
import { definitionNamed } from '../../evaluation/inspect.js';
import { withPlaceholders } from '../../definitions/env-placeholders.js';
import { connect, openProject } from '../../evaluation/session.js';
import type { Plan } from '../../plan/plan.js';
import { OFFLINE_CATALOG, type Catalog } from '../../warehouse/catalog.js';
import { globals, oneOf } from '../options.js';
import { printDiagnostics, printJson } from '../print.js';

/**
 * Offline, a trait name that is no definition is read as a column, which only the catalog can
 * confirm. When the name is a near miss of a defined trait, the SQL would read a column that
 * almost surely does not exist: compile refuses it (validate --offline only warns) unless
 * --catalog has checked the column.
 */
function refuseLikelyTypos(diagnostics: readonly Diagnostic[], plan: Plan): void {
  // only the columns this definition's SQL reads: a typo elsewhere in the project does not stop it
  const read = [...plan.customTraits.user, ...plan.customTraits.account];
  const typos = diagnostics.filter((d) => d.severity === 'warning' && d.code === 'unknown_reference' && read.some((c) => d.message.includes(`uses trait "${c}"`)));
  if (typos.length === 0) return;
  throw new DiagnosticsError(
    typos.map((d) => ({ ...d, severity: 'error' as const, hint: `${d.hint ?? ''} If it really is a column of the warehouse, run quorum compile --catalog to check it there.`.trim() })),
  );
}

async function catalogOf(project: Project): Promise<Catalog> {
  const connection = await connect(project, dialectNamed);
  try {
    return await readCatalog(connection, project);
  } finally {
    await connection.close();
  }
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .argument('<name>', 'a definition name')
    .description('print the SQL a definition compiles to (no warehouse needed); the offline checks of validate run first')
    .option('--dialect <dialect>', `the warehouse to print for: ${Object.keys(DIALECTS).join(', ')} (default: warehouse.type in quorum.yml)`, oneOf(Object.keys(DIALECTS)))
    .option('--catalog', "read column types from the project's warehouse first (needs it reachable)")
    .action(async (name: string, options: { dialect?: string; catalog?: boolean }, command: Command) => {
      const g = globals(command);
      // without --catalog nothing connects, so an unset ${VAR} is a placeholder (env-placeholders.ts)
      const { project, diagnostics } = await openProject(g.project, dialectNamed, options.catalog ? {} : { env: withPlaceholders(process.env) });
      definitionNamed(project, name);
      // --dialect is checked by oneOf and warehouse.type by the config parser
      const dialect = dialectNamed(options.dialect ?? project.config.warehouse.type)!;
      let catalog = OFFLINE_CATALOG;
      if (options.catalog) {
        catalog = await catalogOf(project);
        const problems = checkProject(project, catalog).filter((d) => d.severity === 'error');
        if (problems.length > 0) throw new DiagnosticsError(problems);
      } else {
        refuseLikelyTypos(diagnostics, planFor({ project, catalog, asOf: g.asOfIso, targets: [name] }));
        const warnings = diagnostics.filter((d) => d.severity === 'warning');
        if (warnings.length > 0) printDiagnostics(warnings, project.root);
      }
      const sql = compileSql({ project, catalog, asOf: g.asOfIso, targets: [name] }, dialect.printer);
      if (g.json) {
        printJson({ name, dialect: dialect.name, as_of: g.asOfIso, catalog: catalog.known, sql });
        return;
      }
      const header = `-- quorum compile ${name} --dialect ${dialect.name} --as-of ${g.asOfIso} (${catalog.known ? 'types from the warehouse catalog' : 'offline: literal types as written'})\n`;
      process.stdout.write(header + sql);
    });
}
