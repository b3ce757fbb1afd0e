import { Option, type Command } from 'commander';
import { dialectNamed, DIALECTS } from '../../../dialects/registry.js';
import { checkProject } from '../../definitions/check-references.js';
import { DiagnosticsError } from '../../diagnostics/diagnostic.js';
import { compileSql, readCatalog } from '../../evaluation/evaluate.js';
import { connect, openProject } from '../../evaluation/session.js';
import { OFFLINE_CATALOG } from '../../warehouse/catalog.js';
import { globals, UsageError } from '../options.js';

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .argument('<name>', 'a definition name')
    .description('print the SQL a definition compiles to (no warehouse needed)')
    .addOption(new Option('--dialect <dialect>', 'the warehouse to print for').choices(Object.keys(DIALECTS)))
    .option('--catalog', "read column types from the project's warehouse first (needs it reachable)")
    .action(async (name: string, options: { dialect?: string; catalog?: boolean }, command: Command) => {
      const g = globals(command);
      const { project } = await openProject(g.project, dialectNamed);
      const dialectName = options.dialect ?? project.config.warehouse.type;
      const dialect = dialectNamed(dialectName);
      if (!dialect) throw new UsageError(`no printer for dialect "${dialectName}"; choose one of ${Object.keys(DIALECTS).join(', ')}`);
      let catalog = OFFLINE_CATALOG;
      if (options.catalog) {
        const connection = await connect(project, dialectNamed);
        try {
          catalog = await readCatalog(connection, project);
        } finally {
          await connection.close();
        }
        const problems = checkProject(project, catalog).filter((d) => d.severity === 'error');
        if (problems.length > 0) throw new DiagnosticsError(problems);
      }
      const header = `-- quorum compile ${name} --dialect ${dialect.name} --as-of ${g.asOfIso} (${catalog.known ? 'types from the warehouse catalog' : 'offline: literal types as written'})\n`;
      process.stdout.write(header + compileSql({ project, catalog, asOf: g.asOfIso, targets: [name] }, dialect.printer));
    });
}
