// Opening a project for a command: load and validate the definitions, connect to the warehouse,
// read its catalog and check the definitions against it. Every failure is a Diagnostic.
import { withPlaceholders, type Env } from '../definitions/env-placeholders.js';
import { checkProject } from '../definitions/check-references.js';
import { loadProject, sortDiagnostics } from '../definitions/load-project.js';
import type { Project } from '../definitions/model.js';
import { DiagnosticsError, failure, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OFFLINE_CATALOG, type Catalog } from '../warehouse/catalog.js';
import type { ConnectOptions, DialectLookup, WarehouseConnection } from '../warehouse/connection.js';
import { firstLine, readCatalog } from './evaluate.js';

export interface Session {
  readonly project: Project;
  readonly connection: WarehouseConnection;
  readonly catalog: Catalog;
  /** Warnings found on the way (errors throw). */
  readonly diagnostics: readonly Diagnostic[];
  close(): Promise<void>;
}

export type { DialectLookup };

function throwIfErrors(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(sortDiagnostics(diagnostics));
}

/** The destinations' environment of a command that never sends: their unset ${VAR}s are placeholders. */
export const NEVER_SENDS = (): Env => withPlaceholders(process.env);

/** Definitions only, no warehouse: what `compile` and `validate --offline` need. */
export async function openProject(root: string, dialects: DialectLookup, options: { readonly env?: Env; readonly destinationEnv?: Env } = {}): Promise<{ project: Project; diagnostics: Diagnostic[] }> {
  const loaded = await loadProject(root, { dialects, env: options.env, destinationEnv: options.destinationEnv });
  throwIfErrors(loaded.diagnostics);
  const diagnostics = [...loaded.diagnostics, ...checkProject(loaded.project!, OFFLINE_CATALOG)];
  throwIfErrors(diagnostics);
  return { project: loaded.project!, diagnostics };
}

export async function connect(project: Project, dialects: DialectLookup, options: ConnectOptions = {}): Promise<WarehouseConnection> {
  const config = project.config.warehouse;
  const dialect = dialects(config.type);
  if (!dialect) {
    throw failure('warehouse_unreachable', { rule: 'no_connector', type: config.type }, project.config.loc);
  }
  try {
    return await dialect.connect(config, { largeState: project.config.incremental?.enabled === true, ...options });
  } catch (cause) {
    if (cause instanceof DiagnosticsError) {
      throw new DiagnosticsError(cause.diagnostics.map((d) => ({ ...d, loc: d.loc ?? project.config.loc })));
    }
    throw failure('warehouse_unreachable', { rule: 'connect', target: `the ${config.type} warehouse`, cause: null, detail: firstLine(cause) }, project.config.loc);
  }
}

/**
 * A session for a command that connects to the warehouse and never sends (`run` and `schedule` load
 * the project themselves): the destinations' ${VAR}s are placeholders when unset, so `validate` in
 * CI on a pull request needs the warehouse's credentials only, never a destination's (docs/security.md).
 */
export async function openSession(root: string, dialects: DialectLookup, options: ConnectOptions = {}): Promise<Session> {
  const loaded = await loadProject(root, { dialects, destinationEnv: NEVER_SENDS() });
  throwIfErrors(loaded.diagnostics);
  const project = loaded.project!;
  const diagnostics = loaded.diagnostics;
  const connection = await connect(project, dialects, options);
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
