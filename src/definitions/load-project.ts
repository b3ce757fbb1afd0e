// Stage 1 entry point: read quorum.yml and every definition file of a project into the
// validated model, collecting every problem of every file at once.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { Dialect, DialectLookup } from '../warehouse/connection.js';
import { checkProject } from './check-references.js';
import { checkSqlTraits } from './checks/sql-traits-check.js';
import type { Definition, Project } from './model.js';
import { CONFIG_FILE, parseConfig } from './parse-config.js';
import { parseDefinitionFile } from './parse-definition.js';
import { notAProject } from './not-a-project.js';
import { warehouseSecrets } from './parse-warehouse.js';
import { MAX_DEFINITION_BYTES, readYamlText } from './yaml-bounds.js';
import { YamlFile } from './yaml-source.js';
import { projectSecrets, secretsWrittenInline } from '../secrets/project-secrets.js';
import { secrets } from '../secrets/secret-redactor.js';

export const DEFINITION_FOLDERS = ['audiences', 'traits'] as const;

export interface LoadOptions {
  /** Where ${VAR} values come from; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Where the `destinations:` section reads its ${VAR}s; `env` by default. A command that never
   * sends gives it placeholders (env-placeholders.ts), so that it needs no destination's secret.
   */
  readonly destinationEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * The dialects of this build (dialects/registry.ts): each reads its own `warehouse:` keys and
   * says which of its values are secrets, and the warehouse's real parser reads every SQL trait
   * (SPEC §4, the sandbox), with `alsoParseWith` (`quorum test`, which runs on DuckDB, adds it).
   */
  readonly dialects: DialectLookup;
  readonly alsoParseWith?: readonly Dialect[];
  /** false: SQL traits are not read by the parsers, only their template (the engine's own test). */
  readonly parseSqlTraits?: boolean;
}

export interface LoadResult {
  /** null when any error was found. */
  readonly project: Project | null;
  readonly diagnostics: Diagnostic[];
}

export async function loadProject(root: string, options: LoadOptions): Promise<LoadResult> {
  const absolute = path.resolve(root);
  const env = options.env ?? process.env;
  const diagnostics: Diagnostic[] = [];
  const configRead = await readYamlText(absolute, CONFIG_FILE, MAX_DEFINITION_BYTES, 'project file');
  const configText = configRead.text;
  let config = null;
  // a quorum.yml that is a folder: not_a_project says so in the project's own terms
  const configFolder = configRead.diagnostic?.code === 'unreadable_file' && configRead.diagnostic.params.rule === 'not_a_file' && configRead.diagnostic.params.folder;
  if (configRead.diagnostic && !configFolder) {
    diagnostics.push(configRead.diagnostic);
  } else if (configText === null) {
    diagnostics.push(await notAProject(absolute, CONFIG_FILE));
  } else {
    secrets.add(secretsWrittenInline(configText));
    const y = new YamlFile(CONFIG_FILE, configText);
    if (y.ok) config = parseConfig(y, absolute, env, options.dialects, options.destinationEnv ?? env);
    if (config !== null) secrets.add([...warehouseSecrets(options.dialects, config.warehouse), ...projectSecrets(config)]);
    diagnostics.push(...y.diagnostics);
  }
  const definitions: Definition[] = [];
  for (const file of await definitionFiles(absolute)) {
    const { text, diagnostic } = await readYamlText(absolute, file, MAX_DEFINITION_BYTES, 'definition file');
    if (diagnostic) diagnostics.push(diagnostic);
    if (text === null) continue;
    const y = new YamlFile(file, text);
    if (y.ok) definitions.push(...parseDefinitionFile(y));
    diagnostics.push(...y.diagnostics);
  }
  if (config !== null && options.parseSqlTraits !== false) {
    const parsers = [options.dialects(config.warehouse.type), ...(options.alsoParseWith ?? [])].filter((d): d is Dialect => d !== undefined);
    const unique = parsers.filter((d, i) => parsers.findIndex((e) => e.name === d.name) === i);
    diagnostics.push(...(await checkSqlTraits({ root: absolute, config, definitions }, unique)));
  }
  const sorted = sortDiagnostics(diagnostics);
  if (config === null || sorted.some((d) => d.severity === 'error')) return { project: null, diagnostics: sorted };
  return { project: { root: absolute, config, definitions }, diagnostics: sorted };
}

/** loadProject and, when it succeeds, checkProject: every problem `quorum validate` reports. */
export async function validateProject(root: string, catalog: Catalog, options: LoadOptions): Promise<LoadResult> {
  const loaded = await loadProject(root, options);
  if (!loaded.project) return loaded;
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...checkProject(loaded.project, catalog)]);
  return { project: diagnostics.some((d) => d.severity === 'error') ? null : loaded.project, diagnostics };
}

/** Project-relative paths (forward slashes) of every definition file, sorted. */
export async function definitionFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const folder of DEFINITION_FOLDERS) {
    let names: string[];
    try {
      names = await fs.readdir(path.join(root, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      if (/\.ya?ml$/.test(name)) files.push(`${folder}/${name}`);
    }
  }
  return files.sort();
}

/** By file, line and column; problems without a place first. Stable otherwise. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const la = a.d.loc;
      const lb = b.d.loc;
      if (la === null || lb === null) return la === lb ? a.i - b.i : la === null ? -1 : 1;
      if (la.file !== lb.file) {
        if (la.file === CONFIG_FILE) return -1;
        if (lb.file === CONFIG_FILE) return 1;
        return la.file < lb.file ? -1 : 1;
      }
      return la.line - lb.line || la.col - lb.col || a.i - b.i;
    })
    .map(({ d }) => d);
}
