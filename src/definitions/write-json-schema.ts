// The text of schema/quorum.schema.json and where it lives; src/cli/write-schema-script.ts writes
// it (npm run build && npm run schema) with the dialects of this build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WarehouseTypes } from './parse-warehouse.js';
import { quorumJsonSchema } from './schema.js';

export function jsonSchemaText(warehouses: WarehouseTypes): string {
  return `${JSON.stringify(quorumJsonSchema(warehouses), null, 2)}\n`;
}

/** The repository's schema/ folder, from src/definitions or dist/src/definitions. */
export function schemaPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(dir) !== 'src') dir = path.dirname(dir);
  dir = path.dirname(dir);
  if (path.basename(dir) === 'dist') dir = path.dirname(dir);
  return path.join(dir, 'schema', 'quorum.schema.json');
}
