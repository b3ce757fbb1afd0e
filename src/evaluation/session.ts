// Opening a project for a command: load and validate the definitions, connect to the warehouse,
// read its catalog and check the definitions against it. Every failure is a Diagnostic.
import { checkProject } from '../definitions/check-references.js';
import { loadProject, sortDiagnostics } from '../definitions/load-project.js';
import type { Project } from '../definitions/model.js';
import { DiagnosticsError, error, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OFFLINE_CATALOG, type Catalog } from '../warehouse/catalog.js';
import type { Dialect, WarehouseConnection } from '../warehouse/connection.js';
import { firstLine, readCatalog } from './evaluate.js';

export interface Session {
  readonly project: Project;
  readonly connection: WarehouseConnection;
  readonly catalog: Catalog;
  /** Warnings found on the way (errors throw). */
  readonly diagnostics: readonly Diagnostic[];
  close(): Promise<void>;
}

export type DialectLookup = (name: string) => Dialect | undefined;

function throwIfErrors(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(sortDiagnostics(diagnostics));
}

/** Definitions only, no warehouse: what `compile` and `validate --offline` need. */
export async function openProject(root: string, dialects: DialectLookup): Promise<{ project: Project; diagnostics: Diagnostic[] }> {
  const loaded = await loadProject(root, { dialects });
  throwIfErrors(loaded.diagnostics);
  const diagnostics = [...loaded.diagnostics, ...checkProject(loaded.project!, OFFLINE_CATALOG)];
  throwIfErrors(diagnostics);
  return { project: loaded.project!, diagnostics };
}

export async function connect(project: Project, dialects: DialectLookup): Promise<WarehouseConnection> {
  const config = project.config.warehouse;
  const dialect = dialects(config.type);
  if (!dialect) {
    throw new DiagnosticsError([
      error('warehouse_unreachable', project.config.loc, `warehouse type "${config.type}" has no connector in this build of quorum`, 'use a supported warehouse type, or `quorum compile --dialect` to print its SQL'),
    ]);
  }
  try {
    return await dialect.connect(config);
  } catch (cause) {
    if (cause instanceof DiagnosticsError) {
      throw new DiagnosticsError(cause.diagnostics.map((d) => ({ ...d, loc: d.loc ?? project.config.loc })));
    }
    throw new DiagnosticsError([
      error('warehouse_unreachable', project.config.loc, `cannot connect to the ${config.type} warehouse: ${firstLine(cause)}`, 'check the warehouse settings in quorum.yml and that the warehouse is up'),
    ]);
  }
}

export async function openSession(root: string, dialects: DialectLookup): Promise<Session> {
  const loaded = await loadProject(root, { dialects });
  throwIfErrors(loaded.diagnostics);
  const project = loaded.project!;
  const diagnostics = loaded.diagnostics;
  const connection = await connect(project, dialects);
  try {
    const catalog = await readCatalog(connection, project);
    const checked = [...diagnostics, ...checkProject(project, catalog)];
    throwIfErrors(checked);
    return { project, connection, catalog, diagnostics: checked, close: () => connection.close() };
  } catch (cause) {
    await connection.close();
    throw cause;
  }
}
