// The dialect boundary (STYLE.md, "a warehouse lives in a single room"): no file of src/ imports
// from dialects/ or a warehouse's client library; dialects reach src/ only by injection
// (DialectLookup, FixtureEngine). Imports are read by TypeScript's own pre-processor (static,
// type-only, re-exports and dynamic import() alike), never by pattern matching.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(REPO, 'src');
const DIALECTS = path.join(REPO, 'dialects');

/** The client libraries of the warehouses (package.json); a subpath (`pg/lib/x`) counts too. */
const WAREHOUSE_CLIENTS = ['@duckdb/node-api', 'pg', 'knex', '@electric-sql/pglite', '@google-cloud/bigquery', 'snowflake-sdk'];

/**
 * The one documented exception: the CLI is the composition root. Its commands hand the registry's
 * dialects (DialectLookup, FIXTURES) to src/, so src/cli/ may import dialects/registry.ts and
 * nothing else of dialects/.
 */
const COMPOSITION_ROOT = path.join(SRC, 'cli');
const REGISTRY = path.join(DIALECTS, 'registry.ts');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** What `file` (a path in the repository) may not import, one line each: `file -> specifier`. */
function boundaryViolations(file: string, text: string): string[] {
  const out: string[] = [];
  for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
    const client = WAREHOUSE_CLIENTS.find((name) => specifier === name || specifier.startsWith(`${name}/`));
    if (client !== undefined) {
      out.push(`${path.relative(REPO, file)} -> ${specifier} (a warehouse client: it belongs in dialects/<name>/)`);
      continue;
    }
    if (!specifier.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
    if (target !== DIALECTS && !target.startsWith(`${DIALECTS}${path.sep}`)) continue;
    const allowed = file.startsWith(`${COMPOSITION_ROOT}${path.sep}`) && target === REGISTRY;
    if (!allowed) out.push(`${path.relative(REPO, file)} -> ${specifier} (inject it instead, as DialectLookup is)`);
  }
  return out;
}

