// openSession (src/evaluation/session.ts) with its two halves timed as stages: load (read and
// check the YAML) and validate (connect, read the catalog, check the definitions against it).
import { checkProject } from '../definitions/check-references.js';
import { loadProject, sortDiagnostics } from '../definitions/load-project.js';
import { DiagnosticsError, type Diagnostic } from '../diagnostics/diagnostic.js';
import { readCatalog } from '../evaluation/evaluate.js';
import { connect, type DialectLookup, type Session } from '../evaluation/session.js';
import type { StageClock } from './stage-clock.js';

function throwIfErrors(clock: StageClock, diagnostics: readonly Diagnostic[]): void {
  if (!diagnostics.some((d) => d.severity === 'error')) return;
  clock.end({ failed: true });
  throw new DiagnosticsError(sortDiagnostics(diagnostics));
}

export async function openTimedSession(root: string, dialects: DialectLookup, clock: StageClock): Promise<Session> {
  clock.begin('load');
  const loaded = await loadProject(root, { dialects });
  throwIfErrors(clock, loaded.diagnostics);
  const project = loaded.project!;
  clock.end({ definitions: project.definitions.length });
  clock.begin('validate');
  let connection;
  try {
    connection = await connect(project, dialects);
  } catch (cause) {
    clock.end({ failed: true });
    throw cause;
  }
  try {
    const catalog = await readCatalog(connection, project);
    const diagnostics = [...loaded.diagnostics, ...checkProject(project, catalog)];
    throwIfErrors(clock, diagnostics);
    clock.end();
    const opened = connection;
    return { project, connection, catalog, diagnostics, close: () => opened.close() };
  } catch (cause) {
    clock.end({ failed: true });
    await connection.close();
    throw cause;
  }
}
