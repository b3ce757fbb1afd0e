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