describe('the dialect boundary', () => {
  it('no file of src/ imports from dialects/ (but the CLI, the registry) or a warehouse client', () => {
    const files = typeScriptFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((file) => boundaryViolations(file, readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('the CLI imports the registry, so the exception is needed and used', () => {
    const cli = typeScriptFiles(COMPOSITION_ROOT).filter((file) => readFileSync(file, 'utf8').includes('dialects/registry.js'));
    expect(cli.length).toBeGreaterThan(0);
  });

  it('catches every form of import that would cross it', () => {
    const inSrc = path.join(SRC, 'testing', 'example.ts');
    const inCli = path.join(SRC, 'cli', 'commands', 'example.ts');
    const crossing = [
      "import { duckdb } from '../../dialects/duckdb/index.js';",
      "import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';",
      "export { dialectNamed } from '../../dialects/registry.js';",
      "const m = await import('../../dialects/postgres/postgres-connector.js');",
      "import { DuckDBInstance } from '@duckdb/node-api';",
      "import pg from 'pg';",
      "import type { Knex } from 'knex';",
      "import { PGlite } from '@electric-sql/pglite';",
      "import { BigQuery } from '@google-cloud/bigquery';",
      "import snowflake from 'snowflake-sdk';",
      "import { Pool } from 'pg/lib/index.js';",
    ];
    for (const line of crossing) expect(boundaryViolations(inSrc, line), line).toHaveLength(1);
    // The composition root may import the registry, and only the registry.
    expect(boundaryViolations(inCli, "import { dialectNamed } from '../../../dialects/registry.js';")).toEqual([]);
    expect(boundaryViolations(inCli, "import { duckdb } from '../../../dialects/duckdb/index.js';")).toHaveLength(1);
    // Names that only look alike are not warehouse clients.
    expect(boundaryViolations(inSrc, "import x from 'pg-format'; import y from './pg.js'; import z from 'yaml';")).toEqual([]);
  });
});

// Stage order (ARCHITECTURE.md): definitions -> plan -> sql -> evaluation -> sync, with the CLI
// last. A stage may import an earlier one, never a later one: the CLI is the composition root,
// and the definitions (stage 1) know nothing of what is built from them.
const STAGES_BEFORE_CLI = ['sync', 'plan', 'sql', 'definitions', 'evaluation'].map((name) => path.join(SRC, name));
const LATER_THAN_DEFINITIONS = ['plan', 'sql', 'sync'].map((name) => path.join(SRC, name));
const DEFINITIONS = path.join(SRC, 'definitions');

/**
 * Imports against the stage order that are there on purpose: `file -> target file`, with why.
 * Each one must still exist (the test below), so a fixed one is taken off the list.
 */
const STAGE_EXCEPTIONS: Readonly<Record<string, string>> = {
  // The sandbox check of SPEC §4 renders a SQL trait's template (source tables, as_of) through
  // the dialect's own printer, so that the dialect's parser sees exactly what the warehouse will;
  // a type-only import of the printer's interface, the printer itself is injected.
  'src/definitions/checks/sql-traits-check.ts -> src/sql/printer.ts':
    'the SQL trait sandbox check renders templates through the injected dialect printer (type only)',
};

const within = (file: string, dir: string): boolean => file.startsWith(`${dir}${path.sep}`);

/** Imports of `file` against the stage order, one line each: `file -> target`. */
function stageViolations(file: string, text: string): string[] {
  const out: string[] = [];
  for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!specifier.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
    const intoCli = within(target, COMPOSITION_ROOT) && STAGES_BEFORE_CLI.some((dir) => within(file, dir));
    const pastDefinitions = within(file, DEFINITIONS) && LATER_THAN_DEFINITIONS.some((dir) => within(target, dir));
    if (intoCli || pastDefinitions) out.push(`${path.relative(REPO, file)} -> ${path.relative(REPO, target)}`);
  }
  return out;
}

describe('the stage order', () => {
  const files = typeScriptFiles(SRC);
  const found = files.flatMap((file) => stageViolations(file, readFileSync(file, 'utf8')));

  it('no stage imports the CLI, and the definitions import no later stage (but the named exceptions)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(found.filter((line) => !(line in STAGE_EXCEPTIONS))).toEqual([]);
  });

  it('every named exception is still needed', () => {
    for (const exception of Object.keys(STAGE_EXCEPTIONS)) expect(found, exception).toContain(exception);
  });

  it('catches every form of import that would break it', () => {
    const inSync = path.join(SRC, 'sync', 'example.ts');
    const inDefinitions = path.join(SRC, 'definitions', 'example.ts');
    expect(stageViolations(inSync, "import { VERSION } from '../cli/version.js';")).toEqual(['src/sync/example.ts -> src/cli/version.ts']);
    expect(stageViolations(inSync, "const m = await import('../cli/main.js');")).toHaveLength(1);
    expect(stageViolations(path.join(SRC, 'evaluation', 'x.ts'), "export { a } from '../cli/print.js';")).toHaveLength(1);
    expect(stageViolations(inDefinitions, "import type { Plan } from '../plan/plan.js';")).toHaveLength(1);
    expect(stageViolations(inDefinitions, "import { select } from '../sql/ast.js';")).toHaveLength(1);
    expect(stageViolations(inDefinitions, "import { run } from '../sync/run.js';")).toHaveLength(1);
    // Earlier stages, and the stage itself, are fine; so is the CLI importing anything.
    expect(stageViolations(inSync, "import { select } from '../sql/ast.js'; import { VERSION } from '../version.js';")).toEqual([]);
    expect(stageViolations(inDefinitions, "import { error } from '../diagnostics/diagnostic.js'; import { x } from './model.js';")).toEqual([]);
    expect(stageViolations(path.join(SRC, 'cli', 'main.ts'), "import { run } from '../sync/run.js';")).toEqual([]);
  });
});

// No stage imports a later one (ARCHITECTURE.md): definitions -> plan -> sql -> evaluation -> sync,
// and destinations below sync (they take calls without knowing where they came from).
const LATER_STAGES: Readonly<Record<string, readonly string[]>> = {
  definitions: ['plan', 'sql', 'evaluation', 'sync'],
  plan: ['sql', 'evaluation', 'sync', 'incremental'],
  sql: ['evaluation', 'sync'],
  evaluation: ['sync'],
  destinations: ['evaluation', 'sync'],
};

function laterStageImports(file: string, text: string): string[] {
  const stage = Object.keys(LATER_STAGES).find((name) => within(file, path.join(SRC, name)));
  if (stage === undefined) return [];
  return importsOf(file, text)
    .filter((target) => LATER_STAGES[stage].some((later) => within(target, path.join(SRC, later))))
    .map((target) => `${path.relative(REPO, file)} -> ${path.relative(REPO, target)}`);
}

describe('stages in order', () => {
  it('no stage imports a later one (but the named exceptions)', () => {
    const found = typeScriptFiles(SRC).flatMap((file) => laterStageImports(file, readFileSync(file, 'utf8')));
    expect(found.filter((line) => !(line in STAGE_EXCEPTIONS))).toEqual([]);
  });

  it('catches an import of a later stage, type-only and dynamic ones too', () => {
    expect(laterStageImports(path.join(SRC, 'evaluation', 'x.ts'), "import { history } from '../sync/history.js';")).toEqual(['src/evaluation/x.ts -> src/sync/history.ts']);
    expect(laterStageImports(path.join(SRC, 'destinations', 'x.ts'), "import type { SegmentCall } from '../sync/calls.js';")).toHaveLength(1);
    expect(laterStageImports(path.join(SRC, 'plan', 'x.ts'), "const m = await import('../sql/lower.js');")).toHaveLength(1);
    expect(laterStageImports(path.join(SRC, 'sync', 'x.ts'), "import { planFor } from '../evaluation/evaluate.js'; import { x } from '../destinations/d.js';")).toEqual([]);
  });
});

/**
 * Every relative import of `file`, resolved to a path: import and export declarations (type-only
 * too: a cycle of types is still two ideas in the wrong place) and dynamic import(), read from
 * TypeScript's syntax tree.
 */
function importsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    if (specifier && ts.isStringLiteralLike(specifier) && specifier.text.startsWith('.')) {
      out.push(path.resolve(path.dirname(file), specifier.text).replace(/\.js$/, '.ts'));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** One cycle of the graph, as `a -> b -> ... -> a`, or null when it has none (depth-first search). */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    trail.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...trail.slice(trail.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    trail.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) !== undefined) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((file) => [file, importsOf(file, read(file)).filter((target) => known.has(target))]));
}

