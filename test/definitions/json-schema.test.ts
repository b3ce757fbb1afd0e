import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema, definitionFileSchema, quorumJsonSchema } from '../../src/definitions/schema.js';
import { LANGUAGE_DOC, linkedAnchors } from '../../src/definitions/schema-doc-links.js';
import { jsonSchemaText, schemaPath } from '../../src/definitions/write-json-schema.js';
import { docAnchors, readDoc } from '../docs/markdown.js';
import { INVALID_ROOT } from './fixture-helpers.js';

const BASIC = path.resolve(import.meta.dirname, 'projects/basic');

describe('schema/quorum.schema.json', () => {
  it('is the committed output of write-json-schema (UPDATE_SCHEMA=1 rewrites it)', () => {
    const fresh = jsonSchemaText();
    if (process.env.UPDATE_SCHEMA) writeFileSync(schemaPath(), fresh);
    expect(schemaPath()).toBe(path.resolve(import.meta.dirname, '../../schema/quorum.schema.json'));
    expect(readFileSync(schemaPath(), 'utf8')).toBe(fresh);
    const schema = JSON.parse(fresh);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('accepts the files of a valid project', () => {
    expect(configSchema.safeParse(parse(readFileSync(path.join(BASIC, 'quorum.yml'), 'utf8'))).success).toBe(true);
    for (const folder of ['audiences', 'traits']) {
      for (const file of readdirSync(path.join(BASIC, folder))) {
        const result = definitionFileSchema.safeParse(parse(readFileSync(path.join(BASIC, folder, file), 'utf8')));
        expect(result.success, `${folder}/${file}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
      }
    }
  });

  it('rejects the structural mistakes of fixtures/invalid', () => {
    const structural = [
      'unknown-key-audience', 'unknown-key-operator', 'unknown-key-condition', 'wrong-type-level', 'wrong-type-where-scalar',
      'wrong-type-in-not-list', 'wrong-type-exists', 'missing-level', 'missing-event', 'missing-sql', 'invalid-compute',
      'bad-duration-unit', 'bad-duration-zero', 'negative-count', 'percent-out-of-range', 'empty-in-list',
    ];
    for (const name of structural) {
      const dir = path.join(INVALID_ROOT, name);
      const file = ['audiences/a.yml', 'traits/t.yml'].map((f) => path.join(dir, f)).find((f) => existsSync(f))!;
      expect(definitionFileSchema.safeParse(parse(readFileSync(file, 'utf8'))).success, name).toBe(false);
    }
    expect(configSchema.safeParse(parse(readFileSync(path.join(INVALID_ROOT, 'unknown-key-quorum-yml/quorum.yml'), 'utf8'))).success).toBe(false);
  });

  it('describes every key with a link to its entry in docs/language.md', () => {
    const unlinked: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${where}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'properties' && typeof child === 'object' && child !== null) {
          for (const [name, property] of Object.entries(child)) {
            const description = (property as { description?: unknown }).description;
            if (typeof description !== 'string' || !description.includes(`${LANGUAGE_DOC}#`)) unlinked.push(`${where}/properties/${name}`);
          }
        }
        visit(child, `${where}/${key}`);
      }
    };
    visit(quorumJsonSchema(), '');
    expect(unlinked).toEqual([]);
  });

  it('links only to anchors that docs/language.md has', () => {
    const anchors = docAnchors(readDoc(LANGUAGE_DOC));
    const linked = new Set(linkedAnchors());
    for (const match of jsonSchemaText().matchAll(/docs\/language\.md#([A-Za-z0-9_-]+)/g)) linked.add(match[1]);
    expect(linked.size).toBeGreaterThan(40);
    expect([...linked].filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });
});
