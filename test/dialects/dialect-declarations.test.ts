// What a dialect declares and the core only receives: its quorum.yml keys (read by its own parser,
// published in the JSON Schema) and its capabilities (conservative unless declared). A dialect the
// core has never heard of works from its declaration alone, and the conservative printer gives the
// same answers as the tuned one on a real engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupOf } from '../../dialects/dialect-lookup.js';
import { IN_MEMORY } from '../../dialects/duckdb/duckdb-config.js';
import { openDuckDb, type DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { DuckDbPrinter } from '../../dialects/duckdb/duckdb-printer.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import { DIALECTS, dialectNamed } from '../../dialects/registry.js';
import { loadProject } from '../../src/definitions/load-project.js';
import type { WarehouseConfig } from '../../src/definitions/model.js';
import { configSchema } from '../../src/definitions/schema.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { compileSql, evaluate, readCatalog } from '../../src/evaluation/evaluate.js';
import { CONSERVATIVE_CAPABILITIES, declareCapabilities } from '../../src/warehouse/capabilities.js';
import type { Dialect } from '../../src/warehouse/connection.js';
import { loadDataset } from '../support/load-duckdb.js';
import { COVERAGE_AS_OF, COVERAGE_DEFINITIONS, coverageDataset, coverageProject } from './support/coverage-project.js';

const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(quorumYml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quorum-dialect-'));
  made.push(dir);
  writeFileSync(path.join(dir, 'quorum.yml'), quorumYml);
  return dir;
}

describe('each dialect reads its own warehouse keys', () => {
  it('bigquery accepts key_file (relative to the project, ${VAR} allowed), as docs/warehouses.md says', async () => {
    const dir = project('warehouse:\n  type: bigquery\n  project: my-project\n  location: EU\n  key_file: ${KEY_DIR}/sa.json\n');
    const { project: loaded, diagnostics } = await loadProject(dir, { env: { KEY_DIR: 'secrets' }, dialects: dialectNamed });
    expect(diagnostics).toEqual([]);
    expect(loaded?.config.warehouse).toEqual({ type: 'bigquery', settings: { project: 'my-project', location: 'EU', key_file: path.join(dir, 'secrets/sa.json') } });
    expect(configSchema(dialectNamed).safeParse(parse('warehouse: { type: bigquery, project: p, key_file: sa.json }')).success).toBe(true);
  });

  it('a key of another warehouse is unknown_key, with the keys this one takes', async () => {
    const dir = project('warehouse:\n  type: postgres\n  url: postgres://localhost/prod\n  key_file: sa.json\n');
    const { diagnostics } = await loadProject(dir, { env: {}, dialects: dialectNamed });
    expect(diagnostics.map((d) => [d.code, d.loc?.line, d.loc?.col, d.message, d.hint])).toEqual([
      ['unknown_key', 4, 3, '"warehouse" of type postgres has an unknown key "key_file".', 'the keys allowed here are "type", "url", "connect_timeout"'],
    ]);
    expect(configSchema(dialectNamed).safeParse(parse('warehouse: { type: postgres, url: u, key_file: sa.json }')).success).toBe(false);
  });

  it('the JSON Schema offers exactly the keys each parser accepts', () => {
    const keysOf = (name: string) => ['type', ...Object.keys(dialectNamed(name)!.config.keys)];
    for (const name of dialectNamed.names) {
      const example = (key: string) => ({ size: '200MB', whole_number: 2, text: 'x' })[dialectNamed(name)!.config.keys[key]?.form ?? 'text'];
      const settings = Object.fromEntries(keysOf(name).map((key) => [key, key === 'type' ? name : example(key)]));
      expect(configSchema(dialectNamed).safeParse({ warehouse: settings }).success, name).toBe(true);
      expect(configSchema(dialectNamed).safeParse({ warehouse: { ...settings, not_a_key: 'x' } }).success, name).toBe(false);
    }
    expect(dialectNamed.names).toEqual(Object.keys(DIALECTS));
    expect(dialectNamed.defaultName).toBe('duckdb');
  });

  it('a warehouse the core has never heard of is read from its declaration alone', async () => {
    interface ExampleWarehouse extends WarehouseConfig {
      readonly type: 'exampledb';
      readonly host: string;
    }
    const example: Dialect<ExampleWarehouse> = {
      name: 'exampledb',
      capabilities: declareCapabilities({}),
      printer: new DuckDbPrinter(CONSERVATIVE_CAPABILITIES),
      config: {
        keys: { host: { optional: false, description: 'exampledb: the host' } },
        parse: (section) => {
          const host = section.requiredText('host', 'add host: followed by the server name');
          return host === null ? null : { type: 'exampledb', host };
        },
        secrets: () => [],
      },
      sqlParser: duckdb.sqlParser,
      connect: () => openDuckDb(example, { type: 'duckdb', path: IN_MEMORY }),
    };
    const dialects = lookupOf({ duckdb, exampledb: example });
    const ok = await loadProject(project('warehouse:\n  type: exampledb\n  host: db.internal\n'), { env: {}, dialects });
    expect(ok.project?.config.warehouse).toEqual({ type: 'exampledb', host: 'db.internal' });

    const misspelt = await loadProject(project('warehouse:\n  type: exampledb\n  hots: db.internal\n'), { env: {}, dialects });
    expect(misspelt.diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.hint}`)).toEqual(['unknown_key 3:3 did you mean "host"?']);

    const unknownType = await loadProject(project('warehouse:\n  type: bigquery\n'), { env: {}, dialects });
    expect(unknownType.diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)).toEqual([
      'invalid_value 2:9 "warehouse": "type" is "bigquery", but it must be one of "duckdb", "exampledb".',
    ]);
    expect(configSchema(dialects).safeParse({ warehouse: { type: 'exampledb', host: 'h' } }).success).toBe(true);
  });
});

describe('capabilities', () => {
  it('a flag left out is the conservative one; every flag is false there', () => {
    expect(Object.values(CONSERVATIVE_CAPABILITIES).every((flag) => flag === false)).toBe(true);
    expect(declareCapabilities({})).toEqual(CONSERVATIVE_CAPABILITIES);
    expect(declareCapabilities({ concatSkipsNulls: true })).toEqual({ ...CONSERVATIVE_CAPABILITIES, concatSkipsNulls: true });
  });

  it('each dialect prints with the capabilities it declares', () => {
    for (const dialect of Object.values(DIALECTS)) expect(dialect.printer.capabilities, dialect.name).toBe(dialect.capabilities);
    expect(DIALECTS.duckdb.capabilities).toMatchObject({ supportsAggregateFilter: true, concatSkipsNulls: true, supportsQualifiedSchemaNames: false });
    expect(DIALECTS.bigquery.capabilities).toMatchObject({ supportsAggregateFilter: false, concatSkipsNulls: false, supportsQualifiedSchemaNames: true });
  });

  describe('the conservative printer gives DuckDB the same answers as the tuned one, or refuses', () => {
    const conservative: Dialect = { ...duckdb, capabilities: CONSERVATIVE_CAPABILITIES, printer: new DuckDbPrinter(CONSERVATIVE_CAPABILITIES) };
    let tuned: DuckDbConnection;
    let plain: DuckDbConnection;

    beforeAll(async () => {
      tuned = await openDuckDb(duckdb, { type: 'duckdb', path: IN_MEMORY });
      plain = await openDuckDb(conservative, { type: 'duckdb', path: IN_MEMORY });
      for (const connection of [tuned, plain]) await loadDataset(connection.connection, coverageDataset());
    });

    afterAll(async () => {
      await tuned?.close();
      await plain?.close();
    });

    it('on every definition of the coverage project: the same rows, or UNSUPPORTED (never a wrong answer)', async () => {
      const p = coverageProject();
      const catalog = await readCatalog(tuned, p);
      const refused: string[] = [];
      const targets = COVERAGE_DEFINITIONS.map((d) => d.name).filter((name) => {
        try {
          compileSql({ project: p, catalog, asOf: COVERAGE_AS_OF, targets: [name] }, conservative.printer);
          return true;
        } catch (cause) {
          if (!(cause instanceof DiagnosticsError) || cause.diagnostics[0].code !== 'unsupported_feature') throw cause;
          refused.push(name);
          return false;
        }
      });
      // DuckDB's ARRAY_AGG keeps NULL: without FILTER only the unique_list trait, and the audience
      // that reads it, are refused.
      expect(refused.sort()).toEqual(['a_includes', 'ct_unique_list']);
      expect(targets.length).toBeGreaterThan(40);
      const answer = (c: DuckDbConnection) => evaluate(c, { project: p, catalog, asOf: COVERAGE_AS_OF, targets });
      const expected = await answer(tuned);
      expect(expected.size).toBe(targets.length);
      expect(await answer(plain)).toEqual(expected);
    });
  });
});
