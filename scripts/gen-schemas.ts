/**
 * Regenerates the committed JSON Schemas from the zod schemas:
 *   npx tsx scripts/gen-schemas.ts
 * test/pipeline/json-schema.test.ts fails until this has been run after a schema change.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText, SCHEMA_FILES, type SchemaName } from '../src/pipeline/json-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const name of Object.keys(SCHEMA_FILES) as SchemaName[]) {
  const file = join(root, SCHEMA_FILES[name]);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, jsonSchemaText(name));
  console.log(`wrote ${SCHEMA_FILES[name]}`);
}
