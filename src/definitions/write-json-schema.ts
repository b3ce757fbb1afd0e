// Writes schema/quorum.schema.json from the zod schemas (npm run build && npm run schema).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quorumJsonSchema } from './schema.js';

export function jsonSchemaText(): string {
  return `${JSON.stringify(quorumJsonSchema(), null, 2)}\n`;
}

/** The repository's schema/ folder, from src/definitions or dist/src/definitions. */
export function schemaPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(dir) !== 'src') dir = path.dirname(dir);
  dir = path.dirname(dir);
  if (path.basename(dir) === 'dist') dir = path.dirname(dir);
  return path.join(dir, 'schema', 'quorum.schema.json');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(schemaPath(), jsonSchemaText());
  process.stdout.write(`wrote ${schemaPath()}\n`);
}