describe('the import graph', () => {
  it('of src/ and dialects/ has no cycle', () => {
    const files = [...typeScriptFiles(SRC), ...typeScriptFiles(DIALECTS)];
    expect(files.length).toBeGreaterThan(100);
    const cycle = findCycle(importGraph(files, (file) => readFileSync(file, 'utf8')));
    expect(cycle?.map((file) => path.relative(REPO, file)).join(' -> ') ?? null).toBeNull();
  });

  it('finds a cycle through any form of import, and prints it', () => {
    const at = (name: string) => path.join(SRC, 'example', name);
    const sources: Record<string, string> = {
      [at('a.ts')]: "import { b } from './b.js';",
      [at('b.ts')]: "export type { C } from './c.js';",
      [at('c.ts')]: "const a = await import('./a.js'); import x from 'node:fs';",
      [at('d.ts')]: "import { a } from './a.js';",
    };
    const read = (file: string) => sources[file];
    const cycle = findCycle(importGraph(Object.keys(sources), read));
    expect(cycle?.map((file) => path.relative(SRC, file))).toEqual(['example/a.ts', 'example/b.ts', 'example/c.ts', 'example/a.ts']);
    // Without the dynamic import the graph is a tree: no cycle.
    sources[at('c.ts')] = "import x from 'node:fs'; // import('./a.js') in a comment is no import";
    expect(findCycle(importGraph(Object.keys(sources), read))).toBeNull();
  });
});
