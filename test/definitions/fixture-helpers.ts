// Loading fixtures/invalid cases: a project folder, an optional catalog.json (the warehouse's
// tables and columns, for the checks that need one), an optional env.json (the environment),
// and expected.txt: one diagnostic a line, `<code> <file>:<line>:<col> <message substring>`
// (`-` instead of the place for a diagnostic without one); lines starting with # are comments.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { validateProject } from '../../src/definitions/load-project.js';
import { OFFLINE_CATALOG, type Catalog, type LogicalType } from '../../src/warehouse/catalog.js';

export const INVALID_ROOT = path.resolve(import.meta.dirname, '../../fixtures/invalid');

export interface Expected {
  readonly code: string;
  readonly place: string;
  readonly substring: string;
}

export function invalidCases(): string[] {
  return readdirSync(INVALID_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export function readExpected(dir: string): Expected[] {
  return readFileSync(path.join(dir, 'expected.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\S+) (\S+) (.*)$/.exec(line.trim());
      if (!match) throw new Error(`bad expected line in ${dir}: ${line}`);
      return { code: match[1], place: match[2], substring: match[3] };
    });
}

type CatalogJson = {
  tables: Record<string, Record<string, LogicalType>>;
  sqlTraitColumns?: Record<string, Record<string, LogicalType>>;
};

export function catalogFromJson(json: CatalogJson): Catalog {
  return {
    known: true,
    tables: new Map(Object.entries(json.tables).map(([name, columns]) => [name, { name, columns: new Map(Object.entries(columns)) }])),
    sqlTraitColumns: new Map(Object.entries(json.sqlTraitColumns ?? {}).map(([name, columns]) => [name, new Map(Object.entries(columns))])),
  };
}

export async function runCase(dir: string): Promise<Diagnostic[]> {
  const catalogFile = path.join(dir, 'catalog.json');
  const envFile = path.join(dir, 'env.json');
  const catalog = existsSync(catalogFile) ? catalogFromJson(JSON.parse(readFileSync(catalogFile, 'utf8'))) : OFFLINE_CATALOG;
  const env = existsSync(envFile) ? (JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>) : {};
  const { diagnostics } = await validateProject(dir, catalog, { env, dialects: dialectNamed });
  return diagnostics;
}

export function placeOf(d: Diagnostic): string {
  return d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : '-';
}

/** A throwaway project from a map of project-relative paths to file texts, removed when the calling test ends. */
export function tempProject(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'quorum-defs-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}
