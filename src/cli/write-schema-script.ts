// npm run schema: writes schema/quorum.schema.json, its `warehouse:` shapes from the dialects.
import { writeFileSync } from 'node:fs';
import { dialectNamed } from '../../dialects/registry.js';
import { jsonSchemaText, schemaPath } from '../definitions/write-json-schema.js';

writeFileSync(schemaPath(), jsonSchemaText(dialectNamed));
process.stdout.write(`wrote ${schemaPath()}\n`);
