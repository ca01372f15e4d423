/** `floe schema [pipeline|floe]`: the JSON Schema of pipeline files or floe.yaml, for editors. */
import { jsonSchemaText } from '../../pipeline/json-schema.js';
import { consoleOutput } from '../output.js';

export default async function schema(which: string | undefined): Promise<number> {
  consoleOutput().out(jsonSchemaText(which === 'floe' ? 'floe' : 'pipeline'));
  return 0;
}
